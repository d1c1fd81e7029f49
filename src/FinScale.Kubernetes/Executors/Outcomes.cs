using System.Text.Json.Nodes;
using FinScale.Contracts;
using FinScale.Kubernetes.Actions;
using k8s;

namespace FinScale.Kubernetes.Executors;

/// <summary>Shared mapping of API answers to outcomes.</summary>
internal static class Outcomes
{
    /// <summary>The <c>dryRun</c> query value for a mode.</summary>
    public static string? DryRun(ExecutionMode mode) => mode == ExecutionMode.DryRun ? "All" : null;

    public static ActionOutcome Shadow(string what) =>
        new(ActionStatus.Shadow, $"shadow mode: {what} not sent");

    public static ActionOutcome AlreadyInState<T>(CallResult<T> read, string message) =>
        new(ActionStatus.AlreadyInState, message) { HttpStatus = read.HttpStatus, Attempts = read.Attempts };

    public static ActionOutcome Blocked<T>(CallResult<T> result, string message) =>
        new(ActionStatus.Blocked, message) { HttpStatus = result.HttpStatus == 0 ? null : result.HttpStatus, Attempts = result.Attempts };

    public static ActionOutcome Failed(string message) => new(ActionStatus.Failed, message);

    /// <summary>True when <paramref name="annotations"/> (the target's) carry the action's idempotency key: the decision
    /// was carried out before, by this process before a crash or by another replica.</summary>
    public static bool AlreadyApplied(KubernetesAction action, IDictionary<string, string>? annotations) =>
        action.IdempotencyKey is { Length: > 0 } key
        && annotations is not null
        && annotations.TryGetValue(FinScaleAnnotations.IdempotencyKey, out var applied)
        && string.Equals(applied, key, StringComparison.Ordinal);

    /// <summary>The outcome of a decision whose idempotency key the target already carries: nothing is sent.</summary>
    public static ActionOutcome KeyApplied<T>(CallResult<T> read, KubernetesAction action, string what) =>
        AlreadyInState(read, $"idempotency key {action.IdempotencyKey} already applied to {what}; not repeated");

    /// <summary>Adds the action's idempotency key (when it has one) to the <c>metadata.annotations</c> of a patch.</summary>
    public static JsonObject WithKey(JsonObject patch, KubernetesAction action)
    {
        if (action.IdempotencyKey is not { Length: > 0 } key)
        {
            return patch;
        }

        if (patch["metadata"] is not JsonObject meta)
        {
            patch["metadata"] = meta = new JsonObject();
        }

        if (meta["annotations"] is not JsonObject annotations)
        {
            meta["annotations"] = annotations = new JsonObject();
        }

        annotations[FinScaleAnnotations.IdempotencyKey] = key;
        return patch;
    }

    /// <summary>A failed call: 404 is <see cref="ActionStatus.NotFound"/>, anything else <see cref="ActionStatus.Failed"/> with the API's
    /// message (its status in <see cref="ActionOutcome.HttpStatus"/>, which the audit's response puts first).</summary>
    public static ActionOutcome FromError<T>(CallResult<T> result, string what) => result.HttpStatus switch
    {
        404 => new ActionOutcome(ActionStatus.NotFound, $"{what} not found: {result.Message}") { HttpStatus = 404, Attempts = result.Attempts },
        0 => new ActionOutcome(ActionStatus.Failed, $"{what}: {result.Message}") { Attempts = result.Attempts },
        _ => new ActionOutcome(ActionStatus.Failed, $"{what}: {result.Message}") { HttpStatus = result.HttpStatus, Attempts = result.Attempts },
    };

    /// <summary>A successful write: executed, or in dry-run mode the server's answer.</summary>
    public static ActionOutcome Written<T>(CallResult<T> result, ExecutionMode mode, string message) => mode == ExecutionMode.DryRun
        ? new ActionOutcome(ActionStatus.DryRun, "dry run accepted: " + message)
        {
            HttpStatus = result.HttpStatus,
            Attempts = result.Attempts,
            ServerAnswer = result.Value is null ? null : KubernetesJson.Serialize(result.Value),
        }
        : new ActionOutcome(ActionStatus.Executed, message) { HttpStatus = result.HttpStatus, Attempts = result.Attempts };
}
