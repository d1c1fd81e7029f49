using System.Globalization;
using FinScale.Contracts;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Policy;

namespace FinScale.Remediation.Planning;

/// <summary>
/// Findings → decisions: the first policy rule that matches a finding picks the action, the action is planned per
/// target, and the guards decide whether it may run. Pure apart from <see cref="ActionHistory"/>, which it updates
/// as it decides (so two actions of one window meet each other's budgets); it does no I/O and reads no clock.
/// Every action let through is recorded whatever its mode, so a shadow run meets exactly the guards an enforced one would.
/// </summary>
public static class RemediationPlanner
{
    /// <summary>The annotation that keeps FinScale's hands off an object (pod, deployment, node, VirtualService).</summary>
    public const string ProtectedAnnotation = "finscale.io/protected";

    /// <summary>The annotation FinScale leaves on a node it cordons (written by the cordon executor).</summary>
    public const string CordonedByAnnotation = "finscale.io/cordoned-by";

    /// <summary>Decides what to do about <paramref name="findings"/> at event time <paramref name="now"/>.</summary>
    public static IReadOnlyList<PlannedDecision> Plan(
        IReadOnlyList<Finding> findings,
        ClusterView cluster,
        RemediationPolicyDocument policy,
        ActionHistory history,
        ISeriesLiveness liveness,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(liveness);

        var g = policy.Guards;
        history.Prune(now, Max(g.Cooldown, g.RateLimit.Per));

        // A node the view shows schedulable again although it carries FinScale's cordon mark was uncordoned by someone:
        // it no longer counts against the cordon limit (the human-override guard keeps FinScale from cordoning it again).
        // A schedulable node without the mark is a view that has not caught up with the cordon yet.
        foreach (var node in history.CordonedNodes.ToList())
        {
            if (cluster.Node(node) is { Unschedulable: false } n && n.Annotations.ContainsKey(CordonedByAnnotation))
                history.ForgetCordon(node);
        }

        var decisions = new List<PlannedDecision>();
        foreach (var finding in findings)
        {
            var rule = policy.Rules.FirstOrDefault(r => Matches(r, finding));
            if (rule is null)
            {
                decisions.Add(NoAction(finding, null, now, $"{finding.Reason}; no policy rule acts on a {Name(finding.Kind)} finding like this one"));
                continue;
            }

            if (rule.Action == ActionKind.None)
            {
                decisions.Add(NoAction(finding, rule, now, $"{finding.Reason}; rule '{rule.Name}' records it without acting"));
                continue;
            }

            foreach (var step in Steps(finding, rule, cluster, now))
            {
                if (step.Refusal is { } refusal)
                {
                    decisions.Add(NoAction(finding, rule, now, $"{finding.Reason}; {refusal}"));
                    continue;
                }

                decisions.Add(Guard(step, finding, rule, cluster, policy, history, liveness, now));
            }
        }

        return decisions;
    }

    /// <summary>The key that makes an action happen at most once per anomaly episode and target.</summary>
    public static string IdempotencyKey(Anomaly episode, ActionKind action, ActionTarget target)
    {
        ArgumentNullException.ThrowIfNull(episode);
        ArgumentNullException.ThrowIfNull(target);
        return StableIds.Of(episode.AnomalyId, action.ToString(), target.ToString());
    }

    private static bool Matches(PolicyRule rule, Finding finding)
    {
        if (rule.Finding != finding.Kind || finding.MaxScore < rule.MinScore || finding.Anomalies.Count < rule.MinAnomalies)
            return false;
        if (rule.Namespaces.Count > 0 && !rule.Namespaces.Contains(finding.Namespace, StringComparer.Ordinal))
            return false;
        return rule.Metrics.Count == 0 || finding.Anomalies.Any(a => rule.Metrics.Any(m => Glob.IsMatch(m, a.Metric)));
    }

    /// <summary>One action on one target, with the anomalies that are its evidence; or why it cannot be planned.</summary>
    private sealed record Step(
        ActionKind Action,
        ActionTarget Target,
        IReadOnlyList<Anomaly> Evidence,
        string Why,
        string? Workload = null,
        int? Replicas = null,
        IReadOnlyDictionary<string, int>? Weights = null,
        string? Refusal = null,
        IReadOnlyDictionary<string, int>? Original = null);

    private static IEnumerable<Step> Steps(Finding f, PolicyRule rule, ClusterView cluster, DateTimeOffset now)
    {
        var ns = f.Namespace;
        switch (rule.Action)
        {
            case ActionKind.RestartPod:
                if (f.Pods.Count == 0)
                {
                    yield return Refused(rule, $"rule '{rule.Name}' restarts pods, but the finding names none");
                    yield break;
                }

                foreach (var pod in f.Pods)
                {
                    var info = cluster.Pod(ns, pod);
                    var evidence = f.Anomalies.Where(a => a.Attribute(WellKnownAttributes.PodName) == pod).ToList();
                    var workload = info?.Workload ?? f.Workload;
                    yield return new Step(ActionKind.RestartPod, new ActionTarget(ns, "Pod", pod), evidence.Count > 0 ? evidence : f.Anomalies,
                        $"restart pod {ns}/{pod}", workload is null ? null : $"{ns}/{workload}",
                        Refusal: info is null && cluster.Known ? $"pod {ns}/{pod} no longer exists, nothing to restart" : null);
                }

                yield break;

            case ActionKind.RestartDeployment:
            case ActionKind.Scale:
                if (f.Workload is null)
                {
                    yield return Refused(rule, $"rule '{rule.Name}' acts on a deployment, but the finding names none");
                    yield break;
                }

                var w = cluster.Workload(ns, f.Workload);
                var target = new ActionTarget(ns, "Deployment", f.Workload);
                if (rule.Action == ActionKind.RestartDeployment && (w is not null || !cluster.Known))
                {
                    yield return new Step(ActionKind.RestartDeployment, target, f.Anomalies, $"rolling restart of deployment {ns}/{f.Workload}");
                    yield break;
                }

                if (w is null)
                {
                    yield return Refused(rule, cluster.Known
                        ? $"deployment {ns}/{f.Workload} is not in the cluster"
                        : $"the cluster view is unavailable, so the replica count of deployment {ns}/{f.Workload} is unknown");
                    yield break;
                }

                var p = rule.Parameters;
                if (f.DesiredReplicas is { } forecast)
                {
                    // Pre-scaling: the forecast's count, up or down, capped by the rule's max_replicas.
                    var to = Math.Min(p.MaxReplicas, Math.Max(1, forecast));
                    if (to == w.Replicas)
                    {
                        yield return Refused(rule, string.Create(CultureInfo.InvariantCulture,
                            $"deployment {ns}/{f.Workload} already runs {w.Replicas} replicas, the forecast's {forecast} capped at the rule's max_replicas {p.MaxReplicas}"));
                        yield break;
                    }

                    yield return new Step(ActionKind.Scale, target, f.Anomalies,
                        string.Create(CultureInfo.InvariantCulture, $"scale deployment {ns}/{f.Workload} from {w.Replicas} to {to} replicas ahead of the forecast load"), Replicas: to);
                    yield break;
                }

                var desired = Math.Min(p.MaxReplicas, Math.Max(w.Replicas + p.MinAdded, (int)Math.Ceiling(w.Replicas * p.ScaleFactor)));
                if (desired <= w.Replicas)
                {
                    yield return Refused(rule, string.Create(CultureInfo.InvariantCulture,
                        $"deployment {ns}/{f.Workload} already runs {w.Replicas} replicas, at or above the rule's max_replicas {p.MaxReplicas}"));
                    yield break;
                }

                yield return new Step(ActionKind.Scale, target, f.Anomalies,
                    string.Create(CultureInfo.InvariantCulture, $"scale deployment {ns}/{f.Workload} from {w.Replicas} to {desired} replicas"), Replicas: desired);
                yield break;

            case ActionKind.CordonNode:
                if (f.Node is null)
                {
                    yield return Refused(rule, $"rule '{rule.Name}' cordons a node, but the finding names none");
                    yield break;
                }

                if (cluster.Known && cluster.Node(f.Node) is null)
                {
                    yield return Refused(rule, $"node {f.Node} is unknown to the cluster");
                    yield break;
                }

                yield return new Step(ActionKind.CordonNode, new ActionTarget(string.Empty, "Node", f.Node), f.Anomalies, $"cordon node {f.Node}");
                yield break;

            case ActionKind.ShiftTraffic:
                if (f.Canary is not { } canary)
                {
                    yield return Refused(rule, $"rule '{rule.Name}' shifts traffic, but the finding names no canary route");
                    yield break;
                }

                var vs = cluster.VirtualServices.FirstOrDefault(v => v.Namespace == ns && v.Name == canary.VirtualService);
                var vsTarget = new ActionTarget(ns, "VirtualService", canary.VirtualService);
                if (vs is null)
                {
                    yield return Refused(rule, cluster.Known
                        ? $"VirtualService {ns}/{canary.VirtualService} is not in the cluster"
                        : $"the cluster view is unavailable, so the routes of VirtualService {ns}/{canary.VirtualService} are unknown");
                    yield break;
                }

                var subsets = vs.Routes.Select(r => r.Subset).Distinct(StringComparer.Ordinal).ToList();
                if (!subsets.Contains(canary.CanarySubset) || !subsets.Contains(canary.StableSubset))
                {
                    yield return Refused(rule, $"VirtualService {ns}/{canary.VirtualService} has no subsets '{canary.CanarySubset}' and '{canary.StableSubset}' to shift between");
                    yield break;
                }

                var cw = rule.Parameters.CanaryWeight;
                var weights = subsets.ToDictionary(s => s, s => s == canary.CanarySubset ? cw : s == canary.StableSubset ? 100 - cw : 0, StringComparer.Ordinal);
                yield return new Step(ActionKind.ShiftTraffic, vsTarget, f.Anomalies,
                    string.Create(CultureInfo.InvariantCulture, $"shift VirtualService {ns}/{canary.VirtualService} to {canary.StableSubset} {100 - cw} / {canary.CanarySubset} {cw}"),
                    Weights: weights,
                    Original: WeightsOf(vs));
                yield break;

            default:
                yield return Refused(rule, $"rule '{rule.Name}' names action {rule.Action}, which this version cannot plan");
                yield break;
        }
    }

    private static Step Refused(PolicyRule rule, string why) =>
        new(rule.Action, new ActionTarget(string.Empty, "-", "-"), [], why, Refusal: why);

    private static PlannedDecision Guard(
        Step step, Finding f, PolicyRule rule, ClusterView cluster, RemediationPolicyDocument policy, ActionHistory history, ISeriesLiveness liveness, DateTimeOffset now)
    {
        var g = policy.Guards;
        var episode = step.Evidence.OrderBy(a => a.EventTime).ThenBy(a => a.AnomalyId, StringComparer.Ordinal).First();
        var key = IdempotencyKey(episode, step.Action, step.Target);
        var why = $"{f.Reason}; {step.Why}";

        PlannedDecision Held(string guard, string because)
        {
            history.RecordKey(key, now);
            return Make(f, rule, policy, step, key, now, DecisionOutcome.HeldBack, guard, $"{why}; held back by {guard}: {because}");
        }

        if (history.Contains(key))
            return Make(f, rule, policy, step, key, now, DecisionOutcome.HeldBack, Guards.Duplicate, $"{why}; held back by {Guards.Duplicate}: this episode was already decided for {step.Target}");

        var ns = step.Target.Namespace;
        if (ns.Length > 0 && !g.AllowedNamespaces.Contains(ns, StringComparer.Ordinal))
        {
            return Held(Guards.Namespace, g.AllowedNamespaces.Count == 0
                ? "the policy allows no namespace (guards.allowed_namespaces is empty)"
                : $"namespace {ns} is not in guards.allowed_namespaces");
        }

        if (ns.Length == 0)
        {
            // A cluster-scoped target (a node) has no namespace of its own, but a cordon acts for the pods that are its
            // evidence: it may go ahead only when every one of their namespaces is allowed (an empty list allows none).
            if (g.AllowedNamespaces.Count == 0)
                return Held(Guards.Namespace, "the policy allows no namespace (guards.allowed_namespaces is empty)");
            var scopes = EvidenceNamespaces(f, step);
            var outside = scopes.Where(n => !g.AllowedNamespaces.Contains(n, StringComparer.Ordinal)).ToList();
            if (scopes.Count == 0)
                return Held(Guards.Namespace, $"the namespaces of the pods behind {step.Target} are unknown, so guards.allowed_namespaces cannot be checked");
            if (outside.Count > 0)
                return Held(Guards.Namespace, $"{step.Target} is acted on for pods in namespace(s) {string.Join(", ", outside)}, not in guards.allowed_namespaces");
        }

        if (ProtectedObject(step, f, cluster) is { } guarded)
            return Held(Guards.Protected, $"{guarded} is annotated {ProtectedAnnotation}=true");

        if (FreezeWindows.OpenAt(g.FreezeWindows, now, step.Action) is { } freeze)
            return Held(Guards.FreezeWindow, $"change freeze '{freeze.Name}' is in force");

        if (Silent(step.Evidence, liveness, now, g.StaleAfter) is { } s)
        {
            return Held(Guards.NoData, s.Last is { } last
                ? string.Create(CultureInfo.InvariantCulture, $"{s.Series} has not reported for {now - last:g} (stale after {g.StaleAfter:g}); no data is not a reason to act")
                : $"{s.Series} has no data; no data is not a reason to act");
        }

        if (HumanOverride(step, cluster, history) is { } overridden)
            return Held(Guards.HumanOverride, overridden);

        if (history.LastActedOn(step.Target) is { } lastActed && now - lastActed < g.Cooldown)
            return Held(Guards.Cooldown, string.Create(CultureInfo.InvariantCulture, $"{step.Target} was acted on {now - lastActed:g} ago, cooldown is {g.Cooldown:g}"));

        var recent = history.ActionsSince(now - g.RateLimit.Per);
        if (recent >= g.RateLimit.Actions)
            return Held(Guards.RateLimit, string.Create(CultureInfo.InvariantCulture, $"{recent} actions in the last {g.RateLimit.Per:g}, the limit is {g.RateLimit.Actions}"));

        if (step.Action == ActionKind.RestartPod && step.Workload is { } workload)
        {
            var parts = workload.Split('/', 2);
            var pods = cluster.PodsOf(parts[0], parts[1]).Count();
            var size = Math.Max(pods, cluster.Workload(parts[0], parts[1])?.Replicas ?? 0);
            var allowed = Math.Max(1, (int)Math.Floor(g.MaxWorkloadShare * size));
            var restarted = history.PodsRestartedSince(workload, now - g.Cooldown);
            if (restarted + 1 > allowed)
            {
                return Held(Guards.WorkloadShare, string.Create(CultureInfo.InvariantCulture,
                    $"{restarted} of {size} pods of {workload} already restarted within {g.Cooldown:g}; at most {allowed} ({g.MaxWorkloadShare:P0}) at once"));
            }
        }

        if (step.Action == ActionKind.CordonNode)
        {
            var cordoned = cluster.Nodes.Where(n => n.Unschedulable).Select(n => n.Name)
                .Union(history.CordonedNodes, StringComparer.Ordinal).Count();
            // Without a cluster view the share cannot be computed; the absolute limit still holds.
            var byShare = cluster.Known ? (int)Math.Floor(g.MaxCordonedShare * cluster.Nodes.Count) : int.MaxValue;
            var allowed = Math.Min(g.MaxCordonedNodes, byShare);
            if (cordoned + 1 > allowed)
            {
                return Held(Guards.CordonLimit, string.Create(CultureInfo.InvariantCulture,
                    $"{cordoned} of {cluster.Nodes.Count} nodes are cordoned; at most {allowed} may be (max_cordoned_nodes {g.MaxCordonedNodes}, max_cordoned_share {g.MaxCordonedShare:P0})"));
            }
        }

        history.RecordAction(key, step.Target, step.Action, now, step.Workload, step.Weights);
        if (step.Action == ActionKind.ShiftTraffic && rule.Parameters.RestoreOnRecovery && step.Original is { } original && step.Weights is { } set)
        {
            history.RecordShift(new ShiftRecord(key, step.Target, original, set, f.Anomalies.Select(a => a.AnomalyId).ToHashSet(StringComparer.Ordinal),
                episode, now, rule.Parameters.EffectiveRestoreAfter, rule.Name));
        }

        return Make(f, rule, policy, step, key, now, DecisionOutcome.Recommended, null, why);
    }

    /// <summary>
    /// The first of the evidence's series when none of them has reported within <paramref name="staleAfter"/> (no data is
    /// not a reason to act), else null. Looks series up only until one is live: a surge's finding holds a series per pod.
    /// </summary>
    private static (string Series, DateTimeOffset? Last)? Silent(IReadOnlyList<Anomaly> evidence, ISeriesLiveness liveness, DateTimeOffset now, TimeSpan staleAfter)
    {
        (string Series, DateTimeOffset? Last)? first = null;
        foreach (var series in evidence.Select(a => a.Series).Distinct(StringComparer.Ordinal))
        {
            var last = liveness.LastSeen(series);
            if (last is { } seen && now - seen <= staleAfter)
                return null;
            first ??= (series, last);
        }

        return first;
    }

    /// <summary>
    /// Restores the traffic shifts whose canary recovered: every anomaly behind the shift has ended and the shift's
    /// <c>restore_after</c> has passed. A VirtualService whose weights someone changed since the shift is left as it is
    /// (held back by the human-override guard); namespace, protection, freeze windows and the rate limit apply as to any action.
    /// </summary>
    public static IReadOnlyList<PlannedDecision> PlanRestores(ClusterView cluster, RemediationPolicyDocument policy, ActionHistory history, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(history);
        var g = policy.Guards;
        var decisions = new List<PlannedDecision>();
        foreach (var shift in history.Shifts.Where(s => s.Recovered && now - s.At >= s.RestoreAfter).ToList())
        {
            var t = shift.Target;
            var key = StableIds.Of(shift.Key, "restore");
            var step = new Step(ActionKind.ShiftTraffic, t, [shift.Anomaly],
                $"the canary recovered (all {shift.AnomalyIds.Count} anomalies behind the shift ended); restore VirtualService {t.Namespace}/{t.Name} to {Describe(shift.Original)}",
                Weights: shift.Original);
            var finding = new Finding(FindingKind.CanaryRegression, t.Namespace, null, null, [], null, null, [], [shift.Anomaly], "canary recovered");
            var rule = new PolicyRule(shift.Rule, FindingKind.CanaryRegression, ActionKind.ShiftTraffic, 0, 0, [], [], new ActionParameters());

            PlannedDecision Decide(DecisionOutcome outcome, string? guard, string? because, bool final = true)
            {
                if (final)
                    history.RecordKey(key, now);
                var reason = guard is null ? step.Why : $"{step.Why}; held back by {guard}: {because}";
                var made = Make(finding, rule, policy, step, key, now, outcome, guard, reason);
                return made with { Decision = made.Decision with { Finding = "canary_recovered", Anomalies = [new AnomalyRef(shift.Anomaly.AnomalyId, shift.Anomaly.Series, shift.Anomaly.TraceId, shift.Anomaly.SpanId)] } };
            }

            if (history.Contains(key))
            {
                history.ForgetShift(shift);
                continue;
            }

            var vs = cluster.VirtualServices.FirstOrDefault(v => v.Namespace == t.Namespace && v.Name == t.Name);
            if (cluster.Known && vs is null)
            {
                history.ForgetShift(shift);
                var gone = Decide(DecisionOutcome.NoAction, null, null);
                decisions.Add(gone with
                {
                    Decision = gone.Decision with { Action = ActionKind.None, Reason = $"{step.Why}; VirtualService {t.Namespace}/{t.Name} is gone, nothing to restore" },
                });
                continue;
            }

            if (vs is not null && !SameWeights(WeightsOf(vs), shift.Set))
            {
                history.ForgetShift(shift);
                decisions.Add(Decide(DecisionOutcome.HeldBack, Guards.HumanOverride,
                    $"its weights are {Describe(WeightsOf(vs))}, not the {Describe(shift.Set)} FinScale set; a human's change is not undone"));
                continue;
            }

            if (!g.AllowedNamespaces.Contains(t.Namespace, StringComparer.Ordinal))
            {
                history.ForgetShift(shift);
                decisions.Add(Decide(DecisionOutcome.HeldBack, Guards.Namespace, $"namespace {t.Namespace} is not in guards.allowed_namespaces"));
                continue;
            }

            if (ProtectedObject(step, finding, cluster) is { } guarded)
            {
                history.ForgetShift(shift);
                decisions.Add(Decide(DecisionOutcome.HeldBack, Guards.Protected, $"{guarded} is annotated {ProtectedAnnotation}=true"));
                continue;
            }

            // A freeze or a used-up rate limit only delays a restore: it stays pending and is tried on a later window. The
            // delay is audited (held back, naming the guard) when it starts or its guard changes, not on every window.
            var recent = history.ActionsSince(now - g.RateLimit.Per);
            var deferral = FreezeWindows.OpenAt(g.FreezeWindows, now, ActionKind.ShiftTraffic) is { } freeze
                ? (Guard: Guards.FreezeWindow, Because: $"change freeze '{freeze.Name}' is in force")
                : recent >= g.RateLimit.Actions
                    ? (Guard: Guards.RateLimit, Because: string.Create(CultureInfo.InvariantCulture, $"{recent} actions in the last {g.RateLimit.Per:g}, the limit is {g.RateLimit.Actions}"))
                    : default;
            if (deferral.Guard is not null)
            {
                if (!string.Equals(shift.DeferredBy, deferral.Guard, StringComparison.Ordinal))
                {
                    shift.DeferredBy = deferral.Guard;
                    decisions.Add(Decide(DecisionOutcome.HeldBack, deferral.Guard, deferral.Because + "; the restore stays pending and is tried again on a later window", final: false));
                }

                continue;
            }

            history.ForgetShift(shift);
            history.RecordAction(key, t, ActionKind.ShiftTraffic, now, weights: shift.Original);
            decisions.Add(Decide(DecisionOutcome.Recommended, null, null));
        }

        return decisions;
    }

    private static IReadOnlyDictionary<string, int> WeightsOf(VirtualServiceInfo vs) =>
        vs.Routes.GroupBy(r => r.Subset, StringComparer.Ordinal).ToDictionary(x => x.Key, x => x.Sum(r => r.Weight), StringComparer.Ordinal);

    private static bool SameWeights(IReadOnlyDictionary<string, int> a, IReadOnlyDictionary<string, int> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var w) && w == kv.Value);

    private static string Describe(IReadOnlyDictionary<string, int> weights) =>
        string.Join(" / ", weights.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value}")));

    private static string? ProtectedObject(Step step, Finding f, ClusterView cluster)
    {
        static bool Marked(IReadOnlyDictionary<string, string>? annotations) =>
            annotations is not null && annotations.TryGetValue(ProtectedAnnotation, out var v) && v.Equals("true", StringComparison.OrdinalIgnoreCase);

        var t = step.Target;
        switch (step.Action)
        {
            case ActionKind.RestartPod:
                var pod = cluster.Pod(t.Namespace, t.Name);
                if (Marked(pod?.Annotations))
                    return $"pod {t.Namespace}/{t.Name}";
                if (pod?.Workload is { } owner && Marked(cluster.Workload(t.Namespace, owner)?.Annotations))
                    return $"deployment {t.Namespace}/{owner}";
                if (pod?.Node is { } node && Marked(cluster.Node(node)?.Annotations))
                    return $"node {node}";
                return null;
            case ActionKind.RestartDeployment or ActionKind.Scale:
                return Marked(cluster.Workload(t.Namespace, t.Name)?.Annotations) ? $"deployment {t.Namespace}/{t.Name}" : null;
            case ActionKind.CordonNode:
                return Marked(cluster.Node(t.Name)?.Annotations) ? $"node {t.Name}" : null;
            case ActionKind.ShiftTraffic:
                var vs = cluster.VirtualServices.FirstOrDefault(v => v.Namespace == t.Namespace && v.Name == t.Name);
                if (Marked(vs?.Annotations))
                    return $"VirtualService {t.Namespace}/{t.Name}";
                return f.Workload is { } w && Marked(cluster.Workload(t.Namespace, w)?.Annotations) ? $"deployment {t.Namespace}/{w}" : null;
            default:
                return null;
        }
    }

    /// <summary>The namespaces of the pods a finding rests on: its pods (<c>namespace/name</c>) and its anomalies' namespace attribute.</summary>
    private static List<string> EvidenceNamespaces(Finding f, Step step)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pod in f.Pods)
        {
            var slash = pod.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
                names.Add(pod[..slash]);
        }

        foreach (var a in step.Evidence.Count > 0 ? step.Evidence : f.Anomalies)
        {
            if (a.Attribute(WellKnownAttributes.Namespace) is { Length: > 0 } n)
                names.Add(n);
        }

        if (f.Namespace.Length > 0)
            names.Add(f.Namespace);
        return [.. names];
    }

    private static string? HumanOverride(Step step, ClusterView cluster, ActionHistory history)
    {
        var t = step.Target;
        if (step.Action == ActionKind.CordonNode && cluster.Node(t.Name) is { Unschedulable: false } node
            && node.Annotations.TryGetValue(CordonedByAnnotation, out var by))
        {
            return $"node {t.Name} was cordoned by FinScale (decision {by}) and uncordoned since; a human's uncordon is not undone";
        }

        if (step.Action == ActionKind.ShiftTraffic && history.WeightsSet($"{t.Namespace}/{t.Name}") is { } set
            && cluster.VirtualServices.FirstOrDefault(v => v.Namespace == t.Namespace && v.Name == t.Name) is { } vs)
        {
            var now = vs.Routes.GroupBy(r => r.Subset, StringComparer.Ordinal).ToDictionary(x => x.Key, x => x.Sum(r => r.Weight), StringComparer.Ordinal);
            if (set.Any(kv => now.TryGetValue(kv.Key, out var w) && w != kv.Value))
                return $"VirtualService {t.Namespace}/{t.Name} was shifted by FinScale and its weights changed since; a human's change is not undone";
        }

        return null;
    }

    private static PlannedDecision Make(
        Finding f, PolicyRule rule, RemediationPolicyDocument policy, Step step, string key, DateTimeOffset now,
        DecisionOutcome outcome, string? guard, string reason)
    {
        var evidence = step.Evidence.Count > 0 ? step.Evidence : f.Anomalies;
        var decision = new RemediationDecision(
            DecisionId: StableIds.Of(key, outcome.ToString(), guard ?? "-"),
            IdempotencyKey: key,
            EventTime: now,
            Mode: policy.Modes.Of(step.Action),
            Action: step.Action,
            Target: step.Target,
            Outcome: outcome,
            Reason: reason,
            Guard: guard,
            Anomaly: evidence.OrderBy(a => a.EventTime).ThenBy(a => a.AnomalyId, StringComparer.Ordinal).First())
        {
            Anomalies = Refs(f.Anomalies),
            Finding = Name(f.Kind),
            Rule = rule.Name,
        };
        return new PlannedDecision(decision, step.Replicas, step.Weights);
    }

    private static PlannedDecision NoAction(Finding f, PolicyRule? rule, DateTimeOffset now, string reason)
    {
        var first = f.Anomalies.Count > 0 ? f.Anomalies[0] : throw new ArgumentException("a finding rests on at least one anomaly", nameof(f));
        var key = StableIds.Of(f.FindingId, ActionKind.None.ToString());
        var decision = new RemediationDecision(
            DecisionId: StableIds.Of(key, DecisionOutcome.NoAction.ToString()),
            IdempotencyKey: key,
            EventTime: now,
            Mode: ExecutionMode.Shadow,
            Action: ActionKind.None,
            Target: null,
            Outcome: DecisionOutcome.NoAction,
            Reason: reason,
            Guard: null,
            Anomaly: first)
        {
            Anomalies = Refs(f.Anomalies),
            Finding = Name(f.Kind),
            Rule = rule?.Name,
        };
        return new PlannedDecision(decision);
    }

    private static IReadOnlyList<AnomalyRef> Refs(IEnumerable<Anomaly> anomalies) =>
        [.. anomalies.Select(a => new AnomalyRef(a.AnomalyId, a.Series, a.TraceId, a.SpanId))];

    /// <summary>The snake_case name of a finding kind, as policies and the audit spell it (<c>pod_fault</c>).</summary>
    public static string Name(FindingKind kind) => kind switch
    {
        FindingKind.PodFault => "pod_fault",
        FindingKind.NodeFault => "node_fault",
        FindingKind.CanaryRegression => "canary_regression",
        FindingKind.TrafficSurge => "traffic_surge",
        FindingKind.ServiceFault => "service_fault",
        FindingKind.ForecastLoad => "forecast_load",
        FindingKind.Unattributed => "unattributed",
        _ => kind.ToString(),
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
