using System.Text;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Pipeline;
using FinScale.Remediation.Planning;
using Google.Protobuf;

namespace FinScale.IntegrationTests;

/// <summary>
/// What the pipeline must do over a real Kafka-protocol connection. Every cluster kind inherits these
/// tests: the embedded broker always, Apache Kafka in a container wherever a Docker engine runs.
/// </summary>
public abstract class PipelineContract
{
    protected abstract IKafkaTestCluster Cluster { get; }

    [SkippableFact]
    public async Task Run_WhileAWindowsActionIsUnderWay_LaterAnomaliesAreStillWritten()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        // Three pods' spikes ten minutes apart: three windows. The first window's action does not return until the third
        // anomaly has been written (or 20 s pass): writing anomalies must not wait for deciding.
        var pods = new[] { "checkout-7c9d8-qx2vw", "checkout-7c9d8-4hkzp", "checkout-7c9d8-m2c8d" };
        await h.PublishAsync(Workloads.Merge([.. pods.Select((pod, i) =>
            Workloads.Series("http.server.request.duration.p99", Workloads.PodAttributes(pod), 240, 120, 6, seed: 11 + i, spikeAt: 200 + (10 * i), spikeValue: 950))]));
        var gate = new GateOnThirdAnomaly();

        var stats = await h.RunAsync("group-emit", executor: gate, observer: gate);

        Assert.Equal(3, stats.Anomalies);
        Assert.True(gate.ThirdSeen, "the third anomaly was never written");
        Assert.False(gate.FirstActionEndedBeforeThird, "the third anomaly was written only after the first window's action ended (timed out after 20 s)");
        Assert.Equal(3, (await h.ReadDecisionsAsync()).Count);
    }

    /// <summary>An executor whose first action waits until the observer has seen three anomalies (at most 20 s).</summary>
    private sealed class GateOnThirdAnomaly : IRemediationExecutor, IPipelineObserver
    {
        private readonly ShadowExecutor _inner = new();
        private readonly TaskCompletionSource _third = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _anomalies;
        private int _actions;
        private volatile bool _firstEnded;

        public bool ThirdSeen => _third.Task.IsCompleted;

        public bool FirstActionEndedBeforeThird { get; private set; }

        public IReadOnlySet<ExecutionMode> Modes => _inner.Modes;

        public async ValueTask<RemediationDecision> ExecuteAsync(PlannedDecision decision, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _actions) == 1)
            {
                try
                {
                    await _third.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
                }
                catch (TimeoutException)
                {
                    // Measured by the test: the third anomaly came only after this action ended.
                }

                _firstEnded = true;
            }

            return await _inner.ExecuteAsync(decision, cancellationToken);
        }

        public void OnAnomaly(Anomaly anomaly)
        {
            if (Interlocked.Increment(ref _anomalies) != 3)
                return;
            FirstActionEndedBeforeThird = _firstEnded;
            _third.TrySetResult();
        }

        public void OnDecision(RemediationDecision decision)
        {
        }
    }

    [SkippableFact]
    public async Task Run_SpikeOnPodSeries_WritesAnomalyAndShadowDecision_AndASecondRunReprocessesNothing()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        var pod = Workloads.PodAttributes("checkout-7c9d8-qx2vw");
        var spiky = Workloads.Series("http.server.request.duration.p99", pod, 240, 120, 6, seed: 1, spikeAt: 200, spikeValue: 950);
        var calm = Workloads.Series("http.server.request.duration.p99", Workloads.PodAttributes("checkout-7c9d8-4hkzp"), 240, 120, 6, seed: 2);
        var service = Workloads.Series("payments.authorised.rate", new Dictionary<string, string> { ["service.name"] = "payments-api" }, 240, 420, 12, seed: 3);
        await h.PublishAsync(Workloads.Merge(spiky, calm, service));

        var first = await h.RunAsync("group-a");

        Assert.Equal(720, first.Records);
        Assert.Equal(720, first.Points);
        Assert.Equal(1, first.Anomalies);
        Assert.Equal(1, first.Decisions);
        Assert.Equal(1, first.DecidedWindows);
        Assert.Equal(1, first.LongestWindow.Anomalies);
        Assert.InRange(first.LongestWindow.Elapsed, TimeSpan.FromTicks(1), first.DecisionBusy);
        Assert.Equal(0, first.DeadLettered);

        var anomaly = Assert.Single(await h.ReadAnomaliesAsync()).Value;
        Assert.Equal(SeriesKey.Create("http.server.request.duration.p99", pod).Text, anomaly.Series);
        Assert.Equal("checkout-7c9d8-qx2vw", anomaly.Attribute(WellKnownAttributes.PodName));
        Assert.Equal(950, anomaly.Observed);
        Assert.InRange(anomaly.Expected, 110, 130);
        Assert.InRange(anomaly.Score, new DetectorOptions().ScoreThreshold, 1.0);
        Assert.Equal(Workloads.Start.AddMinutes(200), anomaly.EventTime);

        var decision = Assert.Single(await h.ReadDecisionsAsync());
        Assert.Equal(Encoding.UTF8.GetBytes("Pod/payments/checkout-7c9d8-qx2vw"), decision.Key);
        var d = decision.Value;
        Assert.Equal(ActionKind.RestartPod, d.Action);
        Assert.Equal(ExecutionMode.Shadow, d.Mode);
        Assert.Equal(DecisionOutcome.Recommended, d.Outcome);
        Assert.Equal(new ActionTarget("payments", "Pod", "checkout-7c9d8-qx2vw"), d.Target);
        Assert.Equal(anomaly.AnomalyId, d.Anomaly.AnomalyId);
        Assert.False(string.IsNullOrEmpty(d.DecisionId));
        Assert.Contains("restart pod payments/checkout-7c9d8-qx2vw", d.Reason, StringComparison.Ordinal);
        Assert.Equal(anomaly.EventTime, d.EventTime);
        Assert.Equal("pod_fault", d.Finding);
        Assert.Equal("restart-faulty-pod", d.Rule);
        Assert.Equal(anomaly.AnomalyId, Assert.Single(d.Anomalies).AnomalyId);

        // The spike is one point: the episode ends, and its end is on the anomalies topic for the audit report.
        var end = Assert.Single(await h.ReadResolutionsAsync()).Value;
        Assert.Equal(anomaly.AnomalyId, end.AnomalyId);
        Assert.True(end.EventTime > anomaly.EventTime);

        var second = await h.RunAsync("group-a");

        Assert.Equal(0, second.Records);
        Assert.Single(await h.ReadDecisionsAsync());
    }

    [SkippableFact]
    public async Task Run_MalformedRecords_GoToTheDeadLetterTopicWithReasons_AndOffsetsAdvance()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        var good = Workloads.Series("m", Workloads.PodAttributes("p-1"), 50, 10, 1, seed: 5);
        await h.PublishAsync(good);
        var valid = h.Serdes.MetricSample.Serialize(good[0]);
        byte[][] bad =
        [
            [],
            Encoding.UTF8.GetBytes("{\"json\": true}"),
            valid[..(valid.Length - 3)],
            [.. valid, 1, 2, 3],
            h.Serdes.Anomaly.Serialize(new Anomaly("x", "s", "m", new Dictionary<string, string>(), Workloads.Start, 1, 1, 1, 1, "d")),
        ];
        h.PublishRaw(bad);

        var first = await h.RunAsync("group-dlq");

        Assert.Equal(50 + bad.Length, first.Records);
        Assert.Equal(50, first.Points);
        Assert.Equal(bad.Length, first.DeadLettered);
        var letters = await h.ReadDeadLettersAsync();
        Assert.Equal(bad.Length, letters.Count);
        foreach (var letter in letters)
        {
            string Header(string key) => Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes(key));
            Assert.False(string.IsNullOrWhiteSpace(Header(DeadLetterHeaders.Reason)));
            Assert.Equal(h.Topics.Metrics, Header(DeadLetterHeaders.Topic));
            Assert.True(int.Parse(Header(DeadLetterHeaders.Partition), System.Globalization.CultureInfo.InvariantCulture) >= 0);
            Assert.True(long.Parse(Header(DeadLetterHeaders.Offset), System.Globalization.CultureInfo.InvariantCulture) >= 0);
        }

        Assert.Equal(bad.Select(b => Convert.ToHexString(b)).Order(), letters.Select(l => Convert.ToHexString(l.Message.Value)).Order());
        Assert.Equal(bad.Length, letters.Select(l => (Partition: Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Partition)), Offset: Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Offset)))).Distinct().Count());
        Assert.Contains(letters, l => Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason)).Contains("trailing bytes", StringComparison.Ordinal));
        Assert.Contains(letters, l => Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason)).Contains("fingerprint", StringComparison.Ordinal));

        var second = await h.RunAsync("group-dlq");
        Assert.Equal(0, second.Records);
    }
    [SkippableTheory]
    [InlineData(OtlpOptions.ProtoEncoding)]
    [InlineData(OtlpOptions.JsonEncoding)]
    public async Task Run_OtlpLatencyHistogramsFromTheCollector_SpikeOnOnePod_RaisesAnomaliesOnThatPodOnly(string encoding)
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        string[] pods = ["checkout-7c9d8-qx2vw", "checkout-7c9d8-4hkzp"];
        var records = OtlpWorkloads.LatencyHistograms(pods, 240, 120, seed: 11, spikeAt: 200, spikeMs: 950);
        h.PublishRaw(h.Topics.OtlpMetrics, records.Select(r => ((byte[]?)r.Key, encoding == OtlpOptions.JsonEncoding ? OtlpWorkloads.ToOtlpJson(r.Request) : r.Request.ToByteArray())));

        var stats = await h.RunAsync("group-otlp-" + encoding, otlp: new OtlpOptions { MetricsEncoding = encoding });

        Assert.Equal(480, stats.Records);
        Assert.Equal(0, stats.DeadLettered);
        Assert.Equal(480, stats.OtlpMetrics.DataPoints);
        var anomalies = (await h.ReadAnomaliesAsync()).Select(r => r.Value).ToList();
        Assert.NotEmpty(anomalies);
        Assert.All(anomalies, a => Assert.Equal(pods[0], a.Attribute(WellKnownAttributes.PodName)));
        var p99 = Assert.Single(anomalies, a => a.Metric == "http.server.request.duration.p99");
        Assert.Equal(Workloads.Start.AddMinutes(200), p99.EventTime);
        Assert.Equal("/charge", p99.Attribute("http.route"));
        Assert.Null(p99.Attribute("host.arch"));
        Assert.InRange(p99.Observed, 750, 1000);
        var decisions = await h.ReadDecisionsAsync();
        Assert.Contains(decisions, d => d.Value.Target == new ActionTarget("payments", "Pod", pods[0]));
    }

    [SkippableTheory]
    [InlineData(OtlpOptions.ProtoEncoding)]
    [InlineData(OtlpOptions.JsonEncoding)]
    public async Task Run_OtlpSpans_SlowPod_RaisesAnomalyOnItsRedDuration_AndEveryRecordIsCommitted(string encoding)
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        string[] pods = ["checkout-7c9d8-qx2vw", "checkout-7c9d8-4hkzp"];
        var records = OtlpWorkloads.CheckoutSpans(pods, 200, 40, seed: 12, spikeAt: 160, spikeMs: 900);
        h.PublishRaw(h.Topics.OtlpSpans, records.Select(r => ((byte[]?)r.Key, encoding == OtlpOptions.JsonEncoding ? OtlpWorkloads.ToOtlpJson(r.Request) : r.Request.ToByteArray())));

        var stats = await h.RunAsync("group-spans-" + encoding, otlp: new OtlpOptions { SpansEncoding = encoding });

        Assert.Equal(400, stats.Records);
        Assert.Equal(0, stats.DeadLettered);
        Assert.Equal(400 * 60, stats.OtlpSpans.Spans);
        var anomalies = (await h.ReadAnomaliesAsync()).Select(r => r.Value).ToList();
        var slow = anomalies.Where(a => a.Metric == "traces.span.metrics.duration.p99" && a.Attribute(WellKnownAttributes.PodName) == pods[0]).ToList();
        Assert.NotEmpty(slow);
        Assert.All(slow, a => Assert.Equal(Workloads.Start.AddMinutes(160), a.EventTime.AddSeconds(-10)));
        // The spike belongs to the first pod: its peer raises nothing for that window.
        Assert.DoesNotContain(anomalies, a => a.Attribute(WellKnownAttributes.PodName) == pods[1] && a.EventTime == slow[0].EventTime);
        Assert.Contains(anomalies, a => a.Metric == "traces.service_graph.request.server.duration.p99" && a.Attribute("client") == "frontend" && a.Attribute("server") == "checkout");

        // Records whose spans went into windows are committed once those windows are detected: a rerun reads nothing.
        var second = await h.RunAsync("group-spans-" + encoding, otlp: new OtlpOptions { SpansEncoding = encoding });
        Assert.Equal(0, second.Records);
    }

    [SkippableFact]
    public async Task Run_OtlpHistogramsWithExemplars_TheAnomalyAndItsAuditDecisionCarryTheSlowestExemplarsTraceId()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        string[] pods = ["checkout-7c9d8-qx2vw", "checkout-7c9d8-4hkzp"];
        var records = OtlpWorkloads.LatencyHistograms(pods, 240, 120, seed: 11, spikeAt: 200, spikeMs: 950, exemplars: true);
        h.PublishRaw(h.Topics.OtlpMetrics, records.Select(r => ((byte[]?)r.Key, r.Request.ToByteArray())));

        var stats = await h.RunAsync("group-otlp-exemplars");

        Assert.Equal(0, stats.DeadLettered);
        Assert.Equal(0, stats.OtlpMetrics.MalformedExemplars);
        var expected = Convert.ToHexStringLower(OtlpWorkloads.ExemplarTraceId(0, 200, 1)); // the spike minute's slowest request
        var expectedSpan = Convert.ToHexStringLower(OtlpWorkloads.ExemplarSpanId(0, 1)); // and its span
        var anomalies = (await h.ReadAnomaliesAsync()).Select(r => r.Value).ToList();
        var p99 = Assert.Single(anomalies, a => a.Metric == "http.server.request.duration.p99");
        Assert.Equal(Workloads.Start.AddMinutes(200), p99.EventTime);
        Assert.Equal(expected, p99.TraceId);
        Assert.Equal(expectedSpan, p99.SpanId);
        Assert.All(anomalies.Where(a => a.EventTime == p99.EventTime), a => Assert.Equal((expected, expectedSpan), (a.TraceId, a.SpanId)));

        var decisions = (await h.ReadDecisionsAsync()).Select(r => r.Value).Where(d => d.Anomalies.Any(a => a.AnomalyId == p99.AnomalyId)).ToList();
        Assert.NotEmpty(decisions);
        Assert.All(decisions, d => Assert.Equal((expected, expectedSpan), d.Anomalies.Single(a => a.AnomalyId == p99.AnomalyId) is var r ? (r.TraceId, r.SpanId) : default));
    }

    [SkippableFact]
    public async Task Run_OtlpSpans_SlowPod_TheAnomalyAndItsAuditDecisionCarryTheSlowestSpansTraceId()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        string[] pods = ["checkout-7c9d8-qx2vw", "checkout-7c9d8-4hkzp"];
        var records = OtlpWorkloads.CheckoutSpans(pods, 200, 40, seed: 12, spikeAt: 160, spikeMs: 900, spikeStepMs: 1);
        h.PublishRaw(h.Topics.OtlpSpans, records.Select(r => ((byte[]?)r.Key, r.Request.ToByteArray())));

        var stats = await h.RunAsync("group-spans-exemplars");

        Assert.Equal(0, stats.DeadLettered);

        // The slowest server span of the slow pod in the spike minute: the last of 900, 901, ... 929 ms.
        var slowest = records
            .SelectMany(r => r.Request.ResourceSpans)
            .Where(rs => rs.Resource.Attributes.Any(a => a.Key == WellKnownAttributes.PodName && a.Value.StringValue == pods[0]))
            .SelectMany(rs => rs.ScopeSpans.SelectMany(ss => ss.Spans))
            .MaxBy(span => span.EndTimeUnixNano - span.StartTimeUnixNano)!;
        Assert.Equal(929_000_000UL, slowest.EndTimeUnixNano - slowest.StartTimeUnixNano);
        var expected = Convert.ToHexStringLower(slowest.TraceId.ToByteArray());
        var expectedSpan = Convert.ToHexStringLower(slowest.SpanId.ToByteArray());

        var anomalies = (await h.ReadAnomaliesAsync()).Select(r => r.Value).ToList();
        var slow = anomalies.Where(a => a.Metric == "traces.span.metrics.duration.p99" && a.Attribute(WellKnownAttributes.PodName) == pods[0]).ToList();
        Assert.NotEmpty(slow);
        Assert.All(slow, a => Assert.Equal((expected, expectedSpan), (a.TraceId, a.SpanId)));

        var decisions = (await h.ReadDecisionsAsync()).Select(r => r.Value).ToList();
        var refs = decisions.SelectMany(d => d.Anomalies).Where(r => slow.Any(a => a.AnomalyId == r.AnomalyId)).ToList();
        Assert.NotEmpty(refs);
        Assert.All(refs, r => Assert.Equal((expected, expectedSpan), (r.TraceId, r.SpanId)));
        Assert.All(decisions.Where(d => slow.Any(a => a.AnomalyId == d.Anomaly.AnomalyId)), d => Assert.Equal(expectedSpan, d.Anomaly.SpanId));
    }

    [SkippableFact]
    public async Task Run_BusinessAvroMetricsBesideOtlp_FeedTheSameDetectionPath()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        var merchant = new Dictionary<string, string> { [WellKnownAttributes.ServiceName] = "payments-api", ["merchant"] = "acme" };
        var business = Workloads.Series("payments.per_second", merchant, 180, 420, 12, seed: 21, spikeAt: 150, spikeValue: 40);
        await h.PublishAsync(business);
        var otlp = OtlpWorkloads.LatencyHistograms(["checkout-1"], 180, 100, seed: 22);
        h.PublishRaw(h.Topics.OtlpMetrics, otlp.Select(r => ((byte[]?)r.Key, r.Request.ToByteArray())));

        var stats = await h.RunAsync("group-mixed");

        Assert.Equal(360, stats.Records);
        Assert.Equal(180, stats.OtlpMetrics.DataPoints);
        var drop = Assert.Single((await h.ReadAnomaliesAsync()).Select(r => r.Value), a => a.Metric == "payments.per_second");
        Assert.Equal("acme", drop.Attribute("merchant"));
        Assert.Equal(Workloads.Start.AddMinutes(150), drop.EventTime);
        Assert.True(stats.Series >= 6); // the merchant series and the histogram's five
    }

    [SkippableFact]
    public async Task Run_MalformedOtlpRecords_GoToTheDeadLetterTopic_AndValidOnesAreAllProcessed()
    {
        Skip.If(Cluster.SkipReason is not null, Cluster.SkipReason);
        using var h = await PipelineHarness.CreateAsync(Cluster);
        var good = OtlpWorkloads.LatencyHistograms(["checkout-1"], 40, 100, seed: 13).Select(r => r.Request.ToByteArray()).ToList();
        var rng = new Random(14);
        var garbage = new byte[64];
        rng.NextBytes(garbage);
        byte[][] bad = [garbage, good[0][..^5], Encoding.UTF8.GetBytes("{\"resourceMetrics\": ["), [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]];
        h.PublishRaw(h.Topics.OtlpMetrics, good.Take(20).Concat(bad).Concat(good.Skip(20)).Select(v => ((byte[]?)null, v)));

        var stats = await h.RunAsync("group-otlp-dlq");

        Assert.Equal(good.Count + bad.Length, stats.Records);
        Assert.Equal(bad.Length, stats.DeadLettered);
        Assert.Equal(good.Count, stats.OtlpMetrics.DataPoints);
        var letters = await h.ReadDeadLettersAsync();
        Assert.Equal(bad.Select(Convert.ToHexString).Order(), letters.Select(l => Convert.ToHexString(l.Message.Value)).Order());
        Assert.All(letters, l =>
        {
            Assert.Equal(h.Topics.OtlpMetrics, Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Topic)));
            Assert.Contains("protobuf", Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason)), StringComparison.Ordinal);
        });
        Assert.Equal(0, (await h.RunAsync("group-otlp-dlq")).Records);
    }
}

/// <summary>The contract over librdkafka's embedded mock broker (always runs).</summary>
public sealed class EmbeddedBrokerPipelineTests : PipelineContract, IClassFixture<EmbeddedClusterFixture>
{
    private readonly EmbeddedClusterFixture _cluster;

    public EmbeddedBrokerPipelineTests(EmbeddedClusterFixture cluster) => _cluster = cluster;

    protected override IKafkaTestCluster Cluster => _cluster;
}

/// <summary>The same contract over Apache Kafka in a container (skipped where no Docker engine runs).</summary>
public sealed class ApacheKafkaPipelineTests : PipelineContract, IClassFixture<ApacheKafkaFixture>
{
    private readonly ApacheKafkaFixture _cluster;

    public ApacheKafkaPipelineTests(ApacheKafkaFixture cluster) => _cluster = cluster;

    protected override IKafkaTestCluster Cluster => _cluster;
}
