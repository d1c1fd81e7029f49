using FinScale.Contracts;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Planning;
using FinScale.Remediation.Policy;
using static FinScale.Remediation.Tests.Planning.PlannerFixture;

namespace FinScale.Remediation.Tests.Planning;

public class CanaryRestoreTests
{
    private static readonly RemediationPolicyDocument Restoring = PolicyWith(rules:
        Rule(FindingKind.CanaryRegression, ActionKind.ShiftTraffic, "rollback-canary", new ActionParameters(RestoreOnRecovery: true, RestoreAfter: TimeSpan.FromMinutes(15))));

    private static ClusterView Shifted(int stable = 100, int canary = 0)
    {
        var c = ClusterOf();
        return new ClusterView(c.Pods, c.Nodes, c.Workloads,
            [new VirtualServiceInfo("payments", "api", "api", [new SubsetRoute("stable", "v1", stable), new SubsetRoute("canary", "v2", canary)], None)]);
    }

    private static ActionHistory ShiftAt(DateTimeOffset at, out Finding finding)
    {
        var history = new ActionHistory();
        finding = Canary(at);
        var shift = Assert.Single(RemediationPlanner.Plan([finding], ClusterOf(), Restoring, history, AllLive(at), at));
        Assert.True(shift.IsActionable);
        return history;
    }

    [Fact]
    public void PlanRestores_CanaryRecoveredAfterTheHold_PutsTheWeightsReadBeforeTheShiftBack()
    {
        var history = ShiftAt(T0, out var finding);
        history.NoteResolved(finding.Anomalies[0].AnomalyId, T0.AddMinutes(3));

        var d = Assert.Single(RemediationPlanner.PlanRestores(Shifted(), Restoring, history, T0.AddMinutes(20)));

        Assert.True(d.IsActionable);
        Assert.Equal(ActionKind.ShiftTraffic, d.Decision.Action);
        Assert.Equal(new Dictionary<string, int> { ["stable"] = 90, ["canary"] = 10 }, d.Weights);
        Assert.Equal("canary_recovered", d.Decision.Finding);
        Assert.Contains("restore VirtualService payments/api to stable 90 / canary 10", d.Decision.Reason, StringComparison.Ordinal);
        Assert.Empty(history.Shifts);
        Assert.Empty(RemediationPlanner.PlanRestores(Shifted(), Restoring, history, T0.AddMinutes(30)));
    }

    [Fact]
    public void PlanRestores_DuringAFreeze_IsAuditedHeldBackOnce_AndRestoredAfterIt()
    {
        var history = ShiftAt(T0, out var finding);
        history.NoteResolved(finding.Anomalies[0].AnomalyId, T0.AddMinutes(3));
        var freeze = new FreezeWindow("month-end", T0.AddMinutes(18), T0.AddMinutes(40), [], [], null, null, "UTC");
        var frozen = Restoring with { Guards = Restoring.Guards with { FreezeWindows = [freeze] } };

        var held = Assert.Single(RemediationPlanner.PlanRestores(Shifted(), frozen, history, T0.AddMinutes(20)));
        var quiet = RemediationPlanner.PlanRestores(Shifted(), frozen, history, T0.AddMinutes(30));
        var restored = Assert.Single(RemediationPlanner.PlanRestores(Shifted(), frozen, history, T0.AddMinutes(45)));

        Assert.Equal(DecisionOutcome.HeldBack, held.Decision.Outcome);
        Assert.Equal(Guards.FreezeWindow, held.Decision.Guard);
        Assert.Equal("canary_recovered", held.Decision.Finding);
        Assert.Contains("'month-end'", held.Decision.Reason, StringComparison.Ordinal);
        Assert.Contains("tried again on a later window", held.Decision.Reason, StringComparison.Ordinal);
        Assert.Empty(quiet);
        Assert.True(restored.IsActionable);
        Assert.Equal(held.Decision.IdempotencyKey, restored.Decision.IdempotencyKey);
        Assert.NotEqual(held.Decision.DecisionId, restored.Decision.DecisionId);
        Assert.Empty(history.Shifts);
    }

    [Fact]
    public void PlanRestores_RateLimitUsedUp_IsAuditedHeldBackByTheRateLimit()
    {
        var history = ShiftAt(T0, out var finding);
        history.NoteResolved(finding.Anomalies[0].AnomalyId, T0.AddMinutes(3));
        var limited = Restoring with { Guards = Restoring.Guards with { RateLimit = new RateLimit(1, TimeSpan.FromHours(1)) } };

        var held = Assert.Single(RemediationPlanner.PlanRestores(Shifted(), limited, history, T0.AddMinutes(20)));

        Assert.Equal(DecisionOutcome.HeldBack, held.Decision.Outcome);
        Assert.Equal(Guards.RateLimit, held.Decision.Guard);
        Assert.Single(history.Shifts);
        Assert.Empty(RemediationPlanner.PlanRestores(Shifted(), limited, history, T0.AddMinutes(25)));
    }

    [Fact]
    public void PlanRestores_BeforeTheHoldOrBeforeRecovery_WaitsAndKeepsTheShift()
    {
        var history = ShiftAt(T0, out var finding);

        Assert.Empty(RemediationPlanner.PlanRestores(Shifted(), Restoring, history, T0.AddMinutes(20)));
        history.NoteResolved(finding.Anomalies[0].AnomalyId, T0.AddMinutes(3));
        Assert.Empty(RemediationPlanner.PlanRestores(Shifted(), Restoring, history, T0.AddMinutes(10)));
        Assert.Single(history.Shifts);
    }

    [Fact]
    public void PlanRestores_WeightsChangedByAHuman_AreNotTouched()
    {
        var history = ShiftAt(T0, out var finding);
        history.NoteResolved(finding.Anomalies[0].AnomalyId, T0.AddMinutes(3));

        var d = Assert.Single(RemediationPlanner.PlanRestores(Shifted(50, 50), Restoring, history, T0.AddMinutes(20)));

        Assert.False(d.IsActionable);
        Assert.Equal(Guards.HumanOverride, d.Decision.Guard);
        Assert.Empty(history.Shifts);
    }

    [Fact]
    public void PlanRestores_WithoutRestoreOnRecovery_NeverRestores()
    {
        var history = new ActionHistory();
        var finding = Canary(T0);
        RemediationPlanner.Plan([finding], ClusterOf(), PolicyWith(), history, AllLive(T0), T0);
        history.NoteResolved(finding.Anomalies[0].AnomalyId, T0.AddMinutes(1));

        Assert.Empty(RemediationPlanner.PlanRestores(Shifted(), PolicyWith(), history, T0.AddHours(1)));
    }
}
