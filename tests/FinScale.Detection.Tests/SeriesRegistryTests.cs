using FinScale.Contracts;
using FinScale.Detection;

namespace FinScale.Detection.Tests;

public class SeriesRegistryTests
{
    [Fact]
    public void GetOrAdd_SameKeyInAnyAttributeOrder_GetsOneDenseId()
    {
        var r = new SeriesRegistry(10);
        var a = r.GetOrAdd(SeriesKey.Create("m", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }));
        var b = r.GetOrAdd(SeriesKey.Create("m", new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
        var c = r.GetOrAdd(SeriesKey.Create("n", null));
        Assert.Equal(0, a);
        Assert.Equal(0, b);
        Assert.Equal(1, c);
        Assert.Equal("n", r.KeyOf(1).Metric);
    }

    [Fact]
    public void GetOrAdd_WhenFull_RefusesNewButKeepsKnown()
    {
        var r = new SeriesRegistry(1);
        Assert.Equal(0, r.GetOrAdd(SeriesKey.Create("m", null)));
        Assert.Equal(-1, r.GetOrAdd(SeriesKey.Create("n", null)));
        Assert.Equal(0, r.GetOrAdd(SeriesKey.Create("m", null)));
        Assert.Equal(1, r.Refused);
    }
}
