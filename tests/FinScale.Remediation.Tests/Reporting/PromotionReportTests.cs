using FinScale.Contracts;
using FinScale.Remediation;
using FinScale.Remediation.Reporting;

namespace FinScale.Remediation.Tests.Reporting;

public sealed class PromotionReportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Anomaly Anomaly(string id, DateTimeOffset at, AnomalyState state = AnomalyState.Open) =>
        new(id, "latency|pod=" + id, "latency", new Dictionary<string, string>(), at, 900, 100, 0.99, 12, "ensemble") { State = state };

    private static RemediationDecision Decision(string id, ActionKind kind, DecisionOutcome outcome, string anomaly, string? guard = null, ExecutionMode mode = ExecutionMode.Shadow) =>
        new(id, id + "/key", T0, mode, kind, new ActionTarget("payments", "Pod", "p-" + id), outcome, "because", guard, Anomaly(anomaly, T0));

    [Fact]
    public void Build_DecisionsRedeliveredOrSettledTwice_CountOnce()
    {
        var decisions = new[]
        {
            Decision("d1", ActionKind.RestartPod, DecisionOutcome.Executed, "a1", mode: ExecutionMode.Enforce),
            Decision("d1", ActionKind.RestartPod, DecisionOutcome.Executed, "a1", mode: ExecutionMode.Enforce), // settled again after a restart
            Decision("d2", ActionKind.RestartPod, DecisionOutcome.Failed, "a2", mode: ExecutionMode.Enforce),
            Decision("d2", ActionKind.RestartPod, DecisionOutcome.Failed, "a2", mode: ExecutionMode.Enforce), // redelivered
        };

        var report = PromotionReport.Build(decisions, [], TimeSpan.FromMinutes(15));

        Assert.Equal(2, report.Decisions);
        var pods = Assert.Single(report.Kinds);
        Assert.Equal((1, 1, 0), (pods.Executed, pods.Failed, pods.Recommended));
    }

    [Fact]
    public void Build_RecommendationsWhoseAnomalyEndedWithinTheWindow_RecoveredOnTheirOwn()
    {
        var decisions = new[]
        {
            Decision("d1", ActionKind.RestartPod, DecisionOutcome.Recommended, "a1"),
            Decision("d2", ActionKind.RestartPod, DecisionOutcome.Recommended, "a2"),
            Decision("d3", ActionKind.RestartPod, DecisionOutcome.Recommended, "a3"),
            Decision("d4", ActionKind.CordonNode, DecisionOutcome.HeldBack, "a4", guard: Guards.CordonLimit),
            Decision("d5", ActionKind.CordonNode, DecisionOutcome.HeldBack, "a5", guard: Guards.Cooldown),
            Decision("d6", ActionKind.CordonNode, DecisionOutcome.HeldBack, "a6", guard: Guards.Cooldown),
        };
        var anomalies = new[]
        {
            Anomaly("a1", T0.AddMinutes(5), AnomalyState.Resolved), // within 15 minutes: would have been unnecessary
            Anomaly("a2", T0.AddMinutes(40), AnomalyState.Resolved), // too late to count
        };

        var report = PromotionReport.Build(decisions, anomalies, TimeSpan.FromMinutes(15));

        var pods = report.Kinds.Single(k => k.Action == ActionKind.RestartPod);
        Assert.Equal((3, 3, 1), (pods.Recommended, pods.NotCarriedOut, pods.RecoveredOnTheirOwn));
        var nodes = report.Kinds.Single(k => k.Action == ActionKind.CordonNode);
        Assert.Equal(3, nodes.HeldBack);
        Assert.Equal(new Dictionary<string, int> { ["cooldown"] = 2, [Guards.CordonLimit] = 1 }, nodes.HeldBackBy);
        Assert.Contains("held back cordon_node: cooldown 2, cordon-limit 1", report.Format(), StringComparison.Ordinal);
    }
}
