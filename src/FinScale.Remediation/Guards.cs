namespace FinScale.Remediation;

/// <summary>Names of the guards, as they appear in the audit when one holds an action back.</summary>
public static class Guards
{
    /// <summary>The same decision (same episode, action and target) was already made.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>The target's namespace is not on the policy's allow-list.</summary>
    public const string Namespace = "namespace";

    /// <summary>The target (or the workload, node or VirtualService it belongs to) is annotated <c>finscale.io/protected=true</c>.</summary>
    public const string Protected = "protected";

    /// <summary>A change-freeze window of the policy is open.</summary>
    public const string FreezeWindow = "freeze-window";

    /// <summary>The series the action rests on stopped reporting: no data is not a reason to act.</summary>
    public const string NoData = "no-data";

    /// <summary>A human changed the target after FinScale did (e.g. uncordoned a node it cordoned); FinScale does not undo it.</summary>
    public const string HumanOverride = "human-override";

    /// <summary>The target was acted on less than the cooldown ago.</summary>
    public const string Cooldown = "cooldown";

    /// <summary>The global rate limit of actions per window is used up.</summary>
    public const string RateLimit = "rate-limit";

    /// <summary>Acting would touch more than the allowed share of a workload's pods at once.</summary>
    public const string WorkloadShare = "workload-share";

    /// <summary>Cordoning would leave more nodes cordoned than the policy allows (by count or share of the cluster).</summary>
    public const string CordonLimit = "cordon-limit";

    /// <summary>This instance does not hold the leader lease, so it may not act on the cluster.</summary>
    public const string Leadership = "leadership";

    /// <summary>Every guard name, for reports and validation.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Duplicate, Namespace, Protected, FreezeWindow, NoData, HumanOverride, Cooldown, RateLimit, WorkloadShare, CordonLimit, Leadership];
}
