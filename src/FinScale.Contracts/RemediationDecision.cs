namespace FinScale.Contracts;

/// <summary>How a decision is carried out.</summary>
public enum ExecutionMode
{
    /// <summary>Decide and audit only; nothing touches a cluster.</summary>
    Shadow,

    /// <summary>Send the request with <c>dryRun=All</c> and audit the API's answer.</summary>
    DryRun,

    /// <summary>Act.</summary>
    Enforce,
}

/// <summary>What a decision does.</summary>
public enum ActionKind
{
    /// <summary>No action: nothing matched, or the finding needs no remediation.</summary>
    None,

    /// <summary>Delete the pod so its controller recreates it.</summary>
    RestartPod,

    /// <summary>A kind this version does not know (written by a newer one).</summary>
    Unknown,
}

/// <summary>What became of a decision.</summary>
public enum DecisionOutcome
{
    /// <summary>Decided in shadow mode: recorded as it would have been executed.</summary>
    Recommended,

    /// <summary>A guard held the action back; <see cref="RemediationDecision.Guard"/> names it.</summary>
    HeldBack,

    /// <summary>The action was carried out.</summary>
    Executed,

    /// <summary>The action was attempted and failed.</summary>
    Failed,

    /// <summary>No action was called for.</summary>
    NoAction,

    /// <summary>An outcome this version does not know (written by a newer one).</summary>
    Unknown,
}

/// <summary>The Kubernetes object a decision acts on.</summary>
/// <param name="Namespace">Namespace, empty for cluster-scoped objects.</param>
/// <param name="Kind">Object kind, e.g. <c>Pod</c>.</param>
/// <param name="Name">Object name.</param>
public sealed record ActionTarget(string Namespace, string Kind, string Name)
{
    /// <summary>A stable text form, <c>Kind/namespace/name</c>, used as the audit record's key.</summary>
    public override string ToString() => Namespace.Length == 0 ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}

/// <summary>One remediation decision, taken or held back (the <c>RemediationDecision</c> Avro audit record).</summary>
/// <param name="DecisionId">Unique id of this decision.</param>
/// <param name="IdempotencyKey">Derived from episode, action kind and target; executors check it before acting.</param>
/// <param name="EventTime">Event time the decision was made at (that of the anomaly).</param>
/// <param name="Mode">The mode the action kind runs in.</param>
/// <param name="Action">What the decision does.</param>
/// <param name="Target">What it acts on; null when there is no action.</param>
/// <param name="Outcome">What became of it.</param>
/// <param name="Reason">Why, in words an on-call engineer reads.</param>
/// <param name="Guard">The guard that held the action back, if any.</param>
/// <param name="Anomaly">The anomaly it answers.</param>
public sealed record RemediationDecision(
    string DecisionId,
    string IdempotencyKey,
    DateTimeOffset EventTime,
    ExecutionMode Mode,
    ActionKind Action,
    ActionTarget? Target,
    DecisionOutcome Outcome,
    string Reason,
    string? Guard,
    Anomaly Anomaly);
