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

    /// <summary>Evict the pod (honouring its PodDisruptionBudget) so its controller recreates it.</summary>
    RestartPod,

    /// <summary>Rolling restart of a deployment (<c>kubectl rollout restart</c>).</summary>
    RestartDeployment,

    /// <summary>Mark a node unschedulable and leave its pods to be moved by their owners.</summary>
    CordonNode,

    /// <summary>Set the weights of an Istio VirtualService's subsets (e.g. canary back to stable).</summary>
    ShiftTraffic,

    /// <summary>Set a deployment's replica count through its scale subresource.</summary>
    Scale,

    /// <summary>A kind this version does not know (written by a newer one).</summary>
    Unknown,
}

/// <summary>What became of a decision.</summary>
public enum DecisionOutcome
{
    /// <summary>Decided in shadow mode: recorded as it would have been executed.</summary>
    Recommended,

    /// <summary>Sent with <c>dryRun=All</c>; the API's answer is in <see cref="RemediationDecision.Response"/>.</summary>
    DryRun,

    /// <summary>The cluster refused for a protective reason (a PodDisruptionBudget answering 429, a human override).</summary>
    Blocked,

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
    Anomaly Anomaly)
{
    /// <summary>Every anomaly the finding behind this decision rests on (the first is <see cref="Anomaly"/>).</summary>
    public IReadOnlyList<AnomalyRef> Anomalies { get; init; } = [];

    /// <summary>What diagnosis concluded (e.g. <c>pod_fault</c>), when a finding led here.</summary>
    public string? Finding { get; init; }

    /// <summary>Name of the policy rule that chose the action, when one did.</summary>
    public string? Rule { get; init; }

    /// <summary>The request sent, or that would have been sent in shadow mode (method, path and body).</summary>
    public string? Request { get; init; }

    /// <summary>The API's answer: its status and message, or the object a dry run would have produced.</summary>
    public string? Response { get; init; }

    /// <summary>Id of the writer's hash chain the record belongs to (one per <c>finscale run</c>).</summary>
    public string? Chain { get; init; }

    /// <summary>Hex SHA-256 of the previous record of this chain in this partition (its whole value); null for a chain's first record.</summary>
    public string? PrevHash { get; init; }
}

/// <summary>An anomaly a decision rests on, with the trace that shows it when there is one.</summary>
/// <param name="AnomalyId">Id of the anomaly.</param>
/// <param name="Series">Its series key.</param>
/// <param name="TraceId">Hex trace id of an example trace of the anomaly, when known.</param>
/// <param name="SpanId">Hex span id of the example span within that trace, when known.</param>
public sealed record AnomalyRef(string AnomalyId, string Series, string? TraceId, string? SpanId = null);
