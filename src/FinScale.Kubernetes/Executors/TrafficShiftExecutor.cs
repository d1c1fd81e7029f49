using System.Text.Json.Nodes;
using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using FinScale.Kubernetes.Istio;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes.Executors;

/// <summary>Shifts an Istio VirtualService's route weights between subsets. Reads the object, checks that the
/// subsets are routed, and writes a JSON merge patch of <c>spec.http</c> that carries the resourceVersion it read, so
/// a concurrent change fails with 409; on 409 it reads again and retries once, then reports the conflict.</summary>
public sealed class TrafficShiftExecutor : IKubernetesActionExecutor<ShiftTraffic>
{
    private const int ConflictAttempts = 2;
    private readonly IKubernetes _client;
    private readonly KubernetesCaller _caller;

    /// <summary>Creates the executor; <paramref name="logger"/> receives retries and failures.</summary>
    public TrafficShiftExecutor(IKubernetes client, KubernetesActionOptions options, TimeProvider timeProvider, ILogger<TrafficShiftExecutor>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _caller = new KubernetesCaller(options ?? throw new ArgumentNullException(nameof(options)), timeProvider ?? throw new ArgumentNullException(nameof(timeProvider)), logger);
    }

    /// <inheritdoc/>
    public async Task<ActionOutcome> ExecuteAsync(ShiftTraffic action, ExecutionMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var what = $"VirtualService {action.Namespace}/{action.VirtualService}";
        if (action.Weights is null || action.Weights.Count == 0 || action.Weights.Values.Any(w => w is < 0 or > 100) || action.Weights.Values.Sum() != 100)
        {
            return Outcomes.Failed($"{what}: weights must be 0-100 per subset and sum to 100");
        }

        if (mode == ExecutionMode.Shadow)
        {
            return Outcomes.Shadow("traffic shift of " + what);
        }

        ActionOutcome? last = null;
        for (var attempt = 1; attempt <= ConflictAttempts; attempt++)
        {
            var read = await _caller.CallAsync(
                t => _client.CustomObjects.GetNamespacedCustomObjectAsync<VirtualService>(VirtualService.Group, VirtualService.Version, action.Namespace, VirtualService.Plural, action.VirtualService, t),
                cancellationToken).ConfigureAwait(false);
            if (!read.Ok)
            {
                return Outcomes.FromError(read, what);
            }

            var vs = read.Value!;
            if (Outcomes.AlreadyApplied(action, vs.Metadata?.Annotations))
            {
                return Outcomes.KeyApplied(read, action, what);
            }

            var problem = Apply(vs, action.Weights, out var changed);
            if (problem is not null)
            {
                return new ActionOutcome(ActionStatus.Failed, $"{what}: {problem}") { Attempts = read.Attempts };
            }

            if (!changed)
            {
                return Outcomes.AlreadyInState(read, $"{what} already routes {Describe(action.Weights)}");
            }

            var patch = Outcomes.WithKey(new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = vs.Metadata?.ResourceVersion },
                ["spec"] = new JsonObject { ["http"] = JsonNode.Parse(KubernetesJson.Serialize(vs.Spec!.Http)) },
            }, action);
            var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
            var result = await _caller.CallAsync(
                t => _client.CustomObjects.PatchNamespacedCustomObjectAsync(body, VirtualService.Group, VirtualService.Version, action.Namespace, VirtualService.Plural, action.VirtualService, dryRun: Outcomes.DryRun(mode), fieldManager: _caller.FieldManager, cancellationToken: t),
                cancellationToken).ConfigureAwait(false);
            if (result.Ok)
            {
                return Outcomes.Written(result, mode, $"{what} now routes {Describe(action.Weights)}" + (attempt > 1 ? " (after a conflict)" : string.Empty));
            }

            last = Outcomes.FromError(result, what);
            if (result.HttpStatus != 409)
            {
                return last;
            }
        }

        return last! with { Message = last.Message + $" (still conflicting after {ConflictAttempts} read-modify-patch attempts)" };
    }

    /// <summary>Sets the weights on <paramref name="vs"/>; returns a problem that prevents the shift, or null.</summary>
    internal static string? Apply(VirtualService vs, IReadOnlyDictionary<string, int> weights, out bool changed)
    {
        changed = false;
        var routes = vs.Spec?.Http?
            .Where(h => h.Route?.Any(d => d.Destination?.Subset is { } s && weights.ContainsKey(s)) == true)
            .ToList() ?? [];
        var routed = routes.SelectMany(h => h.Route!).Select(d => d.Destination?.Subset).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var missing = weights.Keys.Where(k => !routed.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var present = (vs.Spec?.Http ?? []).SelectMany(h => h.Route ?? []).Select(d => d.Destination?.Subset ?? "(none)").Distinct().Order(StringComparer.Ordinal);
            return $"subset(s) {string.Join(", ", missing)} not found in any HTTP route (routed subsets: {string.Join(", ", present)})";
        }

        foreach (var route in routes)
        {
            var foreign = route.Route!.Where(d => d.Destination?.Subset is not { } s || !weights.ContainsKey(s)).ToList();
            if (foreign.Count > 0)
            {
                return $"route '{route.Name ?? "(unnamed)"}' also sends traffic to {string.Join(", ", foreign.Select(d => $"{d.Destination?.Host}/{d.Destination?.Subset ?? "(no subset)"}"))}, which the shift does not name";
            }

            foreach (var destination in route.Route!)
            {
                var weight = weights[destination.Destination!.Subset!];
                if (destination.Weight != weight)
                {
                    destination.Weight = weight;
                    changed = true;
                }
            }
        }

        return null;
    }

    private static string Describe(IReadOnlyDictionary<string, int> weights) =>
        string.Join(" / ", weights.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}%"));
}
