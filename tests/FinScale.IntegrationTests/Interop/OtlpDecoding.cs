using FinScale.Detection;
using FinScale.Detection.Traces;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Otlp;

namespace FinScale.IntegrationTests.Interop;

/// <summary>One series update a decoder emitted, with its key resolved to text.</summary>
internal readonly record struct DecodedPoint(string Series, long TimestampMs, double Value);

/// <summary>What one decoder made of a sequence of export requests: the updates of each request, and its counters.</summary>
internal sealed record DecodedMetrics(IReadOnlyList<IReadOnlyList<DecodedPoint>> PerRequest, OtlpDecodeCounters Counters)
{
    /// <summary>Every update, in emission order.</summary>
    public IEnumerable<DecodedPoint> All => PerRequest.SelectMany(p => p);
}

/// <summary>Runs FinScale's OTLP decoders over captured requests, each call with a fresh catalog and decoder.</summary>
internal static class OtlpDecoding
{
    /// <summary>Decodes metrics requests in order through one decoder (cumulative streams carry over between them).</summary>
    public static DecodedMetrics Metrics(IEnumerable<byte[]> requests)
    {
        var catalog = new SeriesCatalog(10_000);
        var decoder = new OtlpMetricsDecoder(catalog, new OtlpOptions(), TimeProvider.System);
        var perRequest = new List<IReadOnlyList<DecodedPoint>>();
        foreach (var request in requests)
        {
            var sink = new CollectingSink(catalog);
            decoder.Decode(request, sink);
            perRequest.Add(sink.Points);
        }

        return new DecodedMetrics(perRequest, decoder.Counters);
    }

    /// <summary>Decodes trace requests in order through one decoder.</summary>
    public static (List<SpanRecord> Spans, OtlpDecodeCounters Counters) Spans(IEnumerable<byte[]> requests)
    {
        var decoder = new OtlpSpansDecoder(new OtlpOptions(), TimeProvider.System);
        var spans = new List<SpanRecord>();
        foreach (var request in requests)
            decoder.Decode(request, spans);
        return (spans, decoder.Counters);
    }

    /// <summary>Asserts that no decoding rule skipped, refused or repaired anything: every point was taken as sent.</summary>
    public static void AssertNothingSkipped(OtlpDecodeCounters c)
    {
        Assert.Equal(0, c.NoRecordedValuePoints);
        Assert.Equal(0, c.NonFinitePoints);
        Assert.Equal(0, c.MissingTimestampPoints);
        Assert.Equal(0, c.FutureTimestampPoints);
        Assert.Equal(0, c.UnspecifiedTemporalityPoints);
        Assert.Equal(0, c.StalePoints);
        Assert.Equal(0, c.CounterResets);
        Assert.Equal(0, c.MalformedDataPoints);
        Assert.Equal(0, c.Refused);
        Assert.Equal(0, c.DefaultedServiceNames);
        Assert.Equal(0, c.MalformedSpanCount);
    }

    private sealed class CollectingSink(SeriesCatalog catalog) : IPointSink
    {
        public List<DecodedPoint> Points { get; } = [];

        public void Add(int seriesId, long timestampMs, double value) => Points.Add(new DecodedPoint(catalog.TextOf(seriesId), timestampMs, value));
    }
}
