namespace FinScale.Kubernetes;

/// <summary>Annotation keys FinScale writes on the objects it acts on.</summary>
public static class FinScaleAnnotations
{
    /// <summary>On a deployment's pod template: the decision id of the last restart FinScale applied.</summary>
    public const string RestartDecision = "finscale.io/decision";

    /// <summary>On a node: the decision id under which FinScale cordoned it. Present on a schedulable node, it
    /// means someone uncordoned the node after FinScale cordoned it.</summary>
    public const string CordonedBy = "finscale.io/cordoned-by";

    /// <summary>On the object a decision acted on: the idempotency key of the last decision FinScale applied to it. A
    /// decision whose key the target already carries was carried out before (by this process before a crash, or by
    /// another replica) and is not repeated.</summary>
    public const string IdempotencyKey = "finscale.io/idempotency-key";

    /// <summary>The annotation <c>kubectl rollout restart</c> sets on a pod template.</summary>
    public const string RestartedAt = "kubectl.kubernetes.io/restartedAt";
}
