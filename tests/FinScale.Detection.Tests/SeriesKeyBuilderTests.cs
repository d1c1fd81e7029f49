using System.Text;
using FinScale.Contracts;

namespace FinScale.Detection.Tests;

public class SeriesKeyBuilderTests
{
    [Fact]
    public void Build_MatchesSeriesKeyCreate_ForRandomAttributeSets()
    {
        var rng = new Random(42);
        var b = new SeriesKeyBuilder();
        for (var round = 0; round < 500; round++)
        {
            var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
            b.Clear();
            b.SetMetric("http.server.duration", ".p99");
            var n = rng.Next(0, 9);
            for (var i = 0; i < n; i++)
            {
                var k = "k" + rng.Next(0, 6);
                var v = rng.Next(0, 4) switch { 0 => "plain", 1 => "q\"uote", 2 => "back\\slash", _ => "ünïcode-" + rng.Next(100) };
                attrs[k] = v; // last wins, as in the builder
                if (i % 2 == 0)
                    b.Add(k, v);
                else
                    b.AddUtf8(Encoding.UTF8.GetBytes(k), Encoding.UTF8.GetBytes(v));
            }

            Assert.Equal(SeriesKey.Create("http.server.duration.p99", attrs).Text, b.Build().ToString());
        }
    }

    [Fact]
    public void Truncate_ToAMark_KeepsTheEarlierAttributes()
    {
        var b = new SeriesKeyBuilder();
        b.SetMetric("m");
        b.Add("service.name", "api");
        var mark = b.Mark();
        b.Add("route", "/pay");
        Assert.Equal("m{route=\"/pay\",service.name=\"api\"}", b.Build().ToString());
        b.Truncate(mark);
        b.Add("route", "/refund");
        Assert.Equal("m{route=\"/refund\",service.name=\"api\"}", b.Build().ToString());
        b.Truncate(0);
        Assert.Equal("m", b.Build().ToString());
    }

    [Fact]
    public void Parse_RoundTripsCreate_IncludingEscapes()
    {
        var key = SeriesKey.Create("m", new Dictionary<string, string> { ["a"] = "x\"y", ["b"] = "c\\d", ["c"] = "" });
        var parsed = SeriesKey.Parse(key.Text);
        Assert.Equal(key, parsed);
        Assert.Equal("x\"y", parsed.Attribute("a"));
        Assert.Equal("c\\d", parsed.Attribute("b"));
        Assert.Equal(SeriesKey.Create("plain", null), SeriesKey.Parse("plain"));
        Assert.Throws<FormatException>(() => SeriesKey.Parse("m{a=1}"));
    }
}
