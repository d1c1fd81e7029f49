using System.Globalization;
using System.Text;
using FinScale.Contracts;

namespace FinScale.Remediation.Reporting;

/// <summary>
/// The evidence a team reads before promoting an action kind from shadow to enforce, built from the audit trail and
/// the anomaly episodes: per action kind, what was recommended, executed or held back (by which guard), and how
/// many of the recommendations that were not carried out turned out unnecessary because the anomaly recovered on
/// its own within the recovery window.
/// </summary>
public sealed class PromotionReport
{
    private PromotionReport(IReadOnlyList<ActionKindEvidence> kinds, int decisions, int noAction, TimeSpan window)
    {
        Kinds = kinds;
        Decisions = decisions;
        NoAction = noAction;
        RecoveryWindow = window;
    }

    /// <summary>Evidence per action kind, in enum order, for kinds that appear.</summary>
    public IReadOnlyList<ActionKindEvidence> Kinds { get; }

    /// <summary>Decisions read.</summary>
    public int Decisions { get; }

    /// <summary>Decisions that called for no action.</summary>
    public int NoAction { get; }

    /// <summary>How long after a decision its anomaly may resolve and count as "recovered on its own".</summary>
    public TimeSpan RecoveryWindow { get; }

    /// <summary>
    /// Builds the report. A recommendation that was not carried out (recorded in shadow mode, or sent as a dry run)
    /// counts as recovered on its own when a resolution of its episode (same anomaly id) came at most
    /// <paramref name="recoveryWindow"/> after the decision: the action would have been unnecessary. Held-back, blocked
    /// and failed decisions are counted by outcome (and held-back ones by guard) but are not that base: they are not
    /// what promoting the action kind would have carried out. Decisions repeated on the topic (redelivery) count once.
    /// </summary>
    public static PromotionReport Build(IEnumerable<RemediationDecision> decisions, IEnumerable<Anomaly> anomalies, TimeSpan recoveryWindow)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(anomalies);
        var resolvedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var a in anomalies)
        {
            if (a.State == AnomalyState.Resolved && (!resolvedAt.TryGetValue(a.AnomalyId, out var t) || a.EventTime < t))
                resolvedAt[a.AnomalyId] = a.EventTime;
        }

        var unique = decisions.DistinctBy(d => d.DecisionId, StringComparer.Ordinal).ToList();
        var kinds = unique.Where(d => d.Action is not (ActionKind.None or ActionKind.Unknown))
            .GroupBy(d => d.Action)
            .OrderBy(g => g.Key)
            .Select(g => Evidence(g.Key, g.ToList(), resolvedAt, recoveryWindow))
            .ToList();
        return new PromotionReport(kinds, unique.Count, unique.Count(d => d.Action == ActionKind.None), recoveryWindow);
    }

    private static ActionKindEvidence Evidence(ActionKind kind, List<RemediationDecision> ds, Dictionary<string, DateTimeOffset> resolvedAt, TimeSpan window)
    {
        int Count(DecisionOutcome o) => ds.Count(d => d.Outcome == o);
        var notRun = ds.Where(d => d.Outcome is DecisionOutcome.Recommended or DecisionOutcome.DryRun).ToList();
        var recovered = notRun.Count(d => resolvedAt.TryGetValue(d.Anomaly.AnomalyId, out var t) && t >= d.Anomaly.EventTime && t - d.EventTime <= window);
        var guards = ds.Where(d => d.Outcome == DecisionOutcome.HeldBack && d.Guard is not null)
            .GroupBy(d => d.Guard!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new ActionKindEvidence(
            kind,
            Recommended: Count(DecisionOutcome.Recommended),
            DryRun: Count(DecisionOutcome.DryRun),
            Executed: Count(DecisionOutcome.Executed),
            Failed: Count(DecisionOutcome.Failed),
            Blocked: Count(DecisionOutcome.Blocked),
            HeldBack: Count(DecisionOutcome.HeldBack),
            HeldBackBy: guards,
            RecoveredOnTheirOwn: recovered,
            NotCarriedOut: notRun.Count);
    }

    /// <summary>The report as text: a table per action kind and the guards that held actions back.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine(ci, $"decisions: {Decisions} ({NoAction} without action); recovery window {RecoveryWindow:g}");
        sb.AppendLine(ci, $"{"action",-20} {"recommended",11} {"dry_run",8} {"executed",8} {"failed",6} {"blocked",7} {"held_back",9} {"recovered_alone",15}");
        foreach (var k in Kinds)
        {
            var share = k.NotCarriedOut == 0 ? "-" : (k.RecoveredOnTheirOwn / (double)k.NotCarriedOut).ToString("P0", ci);
            sb.AppendLine(ci, $"{Symbol(k.Action),-20} {k.Recommended,11} {k.DryRun,8} {k.Executed,8} {k.Failed,6} {k.Blocked,7} {k.HeldBack,9} {$"{k.RecoveredOnTheirOwn} ({share})",15}");
        }

        foreach (var k in Kinds.Where(k => k.HeldBackBy.Count > 0))
            sb.AppendLine(ci, $"held back {Symbol(k.Action)}: {string.Join(", ", k.HeldBackBy.Select(g => $"{g.Key} {g.Value}"))}");
        return sb.ToString();
    }

    private static string Symbol(ActionKind kind)
    {
        var name = kind.ToString();
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
                sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}

/// <summary>What the audit shows for one action kind.</summary>
/// <param name="Action">The action kind.</param>
/// <param name="Recommended">Decided in shadow mode.</param>
/// <param name="DryRun">Sent with dryRun=All.</param>
/// <param name="Executed">Carried out.</param>
/// <param name="Failed">Attempted and failed.</param>
/// <param name="Blocked">Refused by the cluster for a protective reason.</param>
/// <param name="HeldBack">Held back by a guard.</param>
/// <param name="HeldBackBy">Held back, per guard.</param>
/// <param name="RecoveredOnTheirOwn">Recommendations not carried out (shadow or dry-run) whose anomaly recovered within the window: actions that would have been unnecessary.</param>
/// <param name="NotCarriedOut">Shadow and dry-run recommendations, the base of <paramref name="RecoveredOnTheirOwn"/>.</param>
public sealed record ActionKindEvidence(
    ActionKind Action,
    int Recommended,
    int DryRun,
    int Executed,
    int Failed,
    int Blocked,
    int HeldBack,
    IReadOnlyDictionary<string, int> HeldBackBy,
    int RecoveredOnTheirOwn,
    int NotCarriedOut);
