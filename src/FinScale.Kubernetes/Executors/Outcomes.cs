using FinScale.Contracts;
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

    /// <summary>A failed call: 404 is <see cref="ActionStatus.NotFound"/>, anything else <see cref="ActionStatus.Failed"/> with the API's message.</summary>
    public static ActionOutcome FromError<T>(CallResult<T> result, string what) => result.HttpStatus switch
    {
        404 => new ActionOutcome(ActionStatus.NotFound, $"{what} not found: {result.Message}") { HttpStatus = 404, Attempts = result.Attempts },
        0 => new ActionOutcome(ActionStatus.Failed, $"{what}: {result.Message}") { Attempts = result.Attempts },
        _ => new ActionOutcome(ActionStatus.Failed, $"{what}: HTTP {result.HttpStatus}: {result.Message}") { HttpStatus = result.HttpStatus, Attempts = result.Attempts },
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
