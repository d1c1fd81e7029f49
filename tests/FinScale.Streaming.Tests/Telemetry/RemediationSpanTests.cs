using System.Collections.Concurrent;
using System.Diagnostics;
using FinScale.Contracts;
using FinScale.Streaming.Telemetry;
using FinScale.Streaming.Tests.Avro;

namespace FinScale.Streaming.Tests.Telemetry;

/// <summary>The span of a remediation links to the example span of each anomaly it rests on.</summary>
public sealed class RemediationSpanTests : IDisposable
{
    private readonly ConcurrentBag<Activity> _started = [];
    private readonly ActivityListener _listener;

    public RemediationSpanTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == FinScaleTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = _started.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public void StartRemediation_LinksEachAnomalysTraceAndSpan_OnceEach()
    {
        var anomaly = TestRecords.Anomaly() with { TraceId = "0af7651916cd43dd8448eb211c80319c", SpanId = "00f067aa0ba902b7" };
        var decision = TestRecords.Decision() with
        {
            DecisionId = "d-links-" + Guid.NewGuid().ToString("N"),
            Anomaly = anomaly,
            Anomalies =
            [
                new AnomalyRef(anomaly.AnomalyId, anomaly.Series, anomaly.TraceId, anomaly.SpanId),
                new AnomalyRef("b", "s2", "5e000000000000000000000000000002", "0807060504030200"),
            ],
        };

        using var activity = FinScaleTelemetry.StartRemediation(decision);

        Assert.NotNull(activity);
        var links = activity.Links.Select(l => (l.Context.TraceId.ToHexString(), l.Context.SpanId.ToHexString())).Order().ToList();
        Assert.Equal([("0af7651916cd43dd8448eb211c80319c", "00f067aa0ba902b7"), ("5e000000000000000000000000000002", "0807060504030200")], links);
        Assert.All(activity.Links, l => Assert.Empty(l.Tags ?? []));
    }

    [Fact]
    public void StartRemediation_ExampleWithoutSpanId_LinksItsTrace_MarkedAsSpanUnknown()
    {
        var anomaly = TestRecords.Anomaly() with { TraceId = "0af7651916cd43dd8448eb211c80319c" };
        var decision = TestRecords.Decision() with
        {
            DecisionId = "d-nospan-" + Guid.NewGuid().ToString("N"),
            Anomaly = anomaly,
            Anomalies = [new AnomalyRef(anomaly.AnomalyId, anomaly.Series, anomaly.TraceId), new AnomalyRef("c", "s3", "not-hex-not-a-trace-id-000000000")],
        };

        using var activity = FinScaleTelemetry.StartRemediation(decision);

        Assert.NotNull(activity);
        var link = Assert.Single(activity.Links); // the malformed trace id is left out
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", link.Context.TraceId.ToHexString());
        Assert.NotEqual(default, link.Context.SpanId);
        Assert.Contains(link.Tags ?? [], t => t.Key == "finscale.link.span_known" && Equals(t.Value, false));
    }

    public void Dispose() => _listener.Dispose();
}
