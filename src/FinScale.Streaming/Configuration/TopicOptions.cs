using System.ComponentModel.DataAnnotations;
using FinScale.Contracts;

namespace FinScale.Streaming.Configuration;

/// <summary>Topic names (defaults in <see cref="TopicNames"/>) and how to create the ones that do not exist.</summary>
public sealed class TopicOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Topics";

    /// <summary>Avro metric samples consumed by <c>finscale run</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Metrics { get; set; } = TopicNames.Metrics;

    /// <summary>Avro anomalies produced by <c>finscale run</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Anomalies { get; set; } = TopicNames.Anomalies;

    /// <summary>Avro remediation decisions: the audit trail.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Audit { get; set; } = TopicNames.RemediationAudit;

    /// <summary>Records that could not be decoded.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DeadLetter { get; set; } = TopicNames.DeadLetter;

    /// <summary>The topics <c>finscale run</c> reads and writes.</summary>
    public IEnumerable<string> PipelineTopics => [Metrics, Anomalies, Audit, DeadLetter];

    /// <summary>Partitions given to a topic FinScale creates.</summary>
    [Range(1, 10_000)]
    public int Partitions { get; set; } = 4;

    /// <summary>Replication factor of a topic FinScale creates on a real cluster.</summary>
    [Range(1, 16)]
    public short ReplicationFactor { get; set; } = 1;
}
