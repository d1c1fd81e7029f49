using System.ComponentModel.DataAnnotations;
using FinScale.Contracts;

namespace FinScale.Streaming.Configuration;

/// <summary>Topic names (defaults in <see cref="TopicNames"/>) and how to create the ones that do not exist.</summary>
public sealed class TopicOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Topics";

    /// <summary>Avro metric samples (business metrics, <c>finscale replay</c>) consumed by <c>finscale run</c>; empty to not read it.</summary>
    public string Metrics { get; set; } = TopicNames.Metrics;

    /// <summary>OTLP metrics as the Collector's kafkaexporter writes them; empty to not read it.</summary>
    public string OtlpMetrics { get; set; } = TopicNames.OtlpMetrics;

    /// <summary>OTLP traces as the Collector's kafkaexporter writes them; empty to not read it.</summary>
    public string OtlpSpans { get; set; } = TopicNames.OtlpSpans;

    /// <summary>Avro anomalies produced by <c>finscale run</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Anomalies { get; set; } = TopicNames.Anomalies;

    /// <summary>Avro remediation decisions: the audit trail.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Audit { get; set; } = TopicNames.RemediationAudit;

    /// <summary>
    /// Compacted write-ahead log of enforced actions: each intent, keyed by decision id, is acknowledged here before the
    /// request goes out and tombstoned once its outcome is on <see cref="Audit"/>; a run that starts acting settles the
    /// intents an earlier run left open. Empty turns the write-ahead off (an action a crash interrupts may then go unaudited).
    /// </summary>
    public string Intents { get; set; } = TopicNames.RemediationIntents;

    /// <summary>Records that could not be decoded.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DeadLetter { get; set; } = TopicNames.DeadLetter;

    /// <summary>Compacted topic of series baseline checkpoints (<see cref="PipelineOptions.CheckpointInterval"/>); empty to not checkpoint.</summary>
    public string State { get; set; } = TopicNames.State;

    /// <summary>The topics <c>finscale run</c> reads.</summary>
    public IEnumerable<string> InputTopics => new[] { Metrics, OtlpMetrics, OtlpSpans }.Where(t => !string.IsNullOrEmpty(t));

    /// <summary>The topics <c>finscale run</c> reads and writes.</summary>
    public IEnumerable<string> PipelineTopics => [.. InputTopics, Anomalies, Audit, DeadLetter];

    /// <summary>Partitions given to a topic FinScale creates.</summary>
    [Range(1, 10_000)]
    public int Partitions { get; set; } = 4;

    /// <summary>Replication factor of a topic FinScale creates on a real cluster.</summary>
    [Range(1, 16)]
    public short ReplicationFactor { get; set; } = 1;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!InputTopics.Any())
            yield return new ValidationResult("at least one input topic must be set", [nameof(Metrics), nameof(OtlpMetrics), nameof(OtlpSpans)]);
        var inputs = InputTopics.ToList();
        if (inputs.Count != inputs.Distinct(StringComparer.Ordinal).Count())
            yield return new ValidationResult("each input topic carries one format: Metrics, OtlpMetrics and OtlpSpans must differ", [nameof(Metrics), nameof(OtlpMetrics), nameof(OtlpSpans)]);
        foreach (var output in new[] { Anomalies, Audit, DeadLetter, State, Intents }.Where(t => !string.IsNullOrEmpty(t)))
        {
            if (inputs.Contains(output, StringComparer.Ordinal))
                yield return new ValidationResult($"topic {output} is both read and written", [nameof(Anomalies), nameof(Audit), nameof(DeadLetter), nameof(State), nameof(Intents)]);
        }

        if (!string.IsNullOrEmpty(Intents) && Intents == Audit)
            yield return new ValidationResult("the intents topic is compacted and tombstoned: it cannot be the audit topic", [nameof(Intents), nameof(Audit)]);
    }
}
