using FinScale.Contracts;

namespace FinScale.Detection.Tests;

public class SeriesCatalogTests
{
    [Fact]
    public void GetOrAdd_SameKeyTwice_GivesOneDenseId()
    {
        var c = new SeriesCatalog(10);
        var a = c.GetOrAdd(SeriesKey.Create("m", new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
        var b = c.GetOrAdd("m{a=\"1\",b=\"2\"}".AsSpan());
        var other = c.GetOrAdd("n".AsSpan());
        Assert.Equal(0, a);
        Assert.Equal(a, b);
        Assert.Equal(1, other);
        Assert.Equal(2, c.Count);
        Assert.Equal("m{a=\"1\",b=\"2\"}", c.TextOf(a));
        Assert.Equal("1", c.KeyOf(a).Attribute("a"));
    }

    [Fact]
    public void GetOrAdd_NonAsciiKey_ResolvesByTextAndReadsBackTheSameText()
    {
        var c = new SeriesCatalog(10);
        var text = "latência{região=\"São Paulo\",服务=\"支付\",emoji=\"🚀\"}";
        var id = c.GetOrAdd(text.AsSpan());
        var ascii = c.GetOrAdd("latencia".AsSpan());

        Assert.Equal(id, c.GetOrAdd(text.AsSpan()));
        Assert.True(c.TryGetId(text, out var found));
        Assert.Equal(id, found);
        Assert.NotEqual(id, ascii);
        Assert.False(c.TryGetId("latência".AsSpan(), out _));
        Assert.Equal(text, c.TextOf(id));
    }

    [Fact]
    public void GetOrAdd_KeyLongerThanTheStackBuffer_ResolvesByText()
    {
        var c = new SeriesCatalog(10);
        var text = "m{a=\"" + new string('é', 900) + "\"}";
        var id = c.GetOrAdd(text.AsSpan());

        Assert.Equal(id, c.GetOrAdd(text.AsSpan()));
        Assert.NotEqual(id, c.GetOrAdd(text[..^2].AsSpan()));
        Assert.Equal(text, c.TextOf(id));
    }

    [Fact]
    public void GetOrAdd_PastTheCap_RefusesNewSeriesAndCountsThem_KnownOnesStillResolve()
    {
        var c = new SeriesCatalog(3);
        for (var i = 0; i < 5; i++)
            c.GetOrAdd(("m" + i).AsSpan());
        Assert.Equal(3, c.Count);
        Assert.Equal(2, c.Refused);
        Assert.Equal(-1, c.GetOrAdd("m4".AsSpan()));
        Assert.Equal(1, c.GetOrAdd("m1".AsSpan()));
        Assert.Equal(3, c.Refused);
    }

    [Fact]
    public void TextOf_ManyChunks_ReadsBackEveryId()
    {
        var c = new SeriesCatalog(20_000);
        for (var i = 0; i < 10_000; i++)
            Assert.Equal(i, c.GetOrAdd(("s" + i).AsSpan()));
        Assert.Equal("s9999", c.TextOf(9999));
        Assert.Equal("s4096", c.TextOf(4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.TextOf(10_000));
    }

    [Fact]
    public async Task TextOf_ReadFromAnotherThreadWhileInterning_SeesPublishedIds()
    {
        var c = new SeriesCatalog(200_000);
        var published = 0;
        var reader = Task.Run(() =>
        {
            var checkedIds = 0;
            while (Volatile.Read(ref published) < 100_000)
            {
                var n = Volatile.Read(ref published);
                if (n > 0)
                {
                    Assert.Equal("s" + (n - 1), c.TextOf(n - 1));
                    checkedIds++;
                }
            }

            return checkedIds;
        });
        for (var i = 0; i < 100_000; i++)
        {
            c.GetOrAdd(("s" + i).AsSpan());
            Volatile.Write(ref published, i + 1);
        }

        await reader.WaitAsync(TimeSpan.FromSeconds(30)); // rethrows a reader's failed assertion
    }
}
