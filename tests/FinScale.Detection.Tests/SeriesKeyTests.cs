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

    [Fact]
    public void Parse_RandomKeys_RoundTrip_WithAttributesSortedAndFoundByKey()
    {
        var random = new Random(7);
        const string alphabet = "ab.z_\"\\,={}é€";
        for (var n = 0; n < 500; n++)
        {
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var a = random.Next(0, 12); a > 0; a--)
                attributes[$"k{random.Next(1000)}.{(char)('a' + random.Next(26))}"] = new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var created = SeriesKey.Create("http.server.request.duration", attributes);

            var parsed = SeriesKey.Parse(created.Text);

            Assert.Equal(created.Text, parsed.Text);
            Assert.Equal(attributes.Keys.Order(StringComparer.Ordinal), parsed.Attributes.Keys);
            foreach (var (k, v) in attributes)
                Assert.Equal(v, parsed.Attribute(k));
            Assert.Null(parsed.Attribute("absent"));
            Assert.Throws<KeyNotFoundException>(() => parsed.Attributes["absent"]);
        }
    }

    [Theory]
    [InlineData("m{b=\"1\",a=\"2\"}")] // keys out of order
    [InlineData("m{a=\"1\",a=\"2\"}")] // a key twice
    [InlineData("m{a=\"\\x\"}")] // an escape Create never writes
    [InlineData("m{a=\"1\"")] // not closed
    [InlineData("m{}")]
    [InlineData("{a=\"1\"}")] // no name
    public void Parse_NonCanonicalText_IsRefused(string text) => Assert.Throws<FormatException>(() => SeriesKey.Parse(text));
}
