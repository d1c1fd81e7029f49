using System.Text;
using FinScale.Contracts;
using FinScale.IntegrationTests.Infrastructure;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Kafka;

namespace FinScale.IntegrationTests;

/// <summary>
/// What the pipeline must do over a real Kafka-protocol connection. Every cluster kind inherits these
/// tests: the embedded broker always, Apache Kafka in a container wherever a Docker engine runs.
/// </summary>
public abstract class PipelineContract
{
    protected abstract IKafkaTestCluster Cluster { get; }

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
        Assert.Equal(0, first.DeadLettered);

        var anomaly = Assert.Single(await h.ReadAnomaliesAsync()).Value;
        Assert.Equal(SeriesKey.Create("http.server.request.duration.p99", pod).Text, anomaly.Series);
        Assert.Equal("checkout-7c9d8-qx2vw", anomaly.Attribute(WellKnownAttributes.PodName));
        Assert.Equal(950, anomaly.Observed);
        Assert.InRange(anomaly.Expected, 110, 130);
        Assert.InRange(anomaly.Score, 0.99, 1.0);
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
        Assert.Contains("restart the pod", d.Reason, StringComparison.Ordinal);
        Assert.Equal(anomaly.EventTime, d.EventTime);

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
