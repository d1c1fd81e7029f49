namespace FinScale.Remediation;

/// <summary>Names of the guards, as they appear in the audit when one holds an action back.</summary>
public static class Guards
{
    /// <summary>The target was acted on less than the cooldown ago.</summary>
    public const string Cooldown = "cooldown";

    /// <summary>The same decision (same episode, action and target) was already made.</summary>
    public const string Duplicate = "duplicate";
}
