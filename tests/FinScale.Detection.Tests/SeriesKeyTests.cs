using FinScale.Contracts;

namespace FinScale.Detection.Tests;

public class SeriesKeyTests
{
    [Fact]
    public void Create_SortsAttributesAndEscapesQuotes()
    {
        var k = SeriesKey.Create("m", new Dictionary<string, string> { ["z"] = "a\"b", ["a"] = "x\\y" });
        Assert.Equal("m{a=\"x\\\\y\",z=\"a\\\"b\"}", k.Text);
        Assert.Equal("m", SeriesKey.Create("m", null).Text);
    }

    [Fact]
    public void Equals_DependsOnTextOnly()
    {
        Assert.Equal(
            SeriesKey.Create("m", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }),
            SeriesKey.Create("m", new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
        Assert.NotEqual(SeriesKey.Create("m", null), SeriesKey.Create("n", null));
    }
}
