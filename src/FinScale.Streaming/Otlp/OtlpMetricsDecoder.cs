using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Detection.Histograms;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;

namespace FinScale.Streaming.Otlp;

/// <summary>
/// Turns OTLP <c>ExportMetricsServiceRequest</c> bytes into series updates, straight from the wire: no message
/// objects, no allocation per data point once a series is known.
/// </summary>
/// <remarks>
/// <para>Rules (documented in README, "OTLP metrics → series"):</para>
/// <list type="bullet">
/// <item>Gauge → <c>{name}</c>. Sum, monotonic and cumulative → <c>{name}.rate</c> (per second; a reset restarts the
/// rate from the new start time); delta or non-monotonic Sum → <c>{name}</c> as given.</item>
/// <item>Histogram and ExponentialHistogram → <c>{name}.rate</c> (count per second), <c>.mean</c>, <c>.p50</c>,
/// <c>.p90</c>, <c>.p99</c> estimated from the buckets of the interval (cumulative points are differenced first).</item>
/// <item>Summary → <c>{name}.p{100q}</c> for each quantile given, plus <c>.rate</c> and <c>.mean</c> from its count and sum.</item>
/// <item>Key: metric name (+ suffix) + the configured identifying resource attributes + every data point attribute.
/// A resource without <c>service.name</c> is keyed <c>service.name="unknown_service"</c>, the SDK default.</item>
/// <item>Skipped and counted, never failing the record: points flagged NO_RECORDED_VALUE, NaN/infinite or missing
/// values, <c>time_unix_nano</c> 0 or beyond the allowed clock skew, unspecified temporality, cumulative points not
/// newer than their predecessor, inconsistent buckets, new series past the cardinality cap.</item>
/// <item>Exemplars (gauge, sum, histogram and exponential histogram points): the trace id of the exemplar with the
/// largest value (<c>as_double</c> or <c>as_int</c>; one without a value ranks below any value; the first of equals
/// wins) is the example trace of every series update derived from that point, handed to
/// <see cref="IPointSink.AddExemplar"/>; for a latency histogram that is the slowest request recorded. Exemplars
/// without a trace id are ignored; a <c>trace_id</c> that is not 16 bytes (or is all zero) is ignored and counted in
/// <see cref="OtlpDecodeCounters.MalformedExemplars"/>, the point is still used (an exemplar is optional, like the other
/// content rules above); an exemplar with a wrong wire type is broken protobuf, below.</item>
/// <item>Structurally broken protobuf fails the whole record (<see cref="RecordDecodeException"/>): it goes to the
/// dead-letter topic and none of its points is emitted. A first pass validates, a second converts, so no state
/// changes for a record that is rejected.</item>
/// </list>
/// One decoder per consuming thread: it keeps the previous point of every cumulative stream.
/// </remarks>
internal sealed class OtlpMetricsDecoder
{
    private const ulong NoRecordedValueFlag = 1;
    private static readonly string[] HistogramSuffixes = [".rate", ".mean", ".p50", ".p90", ".p99"];
    private static readonly double[] HistogramQuantiles = [0.5, 0.9, 0.99];

    private readonly SeriesCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly ulong _maxSkewNanos;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _identifying;
    private readonly SeriesKeyBuilder _key = new();
    private readonly Dictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Stream>.AlternateLookup<ReadOnlySpan<char>> _streamLookup;
    private char[] _streamKey = new char[256];
    private char[] _keyChars = new char[128];
    private double[] _bounds = new double[32];
    private double[] _counts = new double[33];
    private double[] _positive = new double[160];
    private double[] _negative = new double[160];
    private double[] _delta = new double[160];
    private double[] _deltaNegative = new double[160];
    // Fast path: a 128-bit hash of the resource's bytes, the metric's kind and name and the point's attribute bytes
    // finds a known series or stream without building its key text (which sorts the attributes and hashes ~250 chars).
    // A miss (new series, or the same attributes encoded differently) takes the text path, so ids never depend on it.
    private readonly XxHash128 _hash = new();
    private readonly HashedSeriesIds _seriesByHash;
    private readonly Dictionary<UInt128, Stream> _streamsByHash = [];
    private readonly int _hashCacheLimit;
    private readonly byte[] _resourceHash = new byte[16];
    private readonly byte[] _metricHash = new byte[16];
    private int _mark;
    private IPointSink _sink = null!;
    private ulong _nowNanos;
    private bool _commit;

    // The current point's example trace (zero: none) and the value that chose it; reset per data point.
    private UInt128 _exemplar;
    private ulong _exemplarSpan;
    private double _exemplarValue;

    /// <summary>Creates a decoder interning into <paramref name="catalog"/>.</summary>
    public OtlpMetricsDecoder(SeriesCatalog catalog, OtlpOptions options, TimeProvider time)
    {
        _catalog = catalog;
        _time = time;
        _maxSkewNanos = (ulong)options.MaxFutureSkew.Ticks * 100;
        _identifying = new HashSet<string>(options.IdentifyingResourceAttributeList, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _streamLookup = _streams.GetAlternateLookup<ReadOnlySpan<char>>();
        _hashCacheLimit = (int)Math.Min(int.MaxValue / 4, 2L * catalog.Capacity);
        _seriesByHash = new HashedSeriesIds(_hashCacheLimit);
    }

    /// <summary>What was done with the points read so far.</summary>
    public OtlpDecodeCounters Counters { get; } = new();

    /// <summary>Cumulative streams whose previous point is kept.</summary>
    public int StreamCount => _streams.Count;

    /// <summary>Decodes one <c>ExportMetricsServiceRequest</c>, handing every derived update to <paramref name="sink"/>.</summary>
    /// <exception cref="RecordDecodeException">The bytes are not a well-formed request; nothing was emitted.</exception>
    public void Decode(ReadOnlySpan<byte> request, IPointSink sink)
    {
        _sink = sink;
        _nowNanos = (ulong)(_time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000L);
        _commit = false;
        Walk(request);
        _commit = true;
        Walk(request);
        _sink = null!;
    }

    private void Walk(ReadOnlySpan<byte> request)
    {
        var r = new ProtoReader(request);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == 1)
            {
                r.Expect(wt, WireType.LengthDelimited, "ExportMetricsServiceRequest.resource_metrics");
                ResourceMetrics(r.ReadLengthDelimited());
            }
            else
            {
                r.Skip(wt);
            }
        }
    }

    private void ResourceMetrics(ReadOnlySpan<byte> message)
    {
        // The resource comes first on the wire in practice, but protobuf does not promise it: find it before the scopes.
        var resource = ProtoReader.LastMessageField(message, 1, "ResourceMetrics.resource");
        _key.Clear();
        ResourceAttributes(resource);
        _mark = _key.Mark();
        if (_commit)
            XxHash128.Hash(resource, _resourceHash);

        var r = new ProtoReader(message);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field != 2)
            {
                r.Skip(wt);
                continue;
            }

            r.Expect(wt, WireType.LengthDelimited, "ResourceMetrics.scope_metrics");
            var scope = new ProtoReader(r.ReadLengthDelimited());
            while (scope.TryReadTag(out var f, out var w))
            {
                if (f == 2)
                {
                    scope.Expect(w, WireType.LengthDelimited, "ScopeMetrics.metrics");
                    Metric(scope.ReadLengthDelimited());
                }
                else
                {
                    scope.Skip(w);
                }
            }
        }
    }

    private void ResourceAttributes(ReadOnlySpan<byte> resource)
    {
        var hasService = false;
        var r = new ProtoReader(resource);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field != 1)
            {
                r.Skip(wt);
                continue;
            }

            r.Expect(wt, WireType.LengthDelimited, "Resource.attributes");
            var key = OtlpAttributes.ReadKey(r.ReadLengthDelimited(), out var value);
            if (!_commit)
            {
                OtlpAttributes.Validate(value);
                continue;
            }

            if (key.Length > _keyChars.Length * 2)
                _keyChars = new char[key.Length * 2];
            var chars = _keyChars.AsSpan(0, Encoding.UTF8.GetChars(key, _keyChars));
            if (!_identifying.Contains(chars))
                continue;
            hasService |= chars.SequenceEqual(WellKnownAttributes.ServiceName);
            OtlpAttributes.Add(_key, key, value);
        }

        if (_commit && !hasService)
        {
            _key.Add(WellKnownAttributes.ServiceName, "unknown_service");
            Counters.DefaultedServiceName++;
        }
    }

    private void Metric(ReadOnlySpan<byte> metric)
    {
        ReadOnlySpan<byte> name = default;
        ReadOnlySpan<byte> data = default;
        var kind = 0;
        var r = new ProtoReader(metric);
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1:
                    r.Expect(wt, WireType.LengthDelimited, "Metric.name");
                    name = r.ReadLengthDelimited();
                    break;
                case 5 or 7 or 9 or 10 or 11:
                    r.Expect(wt, WireType.LengthDelimited, "Metric.data");
                    data = r.ReadLengthDelimited();
                    kind = field;
                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        if (kind == 0)
            return; // a metric with no data carries no points

        // Temporality and monotonicity may follow the points on the wire: read them first.
        ulong temporality = 0;
        var monotonic = false;
        r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == 2 && kind is 7 or 9 or 10)
            {
                r.Expect(wt, WireType.Varint, "aggregation_temporality");
                temporality = r.ReadVarint();
            }
            else if (field == 3 && kind == 7)
            {
                r.Expect(wt, WireType.Varint, "Sum.is_monotonic");
                monotonic = r.ReadVarint() != 0;
            }
            else
            {
                r.Skip(wt);
            }
        }

        if (_commit)
        {
            // Gauges and pass-through sums share a key kind: both are the series {name}.
            var kindTag = kind switch
            {
                5 => (byte)'g',
                7 => temporality == 2 && monotonic ? (byte)'c' : (byte)'g',
                9 => (byte)'h',
                10 => (byte)'e',
                _ => (byte)'s',
            };
            _hash.Reset();
            _hash.Append(_resourceHash);
            _hash.Append([kindTag]);
            _hash.Append(name);
            _hash.GetCurrentHash(_metricHash);
        }

        r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field != 1)
            {
                r.Skip(wt);
                continue;
            }

            r.Expect(wt, WireType.LengthDelimited, "data_points");
            var point = r.ReadLengthDelimited();
            if (_commit)
            {
                Counters.DataPointsRead++;
                _hash.Reset();
                _hash.Append(_metricHash);
                _exemplar = UInt128.Zero;
                _exemplarSpan = 0;
            }

            switch (kind)
            {
                case 5:
                    NumberPoint(point, name, NumberKind.Gauge);
                    break;
                case 7:
                    NumberPoint(point, name, temporality switch
                    {
                        2 when monotonic => NumberKind.CumulativeCounter,
                        1 or 2 => NumberKind.PassThrough,
                        _ => NumberKind.Unspecified,
                    });
                    break;
                case 9:
                    HistogramPoint(point, name, temporality);
                    break;
                case 10:
                    ExponentialPoint(point, name, temporality);
                    break;
                default:
                    SummaryPoint(point, name);
                    break;
            }
        }
    }

    private void NumberPoint(ReadOnlySpan<byte> point, ReadOnlySpan<byte> name, NumberKind kind)
    {
        ulong start = 0, time = 0, flags = 0;
        double value = double.NaN;
        var hasValue = false;
        var r = new ProtoReader(point);
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 2:
                    r.Expect(wt, WireType.Fixed64, "NumberDataPoint.start_time_unix_nano");
                    start = r.ReadFixed64();
                    break;
                case 3:
                    r.Expect(wt, WireType.Fixed64, "NumberDataPoint.time_unix_nano");
                    time = r.ReadFixed64();
                    break;
                case 4:
                    r.Expect(wt, WireType.Fixed64, "NumberDataPoint.as_double");
                    value = r.ReadDouble();
                    hasValue = true;
                    break;
                case 6:
                    r.Expect(wt, WireType.Fixed64, "NumberDataPoint.as_int");
                    value = (long)r.ReadFixed64();
                    hasValue = true;
                    break;
                case 7:
                    r.Expect(wt, WireType.LengthDelimited, "NumberDataPoint.attributes");
                    Attribute(r.ReadLengthDelimited());
                    break;
                case 8:
                    r.Expect(wt, WireType.Varint, "NumberDataPoint.flags");
                    flags = r.ReadVarint();
                    break;
                case 5:
                    r.Expect(wt, WireType.LengthDelimited, "NumberDataPoint.exemplars");
                    Exemplar(r.ReadLengthDelimited());
                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        if (!_commit || !Admissible(time, flags, knownTemporality: kind != NumberKind.Unspecified))
            return;

        if (!hasValue || !double.IsFinite(value))
        {
            Counters.NonFinite++;
            return;
        }

        if (kind != NumberKind.CumulativeCounter)
        {
            Emit(SeriesOf(point, 7, name), time, value);
            return;
        }

        var stream = FindStream(point, 7, name, 'c', [".rate"]);
        if (stream is null)
            return;
        if (!stream.Seen)
        {
            stream.Remember(start, time, value);
            return;
        }

        if (time <= stream.Time)
        {
            Counters.Stale++;
            return;
        }

        if (value < stream.Value || (start != 0 && stream.Start != 0 && start != stream.Start))
        {
            // Reset: the process restarted. What it counted since the new start is the rate, when that start is known.
            Counters.Resets++;
            if (start != 0 && time > start)
                Emit(stream.Ids[0], time, value / Seconds(time - start));
            stream.Remember(start, time, value);
            return;
        }

        Emit(stream.Ids[0], time, (value - stream.Value) / Seconds(time - stream.Time));
        stream.Remember(start, time, value);
    }

    private void HistogramPoint(ReadOnlySpan<byte> point, ReadOnlySpan<byte> name, ulong temporality)
    {
        ulong start = 0, time = 0, flags = 0, count = 0;
        double sum = double.NaN, min = double.NaN, max = double.NaN;
        int nBounds = 0, nCounts = 0;
        var r = new ProtoReader(point);
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 2:
                    r.Expect(wt, WireType.Fixed64, "HistogramDataPoint.start_time_unix_nano");
                    start = r.ReadFixed64();
                    break;
                case 3:
                    r.Expect(wt, WireType.Fixed64, "HistogramDataPoint.time_unix_nano");
                    time = r.ReadFixed64();
                    break;
                case 4:
                    r.Expect(wt, WireType.Fixed64, "HistogramDataPoint.count");
                    count = r.ReadFixed64();
                    break;
                case 5:
                    r.Expect(wt, WireType.Fixed64, "HistogramDataPoint.sum");
                    sum = r.ReadDouble();
                    break;
                case 6:
                    ReadFixed64s(ref r, wt, ref _counts, ref nCounts, asDouble: false, "HistogramDataPoint.bucket_counts");
                    break;
                case 7:
                    ReadFixed64s(ref r, wt, ref _bounds, ref nBounds, asDouble: true, "HistogramDataPoint.explicit_bounds");
                    break;
                case 9:
                    r.Expect(wt, WireType.LengthDelimited, "HistogramDataPoint.attributes");
                    Attribute(r.ReadLengthDelimited());
                    break;
                case 10:
                    r.Expect(wt, WireType.Varint, "HistogramDataPoint.flags");
                    flags = r.ReadVarint();
                    break;
                case 11:
                    r.Expect(wt, WireType.Fixed64, "HistogramDataPoint.min");
                    min = r.ReadDouble();
                    break;
                case 12:
                    r.Expect(wt, WireType.Fixed64, "HistogramDataPoint.max");
                    max = r.ReadDouble();
                    break;
                case 8:
                    r.Expect(wt, WireType.LengthDelimited, "HistogramDataPoint.exemplars");
                    Exemplar(r.ReadLengthDelimited());
                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        if (!_commit || !Admissible(time, flags, knownTemporality: temporality is 1 or 2))
            return;

        var bounds = _bounds.AsSpan(0, nBounds);
        var counts = _counts.AsSpan(0, nCounts);
        if (!ConsistentBuckets(bounds, counts, count))
        {
            Counters.MalformedPoints++;
            return;
        }

        var stream = FindStream(point, 9, name, 'h', HistogramSuffixes);
        if (stream is null)
            return;

        if (temporality == 1)
        {
            var interval = start != 0 && time > start ? Seconds(time - start) : double.NaN;
            EmitHistogram(stream, time, interval, count, sum, bounds, counts, min, max);
            return;
        }

        if (!stream.Seen)
        {
            stream.RememberHistogram(start, time, count, sum, bounds, counts);
            return;
        }

        if (time <= stream.Time)
        {
            Counters.Stale++;
            return;
        }

        var reset = count < stream.Count || (start != 0 && stream.Start != 0 && start != stream.Start) || !bounds.SequenceEqual(stream.Bounds);
        var delta = _delta.Length >= counts.Length ? _delta : _delta = new double[counts.Length * 2];
        if (!reset)
        {
            for (var i = 0; i < counts.Length; i++)
            {
                delta[i] = counts[i] - stream.Buckets[i];
                reset |= delta[i] < 0;
            }
        }

        if (reset)
        {
            Counters.Resets++;
            if (start != 0 && time > start)
                EmitHistogram(stream, time, Seconds(time - start), count, sum, bounds, counts, double.NaN, double.NaN);
        }
        else
        {
            // Min and max of a cumulative point cover its whole life, not this interval: leave them out.
            EmitHistogram(stream, time, Seconds(time - stream.Time), count - stream.Count, sum - stream.Sum, bounds, delta.AsSpan(0, counts.Length), double.NaN, double.NaN);
        }

        stream.RememberHistogram(start, time, count, sum, bounds, counts);
    }

    private void EmitHistogram(Stream stream, ulong time, double intervalSeconds, double count, double sum, ReadOnlySpan<double> bounds, ReadOnlySpan<double> counts, double min, double max)
    {
        if (!double.IsNaN(intervalSeconds))
            Emit(stream.Ids[0], time, count / intervalSeconds);
        if (count <= 0)
            return;
        if (double.IsFinite(sum))
            Emit(stream.Ids[1], time, sum / count);
        if (counts.Length == 0)
            return;
        for (var q = 0; q < HistogramQuantiles.Length; q++)
        {
            var v = HistogramQuantile.FromExplicitBuckets(bounds, counts, HistogramQuantiles[q], min, max);
            if (double.IsFinite(v))
                Emit(stream.Ids[2 + q], time, v);
        }
    }

    private void ExponentialPoint(ReadOnlySpan<byte> point, ReadOnlySpan<byte> name, ulong temporality)
    {
        ulong start = 0, time = 0, flags = 0, count = 0, zero = 0;
        double sum = double.NaN, min = double.NaN, max = double.NaN;
        var scale = 0;
        int posOffset = 0, negOffset = 0, nPos = 0, nNeg = 0;
        var r = new ProtoReader(point);
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1:
                    r.Expect(wt, WireType.LengthDelimited, "ExponentialHistogramDataPoint.attributes");
                    Attribute(r.ReadLengthDelimited());
                    break;
                case 2:
                    r.Expect(wt, WireType.Fixed64, "ExponentialHistogramDataPoint.start_time_unix_nano");
                    start = r.ReadFixed64();
                    break;
                case 3:
                    r.Expect(wt, WireType.Fixed64, "ExponentialHistogramDataPoint.time_unix_nano");
                    time = r.ReadFixed64();
                    break;
                case 4:
                    r.Expect(wt, WireType.Fixed64, "ExponentialHistogramDataPoint.count");
                    count = r.ReadFixed64();
                    break;
                case 5:
                    r.Expect(wt, WireType.Fixed64, "ExponentialHistogramDataPoint.sum");
                    sum = r.ReadDouble();
                    break;
                case 6:
                    r.Expect(wt, WireType.Varint, "ExponentialHistogramDataPoint.scale");
                    scale = ZigZag(r.ReadVarint());
                    break;
                case 7:
                    r.Expect(wt, WireType.Fixed64, "ExponentialHistogramDataPoint.zero_count");
                    zero = r.ReadFixed64();
                    break;
                case 8:
                    r.Expect(wt, WireType.LengthDelimited, "ExponentialHistogramDataPoint.positive");
                    posOffset = ReadExponentialBuckets(r.ReadLengthDelimited(), ref _positive, out nPos);
                    break;
                case 9:
                    r.Expect(wt, WireType.LengthDelimited, "ExponentialHistogramDataPoint.negative");
                    negOffset = ReadExponentialBuckets(r.ReadLengthDelimited(), ref _negative, out nNeg);
                    break;
                case 10:
                    r.Expect(wt, WireType.Varint, "ExponentialHistogramDataPoint.flags");
                    flags = r.ReadVarint();
                    break;
                case 12:
                    r.Expect(wt, WireType.Fixed64, "ExponentialHistogramDataPoint.min");
                    min = r.ReadDouble();
                    break;
                case 13:
                    r.Expect(wt, WireType.Fixed64, "ExponentialHistogramDataPoint.max");
                    max = r.ReadDouble();
                    break;
                case 11:
                    r.Expect(wt, WireType.LengthDelimited, "ExponentialHistogramDataPoint.exemplars");
                    Exemplar(r.ReadLengthDelimited());
                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        if (!_commit || !Admissible(time, flags, knownTemporality: temporality is 1 or 2))
            return;

        var positive = _positive.AsSpan(0, nPos);
        var negative = _negative.AsSpan(0, nNeg);
        if (scale is < -10 or > 20 || Sum(positive) + Sum(negative) + zero != count)
        {
            Counters.MalformedPoints++;
            return;
        }

        var stream = FindStream(point, 1, name, 'e', HistogramSuffixes);
        if (stream is null)
            return;
        if (temporality == 1)
        {
            var interval = start != 0 && time > start ? Seconds(time - start) : double.NaN;
            EmitExponential(stream, time, interval, count, sum, scale, zero, posOffset, positive, negOffset, negative, min, max);
            return;
        }

        if (!stream.Seen)
        {
            stream.RememberExponential(start, time, count, sum, scale, zero, posOffset, positive, negOffset, negative);
            return;
        }

        if (time <= stream.Time)
        {
            Counters.Stale++;
            return;
        }

        var reset = count < stream.Count || (start != 0 && stream.Start != 0 && start != stream.Start) || scale > stream.Scale;
        if (_delta.Length < positive.Length)
            _delta = new double[positive.Length * 2];
        if (_deltaNegative.Length < negative.Length)
            _deltaNegative = new double[negative.Length * 2];
        reset = reset
            || !Difference(positive, posOffset, stream.Buckets, stream.PositiveOffset, stream.Scale - scale, _delta)
            || !Difference(negative, negOffset, stream.NegativeBuckets, stream.NegativeOffset, stream.Scale - scale, _deltaNegative)
            || zero < stream.Zero;

        if (reset)
        {
            Counters.Resets++;
            if (start != 0 && time > start)
                EmitExponential(stream, time, Seconds(time - start), count, sum, scale, zero, posOffset, positive, negOffset, negative, double.NaN, double.NaN);
        }
        else
        {
            EmitExponential(
                stream,
                time,
                Seconds(time - stream.Time),
                count - stream.Count,
                sum - stream.Sum,
                scale,
                zero - stream.Zero,
                posOffset,
                _delta.AsSpan(0, positive.Length),
                negOffset,
                _deltaNegative.AsSpan(0, negative.Length),
                double.NaN,
                double.NaN);
        }

        stream.RememberExponential(start, time, count, sum, scale, zero, posOffset, positive, negOffset, negative);
    }

    private void EmitExponential(
        Stream stream,
        ulong time,
        double intervalSeconds,
        double count,
        double sum,
        int scale,
        double zero,
        int posOffset,
        ReadOnlySpan<double> positive,
        int negOffset,
        ReadOnlySpan<double> negative,
        double min,
        double max)
    {
        if (!double.IsNaN(intervalSeconds))
            Emit(stream.Ids[0], time, count / intervalSeconds);
        if (count <= 0)
            return;
        if (double.IsFinite(sum))
            Emit(stream.Ids[1], time, sum / count);
        for (var q = 0; q < HistogramQuantiles.Length; q++)
        {
            var v = HistogramQuantile.FromExponentialBuckets(scale, zero, posOffset, positive, negOffset, negative, HistogramQuantiles[q], min, max);
            if (double.IsFinite(v))
                Emit(stream.Ids[2 + q], time, v);
        }
    }

    private void SummaryPoint(ReadOnlySpan<byte> point, ReadOnlySpan<byte> name)
    {
        ulong start = 0, time = 0, flags = 0, count = 0;
        double sum = double.NaN;
        ReadOnlySpan<byte> quantiles = point; // re-read below; fields may come in any order
        var r = new ProtoReader(point);
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 2:
                    r.Expect(wt, WireType.Fixed64, "SummaryDataPoint.start_time_unix_nano");
                    start = r.ReadFixed64();
                    break;
                case 3:
                    r.Expect(wt, WireType.Fixed64, "SummaryDataPoint.time_unix_nano");
                    time = r.ReadFixed64();
                    break;
                case 4:
                    r.Expect(wt, WireType.Fixed64, "SummaryDataPoint.count");
                    count = r.ReadFixed64();
                    break;
                case 5:
                    r.Expect(wt, WireType.Fixed64, "SummaryDataPoint.sum");
                    sum = r.ReadDouble();
                    break;
                case 6:
                    r.Expect(wt, WireType.LengthDelimited, "SummaryDataPoint.quantile_values");
                    ReadQuantile(r.ReadLengthDelimited(), out _, out _);
                    break;
                case 7:
                    r.Expect(wt, WireType.LengthDelimited, "SummaryDataPoint.attributes");
                    Attribute(r.ReadLengthDelimited());
                    break;
                case 8:
                    r.Expect(wt, WireType.Varint, "SummaryDataPoint.flags");
                    flags = r.ReadVarint();
                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        if (!_commit || !Admissible(time, flags))
            return;

        var stream = FindStream(point, 7, name, 's', [".rate", ".mean"]);
        if (stream is null)
            return;

        r = new ProtoReader(quantiles);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field != 6)
            {
                r.Skip(wt);
                continue;
            }

            ReadQuantile(r.ReadLengthDelimited(), out var q, out var v);
            if (!(q is >= 0 and <= 1) || !double.IsFinite(v))
            {
                Counters.NonFinite++;
                continue;
            }

            if (!stream.TryGetQuantile(q, out var id))
            {
                id = InternQuantile(point, name, q);
                if (id >= 0)
                    stream.AddQuantile(q, id);
            }

            if (id >= 0)
                Emit(id, time, v);
            else
                Counters.RefusedPoints++;
        }

        // Count and sum of a summary are cumulative.
        if (stream.Seen && time > stream.Time && count >= stream.Count && (start == 0 || stream.Start == 0 || start == stream.Start))
        {
            var dCount = count - stream.Count;
            Emit(stream.Ids[0], time, dCount / Seconds(time - stream.Time));
            if (dCount > 0 && double.IsFinite(sum - stream.Sum))
                Emit(stream.Ids[1], time, (sum - stream.Sum) / dCount);
        }
        else if (stream.Seen && time > stream.Time)
        {
            Counters.Resets++;
        }

        if (!stream.Seen || time > stream.Time)
            stream.RememberHistogram(start, time, count, sum, [], []);
    }

    /// <summary>The series id of a summary quantile, interned on first sight (a summary has at most 16 quantile series).</summary>
    private int InternQuantile(ReadOnlySpan<byte> point, ReadOnlySpan<byte> name, double q)
    {
        KeyFromPoint(point, 7);
        Span<char> suffix = stackalloc char[24];
        suffix[0] = '.';
        suffix[1] = 'p';
        (q * 100).TryFormat(suffix[2..], out var n, "0.###", CultureInfo.InvariantCulture);
        _key.SetMetricUtf8(name, suffix[..(n + 2)]);
        return _catalog.GetOrAdd(_key.Build());
    }

    /// <summary>The series of a gauge or pass-through point: by the hash of its bytes when seen before, else by its key text.</summary>
    private int SeriesOf(ReadOnlySpan<byte> point, int attributeField, ReadOnlySpan<byte> name)
    {
        var hash = _hash.GetCurrentHashAsUInt128();
        if (_seriesByHash.TryGetValue(hash, out var id))
            return id;
        KeyFromPoint(point, attributeField);
        _key.SetMetricUtf8(name);
        id = _catalog.GetOrAdd(_key.Build());
        if (id >= 0)
            _seriesByHash.TryAdd(hash, id);
        return id;
    }

    /// <summary>Puts the point's attributes (field <paramref name="attributeField"/>) after the resource's in the key builder.</summary>
    private void KeyFromPoint(ReadOnlySpan<byte> point, int attributeField)
    {
        _key.Truncate(_mark);
        var r = new ProtoReader(point);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == attributeField && wt == WireType.LengthDelimited)
            {
                var key = OtlpAttributes.ReadKey(r.ReadLengthDelimited(), out var value);
                OtlpAttributes.Add(_key, key, value);
            }
            else
            {
                r.Skip(wt);
            }
        }
    }

    // Suffixes as a span, so the lists written as literals at the call sites stay on the stack (a string[] cost an array per point).
    private Stream? FindStream(ReadOnlySpan<byte> point, int attributeField, ReadOnlySpan<byte> name, char kind, ReadOnlySpan<string> suffixes)
    {
        var hash = _hash.GetCurrentHashAsUInt128();
        if (_streamsByHash.TryGetValue(hash, out var known))
            return known;
        KeyFromPoint(point, attributeField);
        var stream = FindStreamByText(name, kind, suffixes);
        if (stream is not null && _streamsByHash.Count < _hashCacheLimit)
            _streamsByHash[hash] = stream;
        return stream;
    }

    private Stream? FindStreamByText(ReadOnlySpan<byte> name, char kind, ReadOnlySpan<string> suffixes)
    {
        _key.SetMetricUtf8(name);
        var text = _key.Build();
        if (_streamKey.Length < text.Length + 1)
            _streamKey = new char[(text.Length + 1) * 2];
        _streamKey[0] = kind;
        text.CopyTo(_streamKey.AsSpan(1));
        var lookup = _streamKey.AsSpan(0, text.Length + 1);
        if (_streamLookup.TryGetValue(lookup, out var stream))
            return stream;

        // A new stream interns all its series at once, or none: a half-interned histogram would waste the cap.
        if (_catalog.Capacity - _catalog.Count < suffixes.Length)
        {
            var missing = 0;
            foreach (var s in suffixes)
            {
                _key.SetMetricUtf8(name, s);
                missing += _catalog.TryGetId(_key.Build(), out _) ? 0 : 1;
            }

            if (_catalog.Capacity - _catalog.Count < missing)
            {
                Counters.RefusedPoints++;
                return null;
            }
        }

        var ids = new int[suffixes.Length];
        for (var i = 0; i < suffixes.Length; i++)
        {
            _key.SetMetricUtf8(name, suffixes[i]);
            ids[i] = _catalog.GetOrAdd(_key.Build());
        }

        stream = new Stream(ids);
        _streams.Add(new string(lookup), stream);
        return stream;
    }

    /// <summary>
    /// One <c>Exemplar</c>: the first pass checks its wire types (and attributes), the second keeps its trace id when its
    /// value is the largest of the point's so far.
    /// </summary>
    private void Exemplar(ReadOnlySpan<byte> exemplar)
    {
        ReadOnlySpan<byte> traceId = default, spanId = default;
        var value = double.NegativeInfinity;
        var r = new ProtoReader(exemplar);
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 2:
                    r.Expect(wt, WireType.Fixed64, "Exemplar.time_unix_nano");
                    r.ReadFixed64();
                    break;
                case 3:
                    r.Expect(wt, WireType.Fixed64, "Exemplar.as_double");
                    value = r.ReadDouble();
                    break;
                case 4:
                    r.Expect(wt, WireType.LengthDelimited, "Exemplar.span_id");
                    spanId = r.ReadLengthDelimited();
                    break;
                case 5:
                    r.Expect(wt, WireType.LengthDelimited, "Exemplar.trace_id");
                    traceId = r.ReadLengthDelimited();
                    break;
                case 6:
                    r.Expect(wt, WireType.Fixed64, "Exemplar.as_int");
                    value = (long)r.ReadFixed64();
                    break;
                case 7:
                    r.Expect(wt, WireType.LengthDelimited, "Exemplar.filtered_attributes");
                    var keyValue = r.ReadLengthDelimited();
                    if (!_commit)
                    {
                        OtlpAttributes.ReadKey(keyValue, out var attributeValue);
                        OtlpAttributes.Validate(attributeValue);
                    }

                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        if (!_commit || traceId.IsEmpty)
            return;
        var id = traceId.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(traceId) : UInt128.Zero;
        if (id == UInt128.Zero)
        {
            Counters.MalformedExemplar++;
            return;
        }

        if (double.IsNaN(value))
            value = double.NegativeInfinity;
        if (_exemplar == UInt128.Zero || value > _exemplarValue)
        {
            _exemplar = id;
            _exemplarSpan = spanId.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(spanId) : 0; // optional: any other length is none
            _exemplarValue = value;
        }
    }

    private void Attribute(ReadOnlySpan<byte> keyValue)
    {
        if (_commit)
        {
            // Validated in the first pass; the key text is built only if the hash is new.
            _hash.Append(keyValue);
            return;
        }

        OtlpAttributes.ReadKey(keyValue, out var value);
        OtlpAttributes.Validate(value);
    }

    /// <summary>Whether a point is used at all; the rule that refuses it is counted. Gauges and summaries have no temporality to know.</summary>
    private bool Admissible(ulong time, ulong flags, bool knownTemporality = true)
    {
        if ((flags & NoRecordedValueFlag) != 0)
        {
            Counters.NoRecordedValue++;
            return false;
        }

        if (time == 0)
        {
            Counters.MissingTimestamp++;
            return false;
        }

        if (time > _nowNanos + _maxSkewNanos)
        {
            Counters.FutureTimestamp++;
            return false;
        }

        if (!knownTemporality)
        {
            Counters.UnspecifiedTemporality++;
            return false;
        }

        return true;
    }

    private void Emit(int id, ulong timeNanos, double value)
    {
        if (id < 0)
        {
            Counters.RefusedPoints++;
            return;
        }

        if (!double.IsFinite(value))
        {
            Counters.NonFinite++;
            return;
        }

        Counters.PointsEmitted++;
        _sink.Add(id, (long)(timeNanos / 1_000_000), value);
        if (_exemplar != UInt128.Zero)
            _sink.AddExemplar(id, (long)(timeNanos / 1_000_000), _exemplar, _exemplarSpan);
    }

    private static double Seconds(ulong nanos) => nanos / 1e9;

    private static int ZigZag(ulong v) => (int)((uint)v >> 1) ^ -(int)((uint)v & 1);

    private static double Sum(ReadOnlySpan<double> values)
    {
        double s = 0;
        foreach (var v in values)
            s += v;
        return s;
    }

    private static bool ConsistentBuckets(ReadOnlySpan<double> bounds, ReadOnlySpan<double> counts, ulong count)
    {
        if (counts.Length == 0)
            return bounds.Length == 0;
        if (counts.Length != bounds.Length + 1)
            return false;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (!double.IsFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
                return false;
        }

        return Sum(counts) == count;
    }

    /// <summary>
    /// current − previous bucket by bucket, the previous mapped down to the current scale first (a cumulative
    /// exponential histogram may only lower its scale); false when any bucket would go negative (a reset).
    /// </summary>
    private static bool Difference(ReadOnlySpan<double> current, int offset, double[] previous, int previousOffset, int downscale, double[] delta)
    {
        current.CopyTo(delta);
        for (var k = 0; k < previous.Length; k++)
        {
            if (previous[k] == 0)
                continue;
            var index = (previousOffset + k) >> downscale;
            var at = index - offset;
            if (at < 0 || at >= current.Length)
                return false;
            delta[at] -= previous[k];
        }

        for (var k = 0; k < current.Length; k++)
        {
            if (delta[k] < 0)
                return false;
        }

        return true;
    }

    private static void ReadFixed64s(ref ProtoReader r, WireType wt, ref double[] values, ref int n, bool asDouble, string field)
    {
        if (wt == WireType.LengthDelimited)
        {
            var packed = r.ReadLengthDelimited();
            if (packed.Length % 8 != 0)
                throw r.Malformed($"{field}: packed length {packed.Length} is not a multiple of 8");
            var inner = new ProtoReader(packed);
            while (!inner.End)
                Append(ref values, ref n, asDouble ? inner.ReadDouble() : inner.ReadFixed64());
            return;
        }

        r.Expect(wt, WireType.Fixed64, field);
        Append(ref values, ref n, asDouble ? r.ReadDouble() : r.ReadFixed64());
    }

    private static int ReadExponentialBuckets(ReadOnlySpan<byte> message, ref double[] counts, out int n)
    {
        n = 0;
        var offset = 0;
        var r = new ProtoReader(message);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == 1)
            {
                r.Expect(wt, WireType.Varint, "Buckets.offset");
                offset = ZigZag(r.ReadVarint());
            }
            else if (field == 2 && wt == WireType.LengthDelimited)
            {
                var packed = new ProtoReader(r.ReadLengthDelimited());
                while (!packed.End)
                    Append(ref counts, ref n, packed.ReadVarint());
            }
            else if (field == 2)
            {
                r.Expect(wt, WireType.Varint, "Buckets.bucket_counts");
                Append(ref counts, ref n, r.ReadVarint());
            }
            else
            {
                r.Skip(wt);
            }
        }

        return offset;
    }

    private static void ReadQuantile(ReadOnlySpan<byte> message, out double quantile, out double value)
    {
        quantile = double.NaN;
        value = double.NaN;
        var r = new ProtoReader(message);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == 1)
            {
                r.Expect(wt, WireType.Fixed64, "ValueAtQuantile.quantile");
                quantile = r.ReadDouble();
            }
            else if (field == 2)
            {
                r.Expect(wt, WireType.Fixed64, "ValueAtQuantile.value");
                value = r.ReadDouble();
            }
            else
            {
                r.Skip(wt);
            }
        }
    }

    private static void Append(ref double[] values, ref int n, double v)
    {
        if (n == values.Length)
            Array.Resize(ref values, n * 2);
        values[n++] = v;
    }

    private enum NumberKind
    {
        Gauge,
        CumulativeCounter,
        PassThrough,
        Unspecified,
    }

    /// <summary>One cumulative stream: its derived series and its previous point.</summary>
    private sealed class Stream(int[] ids)
    {
        private List<(double Quantile, int Id)>? _quantiles;

        public int[] Ids { get; } = ids;

        public bool Seen { get; private set; }

        public ulong Start { get; private set; }

        public ulong Time { get; private set; }

        public double Value { get; private set; }

        public double Count { get; private set; }

        public double Sum { get; private set; }

        public int Scale { get; private set; }

        public double Zero { get; private set; }

        public int PositiveOffset { get; private set; }

        public int NegativeOffset { get; private set; }

        public double[] Bounds { get; private set; } = [];

        public double[] Buckets { get; private set; } = [];

        public double[] NegativeBuckets { get; private set; } = [];

        public void Remember(ulong start, ulong time, double value)
        {
            Seen = true;
            Start = start;
            Time = time;
            Value = value;
        }

        public void RememberHistogram(ulong start, ulong time, double count, double sum, ReadOnlySpan<double> bounds, ReadOnlySpan<double> buckets)
        {
            Remember(start, time, count);
            Count = count;
            Sum = sum;
            if (!bounds.SequenceEqual(Bounds))
                Bounds = bounds.ToArray();
            Buckets = Copy(Buckets, buckets);
        }

        public void RememberExponential(ulong start, ulong time, double count, double sum, int scale, double zero, int posOffset, ReadOnlySpan<double> positive, int negOffset, ReadOnlySpan<double> negative)
        {
            Remember(start, time, count);
            Count = count;
            Sum = sum;
            Scale = scale;
            Zero = zero;
            PositiveOffset = posOffset;
            NegativeOffset = negOffset;
            Buckets = Copy(Buckets, positive);
            NegativeBuckets = Copy(NegativeBuckets, negative);
        }

        public bool TryGetQuantile(double q, out int id)
        {
            if (_quantiles is not null)
            {
                foreach (var (quantile, known) in _quantiles)
                {
                    if (quantile == q)
                    {
                        id = known;
                        return true;
                    }
                }
            }

            // A summary with more quantiles than that is not a summary: refuse the rest rather than grow.
            id = -1;
            return _quantiles is { Count: >= 16 };
        }

        public void AddQuantile(double q, int id) => (_quantiles ??= []).Add((q, id));

        private static double[] Copy(double[] target, ReadOnlySpan<double> source)
        {
            if (target.Length != source.Length)
                target = new double[source.Length];
            source.CopyTo(target);
            return target;
        }
    }
}
