using System.ComponentModel.DataAnnotations;
using FinScale.Contracts;

namespace FinScale.Remediation;

/// <summary>What the remediation policy may do and how.</summary>
public sealed class PolicyOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Policy";

    /// <summary>Mode of every action kind not listed in <see cref="Modes"/>. Shadow until recommendations have been measured against outcomes.</summary>
    public ExecutionMode Mode { get; set; } = ExecutionMode.Shadow;

    /// <summary>Per action kind overrides of <see cref="Mode"/>.</summary>
    public Dictionary<ActionKind, ExecutionMode> Modes { get; init; } = [];

    /// <summary>Least event time between two actions on the same target.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Namespace assumed for a pod-level series that does not say its namespace.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DefaultNamespace { get; set; } = "default";

    /// <summary>The mode <paramref name="kind"/> runs in.</summary>
    public ExecutionMode ModeOf(ActionKind kind) => Modes.TryGetValue(kind, out var m) ? m : Mode;
}
