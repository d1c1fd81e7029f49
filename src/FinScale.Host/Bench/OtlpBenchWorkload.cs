using System.Buffers.Binary;
using System.Text;
using FinScale.Contracts;

namespace FinScale.Host.Bench;

/// <summary>
/// The OTLP metrics workload of <c>finscale bench</c>: <see cref="Resources"/> pods, each exporting one record per tick
/// (an <c>ExportMetricsServiceRequest</c> in <c>otlp_proto</c>, keyed by the pod as the Collector's
/// <c>partition_metrics_by_resource_attributes</c> keys it) with <see cref="PointsPerRecord"/> OTLP data points:
/// gauges (<see cref="Gauges"/> per pod, 20 metric names, an <c>instance.index</c> point attribute) and cumulative
/// latency histograms (<see cref="Histograms"/> per pod, 12 bounds, each decoded into 5 series).
/// </summary>
/// <remarks>
/// Encoded by hand, straight into a reusable buffer, so generating does not dominate the producing side.
/// Values are seeded noise around a per-series level; <see cref="Encode"/> can put a spike of 60 sigma on one gauge.
/// </remarks>
internal sealed class OtlpBenchWorkload
{
    /// <summary>Gauge metric names, cycled over a pod's gauges.</summary>
    private static readonly string[] GaugeNames =
    [
        "system.cpu.utilization", "system.memory.usage", "process.cpu.time", "process.memory.usage", "jvm.threads.count",
        "jvm.memory.used", "dotnet.gc.heap.size", "http.server.active_requests", "db.client.connections.usage", "queue.depth",
        "container.cpu.usage", "container.memory.working_set", "k8s.pod.network.io", "disk.io.time", "messaging.lag",
        "kestrel.active_connections", "cache.hit_ratio", "threadpool.queue.length", "payments.pending", "orders.in_flight",
    ];

    private static readonly double[] Bounds = [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000];

    private static readonly byte[][] GaugeNameBytes = GaugeNames.Select(Encoding.UTF8.GetBytes).ToArray();
    private static readonly byte[] HistogramName = "http.server.request.duration"u8.ToArray();
    private static readonly byte[] IndexKey = "instance.index"u8.ToArray();
    private static readonly byte[] RouteKey = "http.route"u8.ToArray();

    private readonly byte[][] _resourceAttributes;
    private readonly byte[][] _keys;
    private readonly ulong[][] _cumulative;
    private readonly double[] _sums;
    private readonly long[] _lastTick;
    private readonly ulong _startNanos;
    private readonly ProtoWriter _w = new();

    /// <summary>Creates the workload for about <paramref name="series"/> series at <paramref name="pointsPerRecord"/> OTLP data points per record.</summary>
    public OtlpBenchWorkload(int series, int pointsPerRecord, DateTimeOffset start)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(series, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerRecord, 1);
        PointsPerRecord = pointsPerRecord;
        (Gauges, Histograms) = Shape(pointsPerRecord);
        SeriesPerResource = Gauges + (5 * Histograms);
        Resources = (int)Math.Max(1, (series + SeriesPerResource - 1L) / SeriesPerResource);
        _startNanos = Nanos(start);
        _resourceAttributes = new byte[Resources][];
        _keys = new byte[Resources][];
        _cumulative = new ulong[Resources * Histograms][];
        _sums = new double[Resources * Histograms];
        _lastTick = new long[Resources];
        Array.Fill(_lastTick, -1);
        for (var h = 0; h < _cumulative.Length; h++)
            _cumulative[h] = new ulong[Bounds.Length + 1];
        for (var r = 0; r < Resources; r++)
        {
            var pod = $"bench-{r / 50:D5}-{r:D7}";
            _keys[r] = Encoding.UTF8.GetBytes(pod);
            _resourceAttributes[r] = ResourceBytes($"svc-{r / 50:D5}", pod, $"node-{r % 64:D2}");
        }
    }

    /// <summary>OTLP data points in every record.</summary>
    public int PointsPerRecord { get; }

    /// <summary>Gauge data points per record (one per gauge series).</summary>
    public int Gauges { get; }

    /// <summary>Histogram data points per record (five series each: rate, mean, p50, p90, p99).</summary>
    public int Histograms { get; }

    /// <summary>Series one pod contributes.</summary>
    public int SeriesPerResource { get; }

    /// <summary>Pods, hence records per tick.</summary>
    public int Resources { get; }

    /// <summary>Distinct series of the whole workload.</summary>
    public long Series => (long)Resources * SeriesPerResource;

    /// <summary>
    /// Distinct series of the workload asked for <paramref name="series"/> at <paramref name="pointsPerRecord"/>: whole
    /// pods, so up to one pod's series more (1,000,080 for a million at 500 points per record).
    /// </summary>
    public static long SeriesFor(int series, int pointsPerRecord)
    {
        var (gauges, histograms) = Shape(pointsPerRecord);
        var perResource = gauges + (5L * histograms);
        return Math.Max(1, (series + perResource - 1) / perResource) * perResource;
    }

    /// <summary>Gauges and histograms of one record: a histogram per 50 data points, the rest gauges.</summary>
    private static (int Gauges, int Histograms) Shape(int pointsPerRecord)
    {
        var histograms = pointsPerRecord >= 50 ? pointsPerRecord / 50 : 0;
        return (pointsPerRecord - histograms, histograms);
    }

    /// <summary>The record key of pod <paramref name="resource"/>.</summary>
    public byte[] Key(int resource) => _keys[resource];

    /// <summary>
    /// Encodes pod <paramref name="resource"/>'s export at tick <paramref name="tick"/> with event time
    /// <paramref name="eventTime"/>; with <paramref name="spikeGauge"/> that gauge reads 60 sigma above its level.
    /// Ticks of one pod must advance (its histograms are cumulative). The returned span is valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Encode(int resource, long tick, DateTimeOffset eventTime, int spikeGauge = -1)
    {
        if (tick <= _lastTick[resource])
            throw new ArgumentOutOfRangeException(nameof(tick), "ticks of a pod must advance");
        _lastTick[resource] = tick;
        var time = Nanos(eventTime);
        var rng = new SplitMix((ulong)resource * 0x9E3779B97F4A7C15UL ^ (ulong)tick * 0xBF58476D1CE4E5B9UL);
        var w = _w;
        w.Reset();
        var rm = w.Begin(1); // ExportMetricsServiceRequest.resource_metrics
        w.Bytes(1, _resourceAttributes[resource]); // ResourceMetrics.resource
        var sm = w.Begin(2); // ResourceMetrics.scope_metrics
        var scope = w.Begin(1); // ScopeMetrics.scope
        w.String(1, "finscale.bench"u8);
        w.End(scope);

        var perName = (Gauges + GaugeNames.Length - 1) / GaugeNames.Length;
        for (var n = 0; n < GaugeNames.Length && n * perName < Gauges; n++)
        {
            var metric = w.Begin(2); // ScopeMetrics.metrics
            w.String(1, GaugeNameBytes[n]);
            var gauge = w.Begin(5); // Metric.gauge
            for (var g = n * perName; g < Math.Min(Gauges, (n + 1) * perName); g++)
            {
                var dp = w.Begin(1); // Gauge.data_points
                w.Fixed64(2, _startNanos);
                w.Fixed64(3, time);
                var level = 50 + (Mix((ulong)resource, (ulong)g) % 200);
                var sigma = 1 + (level * 0.02);
                w.Double(4, g == spikeGauge ? level + (60 * sigma) : level + (sigma * rng.Gaussian()));
                var kv = w.Begin(7);
                w.String(1, IndexKey);
                var any = w.Begin(2);
                w.IntString(1, g - (n * perName));
                w.End(any);
                w.End(kv);
                w.End(dp);
            }

            w.End(gauge);
            w.End(metric);
        }

        if (Histograms > 0)
        {
            var metric = w.Begin(2);
            w.String(1, HistogramName);
            w.String(3, "ms"u8);
            var histogram = w.Begin(9); // Metric.histogram
            for (var h = 0; h < Histograms; h++)
            {
                var index = (resource * Histograms) + h;
                var counts = _cumulative[index];
                var level = 20 + (Mix((ulong)resource, 10_000UL + (ulong)h) % 200);
                for (var i = 0; i < 60; i++)
                {
                    var v = Math.Max(1, level + (level * 0.1 * rng.Gaussian()));
                    var b = 0;
                    while (b < Bounds.Length && v > Bounds[b])
                        b++;
                    counts[b]++;
                    _sums[index] += v;
                }

                ulong count = 0;
                foreach (var c in counts)
                    count += c;
                var dp = w.Begin(1);
                w.Fixed64(2, _startNanos);
                w.Fixed64(3, time);
                w.Fixed64(4, count);
                w.Double(5, _sums[index]);
                w.PackedFixed64(6, counts);
                w.PackedDouble(7, Bounds);
                var kv = w.Begin(9);
                w.String(1, RouteKey);
                var any = w.Begin(2);
                w.IntString(1, h);
                w.End(any);
                w.End(kv);
                w.End(dp);
            }

            w.Varint(2, 2); // AGGREGATION_TEMPORALITY_CUMULATIVE
            w.End(histogram);
            w.End(metric);
        }

        w.End(sm);
        w.End(rm);
        return w.Written;
    }

    private static byte[] ResourceBytes(string service, string pod, string node)
    {
        var w = new ProtoWriter();
        foreach (var (k, v) in new[]
        {
            (WellKnownAttributes.ServiceName, service), (WellKnownAttributes.ServiceVersion, "1.4.2"), (WellKnownAttributes.Namespace, "payments"),
            (WellKnownAttributes.Deployment, service), (WellKnownAttributes.PodName, pod), (WellKnownAttributes.NodeName, node),
            ("host.arch", "amd64"), ("telemetry.sdk.language", "dotnet"),
        })
        {
            var kv = w.Begin(1); // Resource.attributes
            w.String(1, Encoding.UTF8.GetBytes(k));
            var any = w.Begin(2);
            w.String(1, Encoding.UTF8.GetBytes(v));
            w.End(any);
            w.End(kv);
        }

        return w.Written.ToArray();
    }

    private static ulong Nanos(DateTimeOffset t) => (ulong)t.ToUnixTimeMilliseconds() * 1_000_000UL;

    private static ulong Mix(ulong a, ulong b)
    {
        var z = (a * 0x9E3779B97F4A7C15UL) ^ (b + 0x632BE59BD9B4E019UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A seeded generator: SplitMix64, Gaussian by the sum of four uniforms (cheap; the tails do not matter here).</summary>
    private struct SplitMix(ulong seed)
    {
        private ulong _state = seed;

        public double Gaussian()
        {
            var s = Uniform() + Uniform() + Uniform() + Uniform();
            return (s - 2) * 1.7320508075688772; // variance of the sum is 4/12
        }

        private double Uniform()
        {
            _state += 0x9E3779B97F4A7C15UL;
            return (Mix(_state, 0) >> 11) * (1.0 / (1UL << 53));
        }
    }

    /// <summary>A minimal protobuf writer: nested messages reserve five bytes for their length and are shifted down at <see cref="End"/>.</summary>
    private sealed class ProtoWriter
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _length;

        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

        public void Reset() => _length = 0;

        public int Begin(int field)
        {
            Tag(field, 2);
            Ensure(5);
            _length += 5;
            return _length;
        }

        public void End(int start)
        {
            var size = _length - start;
            Span<byte> varint = stackalloc byte[5];
            var n = WriteVarint(varint, (ulong)size);
            var at = start - 5;
            varint[..n].CopyTo(_buffer.AsSpan(at));
            if (n < 5)
            {
                _buffer.AsSpan(start, size).CopyTo(_buffer.AsSpan(at + n));
                _length -= 5 - n;
            }
        }

        public void Bytes(int field, ReadOnlySpan<byte> value)
        {
            Tag(field, 2);
            RawVarint((ulong)value.Length);
            Ensure(value.Length);
            value.CopyTo(_buffer.AsSpan(_length));
            _length += value.Length;
        }

        public void String(int field, ReadOnlySpan<byte> utf8) => Bytes(field, utf8);

        public void IntString(int field, int value)
        {
            Span<byte> text = stackalloc byte[11];
            value.TryFormat(text, out var n, default, System.Globalization.CultureInfo.InvariantCulture);
            Bytes(field, text[..n]);
        }

        public void Fixed64(int field, ulong value)
        {
            Tag(field, 1);
            Ensure(8);
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), value);
            _length += 8;
        }

        public void Double(int field, double value) => Fixed64(field, BitConverter.DoubleToUInt64Bits(value));

        public void Varint(int field, ulong value)
        {
            Tag(field, 0);
            RawVarint(value);
        }

        public void PackedFixed64(int field, ReadOnlySpan<ulong> values)
        {
            Tag(field, 2);
            RawVarint((ulong)values.Length * 8);
            Ensure(values.Length * 8);
            foreach (var v in values)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), v);
                _length += 8;
            }
        }

        public void PackedDouble(int field, ReadOnlySpan<double> values)
        {
            Tag(field, 2);
            RawVarint((ulong)values.Length * 8);
            Ensure(values.Length * 8);
            foreach (var v in values)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_length), v);
                _length += 8;
            }
        }

        private void Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

        private void RawVarint(ulong value)
        {
            Ensure(10);
            _length += WriteVarint(_buffer.AsSpan(_length), value);
        }

        private static int WriteVarint(Span<byte> to, ulong value)
        {
            var i = 0;
            while (value >= 0x80)
            {
                to[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            to[i++] = (byte)value;
            return i;
        }

        private void Ensure(int more)
        {
            if (_length + more > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}
