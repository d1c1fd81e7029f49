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
    public void GetOrAdd_KeysCutIntoSharedTokens_AgreeWithADictionaryOnEveryTextAndId()
    {
        // Texts from an alphabet heavy in the characters keys are cut at ('{' and ','), with quotes, braces, non-ASCII and
        // lengths from 1 up: many share tokens, some are one another's token sequences put together differently.
        var rng = new Random(7);
        const string alphabet = "ab{,\"}=é支x";
        var reference = new Dictionary<string, int>(StringComparer.Ordinal);
        var c = new SeriesCatalog(20_000);
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new char[1 + rng.Next(rng.Next(4) == 0 ? 60 : 12)];
            for (var k = 0; k < chars.Length; k++)
                chars[k] = alphabet[rng.Next(alphabet.Length)];
            var text = new string(chars);
            var id = c.GetOrAdd(text.AsSpan());
            if (reference.TryGetValue(text, out var known))
                Assert.Equal(known, id);
            else
                reference[text] = id;
        }

        Assert.Equal(reference.Count, c.Count);
        foreach (var (text, id) in reference)
        {
            Assert.Equal(text, c.TextOf(id));
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), c.Utf8Of(id));
            Assert.True(c.TryGetId(text, out var found));
            Assert.Equal(id, found);
        }

        // Texts that were never added, though made of added tokens, are not found.
        foreach (var text in new[] { "a{a,", "a{a,b", "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{" })
        {
            if (!reference.ContainsKey(text))
                Assert.False(c.TryGetId(text, out _), text);
        }
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
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), c.Utf8Of(id));
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

    [Fact]
    public void GetOrAdd_KeyLongerThanATextChunk_ReadsBackWhole_AndKeysAroundItToo()
    {
        var c = new SeriesCatalog(10);
        var small = c.GetOrAdd("before".AsSpan());
        var huge = new string('k', 3 << 20) + "{a=\"1\"}";
        var id = c.GetOrAdd(huge.AsSpan());
        var after = c.GetOrAdd("after".AsSpan());

        Assert.Equal(huge, c.TextOf(id));
        Assert.Equal(id, c.GetOrAdd(huge.AsSpan()));
        Assert.Equal("before", c.TextOf(small));
        Assert.Equal("after", c.TextOf(after));
        Assert.False(c.TryGetId(huge.AsSpan(0, huge.Length - 1), out _));
    }

    [Fact]
    public async Task TryGetId_FromAnotherThreadWhileInterning_FindsEveryPublishedIdAndNeverThrows()
    {
        // The decision stage asks whether a series still reports while the decoder interns new ones.
        var c = new SeriesCatalog(300_000);
        var published = 0;
        var lookups = 0;
        var stop = false;
        var reader = Task.Run(() =>
        {
            var rng = new Random(3);
            while (!Volatile.Read(ref stop))
            {
                var n = Volatile.Read(ref published);
                var id = rng.Next(Math.Max(n, 1));
                if (n > 0)
                {
                    Assert.True(c.TryGetId(("series-" + id).AsSpan(), out var found), $"series-{id} of {n} published not found");
                    Assert.Equal(id, found);
                }

                Assert.False(c.TryGetId(("other-" + id).AsSpan(), out _));
                Interlocked.Increment(ref lookups);
            }
        });
        for (var i = 0; i < 200_000; i++)
        {
            if (i % 1_000 == 0)
            {
                // Keep the two threads overlapping: wait for a lookup since the last check (the reader may start late).
                var seen = Volatile.Read(ref lookups);
                SpinWait.SpinUntil(() => Volatile.Read(ref lookups) > seen || reader.IsCompleted, TimeSpan.FromSeconds(10));
            }

            Assert.Equal(i, c.GetOrAdd(("series-" + i).AsSpan()));
            Volatile.Write(ref published, i + 1);
        }

        Volatile.Write(ref stop, true);
        await reader.WaitAsync(TimeSpan.FromSeconds(30)); // rethrows a reader's failed assertion
        Assert.True(Volatile.Read(ref lookups) >= 200, $"{lookups} lookups");
    }
}

/// <summary>The catalog's bytes per key, measured on the heap: alone, since tests running beside it would allocate into the measurement.</summary>
[Collection(nameof(HeapMeasuringCollection))]
public class SeriesCatalogMemoryTests
{
    [Fact]
    public void GetOrAdd_SeriesOfOnePodAndMetric_ShareTheirTokens_AndTakeFarLessThanTheirText()
    {
        // 2,000 pods x 50 metrics with four resource attributes, as one OTLP resource's series are.
        static string Key(int pod, int metric) => SeriesKey.Create("http.server.request.duration.p" + metric, new Dictionary<string, string>
        {
            ["k8s.namespace.name"] = "payments",
            ["k8s.pod.name"] = "checkout-7d9f8b6c4-" + pod.ToString("x5", System.Globalization.CultureInfo.InvariantCulture),
            ["service.name"] = "checkout",
            ["k8s.node.name"] = "node-" + (pod % 40).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Text;

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var c = new SeriesCatalog(100_000);
        long textBytes = 0;
        for (var pod = 0; pod < 2_000; pod++)
        {
            for (var metric = 0; metric < 50; metric++)
            {
                var key = Key(pod, metric);
                textBytes += System.Text.Encoding.UTF8.GetByteCount(key);
                c.GetOrAdd(key.AsSpan());
            }
        }

        var perKey = (double)(GC.GetTotalMemory(forceFullCollection: true) - before) / c.Count;
        GC.KeepAlive(c);
        Assert.Equal(100_000, c.Count);
        Assert.Equal(Key(1_234, 17), c.TextOf(1_234 * 50 + 17));

        // Plain UTF-8 would take the text (about 140 bytes a key here) plus a 16-byte entry and a 4-8 byte hash slot.
        Assert.True(perKey < 50, $"{perKey:F1} bytes per key; the text alone is {(double)textBytes / c.Count:F1}");
    }
}
