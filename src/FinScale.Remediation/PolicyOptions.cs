using System.ComponentModel.DataAnnotations;
using FinScale.Contracts;

namespace FinScale.Remediation;

/// <summary>Where the remediation policy comes from and how decisions are batched (section <c>Policy</c>).</summary>
public sealed class PolicyOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Policy";

    /// <summary>Path of the YAML policy (<c>finscale run --policy</c>); the shipped default policy when empty.</summary>
    public string? File { get; set; }

    /// <summary>When set, the mode of every action kind, whatever the policy says (<c>finscale run --mode</c>).</summary>
    public ExecutionMode? Mode { get; set; }

    /// <summary>Namespace assumed for a pod-level series that does not say its namespace.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DefaultNamespace { get; set; } = "default";

    /// <summary>Event-time span of the anomalies diagnosed together: the anomalies of one incident on several series.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tries in all of an action the cluster refused (a PodDisruptionBudget's 429) or that failed; 1 never retries.</summary>
    [Range(1, 20)]
    public int RetryAttempts { get; set; } = 4;

    /// <summary>Wall-clock wait before the first retry of a refused or failed action; it doubles for each further one.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Records read back from the end of each partition of the intents topic (<c>Topics:Intents</c>) when a run starts
    /// acting, to find the enforced actions an earlier run started but died before auditing; each is settled by reading
    /// its target (executed if the change is there, failed if not; never repeated). 0 turns the settling off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ReconcileTail { get; set; } = 1000;

    /// <summary>Wall-clock wait for more anomalies before an open window is diagnosed anyway (its records' offsets wait for it).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan FlushAfter { get; set; } = TimeSpan.FromSeconds(2);
}
