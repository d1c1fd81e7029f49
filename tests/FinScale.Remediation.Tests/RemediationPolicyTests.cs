using FinScale.Contracts;
using FinScale.Remediation;

namespace FinScale.Remediation.Tests;

public class RemediationPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 4, 55, 0, TimeSpan.Zero);

    private static Anomaly PodAnomaly(string pod = "checkout-1", string? ns = "payments", DateTimeOffset? at = null, string id = "a1")
    {
        var attrs = new Dictionary<string, string> { [WellKnownAttributes.PodName] = pod };
        if (ns is not null)
            attrs[WellKnownAttributes.Namespace] = ns;
        return new Anomaly(id, SeriesKey.Create("latency", attrs).Text, "latency", attrs, at ?? T0, 800, 120, 1, 70, "robust-zscore");
    }

    [Fact]
    public void Decide_PodSeries_RecommendsRestartOfThatPodInShadow()
    {
        var d = RemediationPolicy.Decide(PodAnomaly(), new ActionHistory(), new PolicyOptions(), T0);

        Assert.Equal(ActionKind.RestartPod, d.Action);
        Assert.Equal(new ActionTarget("payments", "Pod", "checkout-1"), d.Target);
        Assert.Equal(ExecutionMode.Shadow, d.Mode);
        Assert.Equal(DecisionOutcome.Recommended, d.Outcome);
        Assert.Null(d.Guard);
        Assert.Equal(T0, d.EventTime);
        Assert.Contains("restart the pod", d.Reason, StringComparison.Ordinal);
        Assert.Equal("a1", d.Anomaly.AnomalyId);
        Assert.NotEmpty(d.DecisionId);
    }

    [Fact]
    public void Decide_SeriesWithoutPod_IsAuditedAsNoAction()
    {
        var a = PodAnomaly() with { Attributes = new Dictionary<string, string>() };
        var d = RemediationPolicy.Decide(a, new ActionHistory(), new PolicyOptions(), T0);
        Assert.Equal(ActionKind.None, d.Action);
        Assert.Null(d.Target);
        Assert.Equal(DecisionOutcome.NoAction, d.Outcome);
        Assert.Contains("names no pod", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_PodWithoutNamespace_UsesTheDefaultNamespace()
    {
        var d = RemediationPolicy.Decide(PodAnomaly(ns: null), new ActionHistory(), new PolicyOptions { DefaultNamespace = "prod" }, T0);
        Assert.Equal("prod", d.Target!.Namespace);
    }

    [Fact]
    public void Decide_WithinCooldownOfAnEarlierAction_IsHeldBackByCooldown()
    {
        var history = new ActionHistory();
        var options = new PolicyOptions { Cooldown = TimeSpan.FromMinutes(15) };
        history.Record(RemediationPolicy.Decide(PodAnomaly(id: "a1"), history, options, T0));

        var later = T0.AddMinutes(10);
        var d = RemediationPolicy.Decide(PodAnomaly(id: "a2", at: later), history, options, later);
        Assert.Equal(DecisionOutcome.HeldBack, d.Outcome);
        Assert.Equal(Guards.Cooldown, d.Guard);

        var afterCooldown = T0.AddMinutes(16);
        var e = RemediationPolicy.Decide(PodAnomaly(id: "a3", at: afterCooldown), history, options, afterCooldown);
        Assert.Equal(DecisionOutcome.Recommended, e.Outcome);
    }

    [Fact]
    public void Decide_HeldBackDecision_DoesNotStartACooldown()
    {
        var history = new ActionHistory();
        var options = new PolicyOptions { Cooldown = TimeSpan.FromMinutes(15) };
        history.Record(RemediationPolicy.Decide(PodAnomaly(id: "a1"), history, options, T0));
        history.Record(RemediationPolicy.Decide(PodAnomaly(id: "a2", at: T0.AddMinutes(14)), history, options, T0.AddMinutes(14)));
        var d = RemediationPolicy.Decide(PodAnomaly(id: "a3", at: T0.AddMinutes(16)), history, options, T0.AddMinutes(16));
        Assert.Equal(DecisionOutcome.Recommended, d.Outcome);
    }

    [Fact]
    public void Decide_SameAnomalyAgain_IsHeldBackAsDuplicate()
    {
        var history = new ActionHistory();
        var options = new PolicyOptions { Cooldown = TimeSpan.Zero };
        history.Record(RemediationPolicy.Decide(PodAnomaly(), history, options, T0));
        var again = RemediationPolicy.Decide(PodAnomaly(), history, options, T0);
        Assert.Equal(Guards.Duplicate, again.Guard);
    }

    [Fact]
    public void Decide_SameInputs_GiveTheSameIds()
    {
        var a = RemediationPolicy.Decide(PodAnomaly(), new ActionHistory(), new PolicyOptions(), T0);
        var b = RemediationPolicy.Decide(PodAnomaly(), new ActionHistory(), new PolicyOptions(), T0);
        Assert.Equal(a.DecisionId, b.DecisionId);
        Assert.Equal(a.IdempotencyKey, b.IdempotencyKey);
        var other = RemediationPolicy.Decide(PodAnomaly(pod: "checkout-2"), new ActionHistory(), new PolicyOptions(), T0);
        Assert.NotEqual(a.IdempotencyKey, other.IdempotencyKey);
    }

    [Fact]
    public void Decide_ModeOverridePerActionKind_IsRecorded()
    {
        var options = new PolicyOptions { Modes = { [ActionKind.RestartPod] = ExecutionMode.DryRun } };
        Assert.Equal(ExecutionMode.DryRun, RemediationPolicy.Decide(PodAnomaly(), new ActionHistory(), options, T0).Mode);
    }
}
