using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Remediation;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Planning;
using FinScale.Remediation.Policy;
using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

/// <summary>
/// The no-data guard where it runs: <see cref="SeriesLiveness"/> reads the last point of a series from the shard that
/// owns it, and the planner holds back an action whose series all stopped reporting.
/// </summary>
public class SeriesLivenessTests
{
    private const long Minute = 60_000;
    private readonly SeriesCatalog _catalog = new(1000);
    private readonly ShardDetector[] _shards;

    public SeriesLivenessTests() =>
        _shards = [new ShardDetector(new DetectorOptions(), _catalog, 0, 2), new ShardDetector(new DetectorOptions(), _catalog, 1, 2)];

    private static SeriesKey Latency(string pod) => SeriesKey.Create("http.server.request.duration.p99", new Dictionary<string, string>
    {
        [WellKnownAttributes.Namespace] = "payments",
        [WellKnownAttributes.ServiceName] = "api",
        [WellKnownAttributes.PodName] = pod,
    });

    /// <summary>One point a minute from minute 0 up to <paramref name="lastMinute"/>, to the shard that owns the series.</summary>
    private void Report(SeriesKey key, int lastMinute)
    {
        var id = _catalog.GetOrAdd(key);
        var points = Enumerable.Range(0, lastMinute + 1).Select(m => new SeriesPoint(id, m * Minute, 100 + (m % 7))).ToArray();
        _shards[ShardDetector.ShardOf(id, _shards.Length)].Process(points, []);
    }

    [Fact]
    public void LastSeen_IsTheLastPointOfTheSeriesOnItsShard_AndNullForASeriesNeverSeen()
    {
        Report(Latency("api-1"), 100);
        Report(Latency("api-2"), 20);
        var liveness = new SeriesLiveness(_catalog, _shards);

        Assert.NotEqual(ShardDetector.ShardOf(_catalog.GetOrAdd(Latency("api-1")), 2), ShardDetector.ShardOf(_catalog.GetOrAdd(Latency("api-2")), 2));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(100 * Minute), liveness.LastSeen(Latency("api-1").Text));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(20 * Minute), liveness.LastSeen(Latency("api-2").Text));
        Assert.Null(liveness.LastSeen(Latency("api-9").Text));
    }

    [Fact]
    public void Plan_OnASeriesThatStoppedReporting_IsHeldBackAsNoData_AndOnALiveOneGoesAhead()
    {
        Report(Latency("api-1"), 100);
        Report(Latency("api-2"), 20);
        var liveness = new SeriesLiveness(_catalog, _shards);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(101 * Minute);
        var policy = new RemediationPolicyDocument(
            [new PolicyRule("restart-pod", FindingKind.PodFault, ActionKind.RestartPod, 0, 0, [], [], new ActionParameters())],
            ModeSettings.Shadow,
            new GuardSettings(TimeSpan.FromMinutes(15), new RateLimit(100, TimeSpan.FromMinutes(10)), 1.0, 2, 0.5, TimeSpan.FromMinutes(5), ["payments"], []));

        Finding PodFault(string pod, int minute)
        {
            var key = Latency(pod);
            var anomaly = new Anomaly($"a-{pod}", key.Text, "http.server.request.duration.p99", new Dictionary<string, string>(key.Attributes),
                DateTimeOffset.FromUnixTimeMilliseconds(minute * Minute), 900, 100, 0.99, 12, "ensemble");
            return new Finding(FindingKind.PodFault, "payments", "api", "api", [pod], null, null, [], [anomaly], $"{pod} is slow");
        }

        var decisions = RemediationPlanner.Plan([PodFault("api-1", 100), PodFault("api-2", 20)], ClusterView.Unknown, policy, new ActionHistory(), liveness, now);

        Assert.Equal(2, decisions.Count);
        Assert.True(decisions[0].IsActionable, decisions[0].Decision.Reason);
        Assert.Equal(DecisionOutcome.HeldBack, decisions[1].Decision.Outcome);
        Assert.Equal(Guards.NoData, decisions[1].Decision.Guard);
        Assert.Contains("has not reported for", decisions[1].Decision.Reason, StringComparison.Ordinal);
    }
}
