using FinScale.Contracts;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>Sample contract records and content comparisons (the records hold dictionaries, which compare by reference).</summary>
internal static class TestRecords
{
    public static readonly DateTimeOffset EventTime = new(2024, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    public static MetricSample Sample(string name = "payments.authorised.rate", double value = 12.5) => new(
        name,
        EventTime,
        value,
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WellKnownAttributes.ServiceName] = "payments",
            [WellKnownAttributes.PodName] = "payments-7d9f-abcde",
        });

    public static Anomaly Anomaly() => new(
        "a1b2c3",
        "http.server.duration.p99{service.name=\"checkout\"}",
        "http.server.duration.p99",
        new Dictionary<string, string>(StringComparer.Ordinal) { [WellKnownAttributes.ServiceName] = "checkout" },
        EventTime,
        Observed: 950.25,
        Expected: 120.5,
        Score: 0.99,
        ZScore: -7.25,
        Detector: "robust-z");

    public static RemediationDecision Decision(
        ExecutionMode mode = ExecutionMode.Shadow,
        ActionKind action = ActionKind.RestartPod,
        DecisionOutcome outcome = DecisionOutcome.Recommended,
        bool withTarget = true,
        string? guard = null) => new(
        "d-42",
        "idem-42",
        EventTime,
        mode,
        action,
        withTarget ? new ActionTarget("payments", "Pod", "payments-7d9f-abcde") : null,
        outcome,
        "p99 latency 8x baseline on one pod",
        guard,
        Anomaly());

    public static void AssertSameContent(MetricSample expected, MetricSample actual)
    {
        Assert.Equal(expected, actual with { Attributes = expected.Attributes });
        AssertSameAttributes(expected.Attributes, actual.Attributes);
        Assert.Equal(TimeSpan.Zero, actual.Timestamp.Offset);
    }

    public static void AssertSameContent(Anomaly expected, Anomaly actual)
    {
        Assert.Equal(expected, actual with { Attributes = expected.Attributes });
        AssertSameAttributes(expected.Attributes, actual.Attributes);
    }

    public static void AssertSameContent(RemediationDecision expected, RemediationDecision actual)
    {
        Assert.Equal(expected, actual with { Anomaly = expected.Anomaly, Anomalies = expected.Anomalies });
        AssertSameContent(expected.Anomaly, actual.Anomaly);
        Assert.Equal(expected.Anomalies, actual.Anomalies);
    }

    public static void AssertSameAttributes(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual) =>
        Assert.Equal(
            expected.OrderBy(kv => kv.Key, StringComparer.Ordinal),
            actual.OrderBy(kv => kv.Key, StringComparer.Ordinal));
}
