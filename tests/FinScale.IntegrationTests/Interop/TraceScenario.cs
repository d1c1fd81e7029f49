using System.Diagnostics;
using System.Globalization;
using FinScale.Detection.Traces;
using OpenTelemetry.Trace;
using SpanKind = FinScale.Detection.Traces.SpanKind;

namespace FinScale.IntegrationTests.Interop;

/// <summary>
/// A checkout trace with every span kind, status and parent shape (root, local child, remote parent), timed
/// explicitly so start and end are known to the nanosecond, and the <see cref="SpanRecord"/>s it must decode to.
/// </summary>
internal sealed class TraceScenario : IDisposable
{
    private static readonly SpanResource ExpectedResource = new("checkout", "shop", "checkout", "checkout-7c9d8-4hkzp", "node-a", "1.4.2");

    private readonly ActivitySource _source;
    private readonly List<SpanRecord> _expected = [];

    public TraceScenario()
    {
        SourceName = "FinScale.Interop." + Guid.NewGuid().ToString("N");
        _source = new ActivitySource(SourceName, "1.0.0");
    }

    public string SourceName { get; }

    /// <summary>The spans recorded so far, as the decoder must return them.</summary>
    public IReadOnlyList<SpanRecord> Expected => _expected;

    /// <summary>Listens to this scenario's source, with the shared resource.</summary>
    public TracerProviderBuilder Configure(TracerProviderBuilder builder) => builder
        .SetResourceBuilder(MetricScenario.Resource())
        .AddSource(SourceName);

    /// <summary>Records the trace, ending one minute before <paramref name="now"/> on whole milliseconds.</summary>
    public void Record(DateTimeOffset now)
    {
        // The root must be a root: StartActivity with no parent takes the ambient Activity.Current, and an unsampled one
        // there would make the SDK's parent-based sampler drop the whole trace, the activities still created. That fits
        // what CI saw twice: a successful flush, no SDK error, and nothing exported.
        var ambient = Activity.Current;
        Activity.Current = null;
        try
        {
            RecordTrace(now);
        }
        finally
        {
            Activity.Current = ambient;
        }
    }

    private void RecordTrace(DateTimeOffset now)
    {
        var t0 = new DateTime(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc).AddMinutes(-1);

        var root = Span("GET /checkout", ActivityKind.Server, default, t0, 120, ActivityStatusCode.Ok, [new("http.route", "/checkout"), new("http.response.status_code", 200)]);
        Span("POST /payments/authorise", ActivityKind.Client, root, t0.AddMilliseconds(10), 80, ActivityStatusCode.Error, [new("peer.service", "payments"), new("server.address", "payments.shop.svc")], "card declined");
        Span("SELECT orders", ActivityKind.Client, root, t0.AddMilliseconds(5), 3.25, ActivityStatusCode.Unset, [new("db.system.name", "postgresql"), new("server.address", "orders-db")]);
        Span("compute-total", ActivityKind.Internal, root, t0.AddMilliseconds(1), 0.5, ActivityStatusCode.Unset, []);
        var publish = Span("orders publish", ActivityKind.Producer, root, t0.AddMilliseconds(100), 2, ActivityStatusCode.Ok, [new("messaging.system", "kafka")]);

        // The consumer runs elsewhere and continues the trace from the propagated (remote) context.
        var remote = new ActivityContext(publish.TraceId, publish.SpanId, ActivityTraceFlags.Recorded, isRemote: true);
        Span("orders process", ActivityKind.Consumer, remote, t0.AddMilliseconds(130), 7.5, ActivityStatusCode.Error, [new("db.system", "redis")]);
    }

    public void Dispose() => _source.Dispose();

    private ActivityContext Span(
        string name,
        ActivityKind kind,
        ActivityContext parent,
        DateTime start,
        double durationMs,
        ActivityStatusCode status,
        KeyValuePair<string, object?>[] tags,
        string? description = null)
    {
        using var activity = _source.StartActivity(name, kind, parent, tags, startTime: start);
        Assert.NotNull(activity);
        Assert.True(activity.Recorded, $"span {name} was created but not sampled (parent {activity.ParentId ?? "none"})");
        activity.SetStatus(status, description);
        activity.SetEndTime(start.AddTicks((long)(durationMs * TimeSpan.TicksPerMillisecond)));
        activity.Stop();

        var startNanos = (start - DateTime.UnixEpoch).Ticks * 100;
        _expected.Add(new SpanRecord(
            UInt128.Parse(activity.TraceId.ToHexString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(activity.SpanId.ToHexString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            parent == default ? 0 : ulong.Parse(parent.SpanId.ToHexString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ExpectedResource,
            name,
            kind switch
            {
                ActivityKind.Internal => SpanKind.Internal,
                ActivityKind.Server => SpanKind.Server,
                ActivityKind.Client => SpanKind.Client,
                ActivityKind.Producer => SpanKind.Producer,
                _ => SpanKind.Consumer,
            },
            status switch
            {
                ActivityStatusCode.Ok => SpanStatus.Ok,
                ActivityStatusCode.Error => SpanStatus.Error,
                _ => SpanStatus.Unset,
            },
            startNanos,
            startNanos + (long)(durationMs * 1_000_000),
            PeerOf(tags)));
        return activity.Context;
    }

    // The decoder's naming of a callee: peer.service, else server.address, else db.system(.name).
    private static string? PeerOf(KeyValuePair<string, object?>[] tags)
    {
        foreach (var key in new[] { "peer.service", "server.address", "db.system", "db.system.name" })
        {
            var hit = tags.FirstOrDefault(t => t.Key == key);
            if (hit.Key is not null)
                return (string)hit.Value!;
        }

        return null;
    }
}
