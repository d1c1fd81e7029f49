using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using FinScale.Contracts;
using Google.Protobuf.Collections;
using OpenTelemetry.Metrics;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Resources;
using OtlpMetric = OpenTelemetry.Proto.Metrics.V1.Metric;

namespace FinScale.IntegrationTests.Interop;

/// <summary>
/// Known measurements on every kind of instrument, recorded in two intervals with an export after each, and what
/// FinScale's decoder must make of the exported requests: the exact series keys, exact values where the arithmetic is
/// exact (gauges, sums, rates from the exported timestamps, histogram means), and bucket bounds for quantile estimates.
/// </summary>
/// <remarks>
/// Every measured value is a small integer or a binary fraction, so sums, differences and means are exact in doubles
/// and an expected value can be compared with <c>==</c>. Rates depend on the SDK's clock: they are computed here
/// from the timestamps in the exported request, by the same formula the OTLP rules define (Δvalue / Δseconds).
/// </remarks>
internal sealed class MetricScenario : IDisposable
{
    public const string Requests = "checkout.requests";
    public const string ActiveSessions = "checkout.sessions.active";
    public const string QueueDepth = "checkout.queue.depth";
    public const string Latency = "checkout.latency";
    public const string PayloadSize = "checkout.payload.size";

    /// <summary>Explicit bounds of <see cref="Latency"/>, set by a view.</summary>
    public static readonly double[] LatencyBounds = [5, 10, 25, 50, 100, 250, 500, 1000];

    /// <summary>Bucket budget of <see cref="PayloadSize"/>: small, so the wider second interval forces the SDK to lower the scale.</summary>
    public const int PayloadMaxBuckets = 16;

    // Observations per interval: a narrow first interval and a wide second one.
    private static readonly double[][] LatencyObservations = [[12, 30, 70], [3, 7, 8, 15, 20, 22, 40, 60, 90, 120, 300, 800]];
    private static readonly double[][] PayloadObservations = [[100, 110, 120], [3, 24, 90, 150, 170, 190, 600, 1000]];
    private static readonly long[][] RequestIncrements = [[7, 2], [5, 1]]; // [interval][ok, unavailable]
    private static readonly long[][] SessionChanges = [[5, -2], [4]];
    private static readonly double[] QueueDepths = [3.5, 4.25];

    private static readonly Dictionary<string, string> ResourceKey = new(StringComparer.Ordinal)
    {
        ["service.name"] = "checkout",
        ["service.version"] = "1.4.2",
        ["k8s.namespace.name"] = "shop",
        ["k8s.deployment.name"] = "checkout",
        ["k8s.pod.name"] = "checkout-7c9d8-4hkzp",
        ["k8s.node.name"] = "node-a",
    };

    // Point attributes of each series: a string, an int and a bool on the counter; a double on the up-down counter.
    private static readonly KeyValuePair<string, object?>[] Ok = [new("http.route", "/checkout"), new("http.response.status_code", 200), new("retried", false)];
    private static readonly KeyValuePair<string, object?>[] Unavailable = [new("http.route", "/checkout"), new("http.response.status_code", 503), new("retried", true)];
    private static readonly KeyValuePair<string, object?>[] SessionTags = [new("region", "eu-west-1"), new("sample.ratio", 0.25)];
    private static readonly KeyValuePair<string, object?>[] QueueTags = [new("queue", "payments")];
    private static readonly KeyValuePair<string, object?>[] RouteTags = [new("http.route", "/checkout")];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly UpDownCounter<long> _sessions;
    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _payload;
    private double _queueDepth;
    private int _recorded;

    public MetricScenario()
    {
        // A meter name of its own, so tests running side by side never see each other's measurements.
        MeterName = "FinScale.Interop." + Guid.NewGuid().ToString("N");
        _meter = new Meter(MeterName, "1.0.0");
        _requests = _meter.CreateCounter<long>(Requests, "{request}");
        _sessions = _meter.CreateUpDownCounter<long>(ActiveSessions, "{session}");
        _meter.CreateObservableGauge(QueueDepth, () => new Measurement<double>(_queueDepth, QueueTags), "{message}");
        _latency = _meter.CreateHistogram<double>(Latency, "ms");
        _payload = _meter.CreateHistogram<double>(PayloadSize, "By");
    }

    public string MeterName { get; }

    /// <summary>How many intervals <see cref="RecordInterval"/> covers.</summary>
    public static int Intervals => QueueDepths.Length;

    /// <summary>The resource every exporter in these tests sends: identifying attributes plus some that must not key a series.</summary>
    public static ResourceBuilder Resource() => ResourceBuilder.CreateDefault()
        .AddService("checkout", serviceVersion: "1.4.2", serviceInstanceId: "9f1c2d7e")
        .AddAttributes(new Dictionary<string, object>
        {
            ["k8s.namespace.name"] = "shop",
            ["k8s.deployment.name"] = "checkout",
            ["k8s.pod.name"] = "checkout-7c9d8-4hkzp",
            ["k8s.node.name"] = "node-a",
            ["host.name"] = "ip-10-0-3-17",
            ["deployment.environment.name"] = "prod",
        });

    /// <summary>Listens to this scenario's meter, with its resource and histogram views.</summary>
    public MeterProviderBuilder Configure(MeterProviderBuilder builder) => builder
        .SetResourceBuilder(Resource())
        .AddMeter(MeterName)
        .AddView(Latency, new ExplicitBucketHistogramConfiguration { Boundaries = LatencyBounds })
        .AddView(PayloadSize, new Base2ExponentialBucketHistogramConfiguration { MaxSize = PayloadMaxBuckets, MaxScale = 20 });

    /// <summary>Records the measurements of the next interval (0, then 1).</summary>
    public void RecordInterval()
    {
        var i = _recorded++;
        _requests.Add(RequestIncrements[i][0], Ok);
        _requests.Add(RequestIncrements[i][1], Unavailable);
        foreach (var change in SessionChanges[i])
            _sessions.Add(change, SessionTags);
        _queueDepth = QueueDepths[i];
        foreach (var v in LatencyObservations[i])
            _latency.Record(v, RouteTags);
        foreach (var v in PayloadObservations[i])
            _payload.Record(v, RouteTags);
    }

    /// <summary>
    /// Asserts what the decoder emitted for each of the <see cref="Intervals"/> exports, given the requests as sent
    /// (one per export; their timestamps fix the expected rates and event times).
    /// </summary>
    public static void AssertDecoded(IReadOnlyList<byte[]> exports, DecodedMetrics decoded, bool delta)
    {
        Assert.Equal(Intervals, exports.Count);
        Assert.Equal(Intervals, decoded.PerRequest.Count);
        for (var i = 0; i < Intervals; i++)
        {
            var expected = Expected(i, exports, delta);
            var actual = decoded.PerRequest[i];
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Select(p => p.Series).Order(StringComparer.Ordinal));
            foreach (var point in actual)
            {
                var e = expected[point.Series];
                Assert.True(e.TimestampMs == point.TimestampMs, $"export {i}, {point.Series}: event time {point.TimestampMs} ms, the request said {e.TimestampMs} ms");
                if (e.Low == e.High)
                    Assert.True(e.Low == point.Value, $"export {i}, {point.Series}: {point.Value:R}, expected {e.Low:R}");
                else
                    Assert.True(point.Value >= e.Low && point.Value <= e.High, $"export {i}, {point.Series}: {point.Value:R} outside its bucket [{e.Low:R}, {e.High:R}]");
            }
        }

        OtlpDecoding.AssertNothingSkipped(decoded.Counters);
    }

    /// <summary>The canonical key of a series of this scenario: the resource's identifying attributes plus the point's.</summary>
    public static string Key(string series, params KeyValuePair<string, object?>[] pointAttributes)
    {
        var attributes = new Dictionary<string, string>(ResourceKey, StringComparer.Ordinal);
        foreach (var (k, v) in pointAttributes)
        {
            attributes[k] = v switch
            {
                bool b => b ? "true" : "false",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => v?.ToString() ?? string.Empty,
            };
        }

        return SeriesKey.Create(series, attributes).Text;
    }

    public void Dispose() => _meter.Dispose();

    private static Dictionary<string, Expectation> Expected(int i, IReadOnlyList<byte[]> exports, bool delta)
    {
        var request = ExportMetricsServiceRequest.Parser.ParseFrom(exports[i]);
        var previous = i > 0 ? ExportMetricsServiceRequest.Parser.ParseFrom(exports[i - 1]) : null;
        var e = new Dictionary<string, Expectation>(StringComparer.Ordinal);

        var gauge = Point(request, QueueDepth);
        e[Key(QueueDepth, QueueTags)] = Expectation.Exact(gauge.Time, QueueDepths[i]);

        // A non-monotonic sum stays cumulative even under a delta preference, and passes through as given.
        var sessions = Point(request, ActiveSessions);
        e[Key(ActiveSessions, SessionTags)] = Expectation.Exact(sessions.Time, SessionChanges.Take(i + 1).SelectMany(c => c).Sum());

        for (var s = 0; s < 2; s++)
        {
            var tags = s == 0 ? Ok : Unavailable;
            var status = s == 0 ? 200L : 503L;
            var counter = Point(request, Requests, status);
            if (delta)
            {
                // A delta sum is the increment of its interval, as given.
                e[Key(Requests, tags)] = Expectation.Exact(counter.Time, RequestIncrements[i][s]);
            }
            else if (previous is not null)
            {
                // A cumulative counter: the increment over the seconds between the two exports, from the second export on.
                var before = Point(previous, Requests, status);
                double now = RequestIncrements.Take(i + 1).Sum(r => r[s]), then = RequestIncrements.Take(i).Sum(r => r[s]);
                e[Key(Requests + ".rate", tags)] = Expectation.Exact(counter.Time, (now - then) / Seconds(counter.Time - before.Time));
            }
        }

        // Histograms: a cumulative one is differenced from the second export on; a delta one speaks for its interval.
        if (delta || previous is not null)
        {
            var latency = Point(request, Latency);
            var interval = delta ? Seconds(latency.Time - latency.Start) : Seconds(latency.Time - Point(previous!, Latency).Time);
            AddHistogram(e, Latency, latency.Time, interval, LatencyObservations[i], v => ExplicitBucket(v));

            var payload = Point(request, PayloadSize);
            interval = delta ? Seconds(payload.Time - payload.Start) : Seconds(payload.Time - Point(previous!, PayloadSize).Time);
            AddHistogram(e, PayloadSize, payload.Time, interval, PayloadObservations[i], v => ExponentialBucket(v, payload.Scale));
        }

        return e;
    }

    private static void AddHistogram(Dictionary<string, Expectation> e, string name, ulong time, double intervalSeconds, double[] observations, Func<double, (double Low, double High)> bucketOf)
    {
        e[Key(name + ".rate", RouteTags)] = Expectation.Exact(time, observations.Length / intervalSeconds);
        e[Key(name + ".mean", RouteTags)] = Expectation.Exact(time, observations.Sum() / observations.Length);
        var sorted = observations.Order().ToArray();
        foreach (var (suffix, q) in new[] { (".p50", 0.5), (".p90", 0.9), (".p99", 0.99) })
        {
            // The estimate lies in the bucket holding the observation of rank ceil(q·n), the one the quantile falls on.
            var holder = sorted[(int)Math.Ceiling(q * sorted.Length) - 1];
            var (low, high) = bucketOf(holder);
            e[Key(name + suffix, RouteTags)] = new Expectation((long)(time / 1_000_000), low, high);
        }
    }

    /// <summary>Bucket (bounds[i-1], bounds[i]] of an explicit histogram; the first starts at 0 for positive values.</summary>
    private static (double Low, double High) ExplicitBucket(double v)
    {
        var i = Array.FindIndex(LatencyBounds, b => v <= b);
        Assert.True(i >= 0, $"{v} falls in the overflow bucket; the scenario keeps observations under the last bound");
        return (i == 0 ? 0 : LatencyBounds[i - 1], LatencyBounds[i]);
    }

    /// <summary>Bucket (base^k, base^(k+1)] of an exponential histogram at <paramref name="scale"/>, widened by a rounding margin.</summary>
    private static (double Low, double High) ExponentialBucket(double v, int scale)
    {
        var perOctave = Math.Pow(2, scale);
        var k = Math.Ceiling(Math.Log2(v) * perOctave) - 1;
        const double margin = 1e-9;
        return (Math.Pow(2, k / perOctave) * (1 - margin), Math.Pow(2, (k + 1) / perOctave) * (1 + margin));
    }

    private static double Seconds(ulong nanos) => nanos / 1e9;

    /// <summary>The one data point of <paramref name="name"/> in a request (the one with that status code, for the counter).</summary>
    private static (ulong Start, ulong Time, int Scale) Point(ExportMetricsServiceRequest request, string name, long? statusCode = null)
    {
        var metric = request.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics).Single(m => m.Name == name);
        return metric.DataCase switch
        {
            OtlpMetric.DataOneofCase.Gauge => Single(metric.Gauge.DataPoints, p => (p.StartTimeUnixNano, p.TimeUnixNano, 0), p => p.Attributes, statusCode),
            OtlpMetric.DataOneofCase.Sum => Single(metric.Sum.DataPoints, p => (p.StartTimeUnixNano, p.TimeUnixNano, 0), p => p.Attributes, statusCode),
            OtlpMetric.DataOneofCase.Histogram => Single(metric.Histogram.DataPoints, p => (p.StartTimeUnixNano, p.TimeUnixNano, 0), p => p.Attributes, statusCode),
            OtlpMetric.DataOneofCase.ExponentialHistogram => Single(metric.ExponentialHistogram.DataPoints, p => (p.StartTimeUnixNano, p.TimeUnixNano, p.Scale), p => p.Attributes, statusCode),
            _ => throw new UnreachableException($"{name} has data {metric.DataCase}"),
        };
    }

    private static (ulong, ulong, int) Single<T>(RepeatedField<T> points, Func<T, (ulong, ulong, int)> read, Func<T, RepeatedField<KeyValue>> attributes, long? statusCode)
    {
        var point = statusCode is { } code
            ? points.Single(p => attributes(p).Any(a => a.Key == "http.response.status_code" && a.Value.IntValue == code))
            : points.Single();
        return read(point);
    }

    /// <summary>What a series must show: its event time, and its value exactly (<c>Low == High</c>) or within a bucket.</summary>
    private readonly record struct Expectation(long TimestampMs, double Low, double High)
    {
        public static Expectation Exact(ulong timeNanos, double value) => new((long)(timeNanos / 1_000_000), value, value);
    }
}
