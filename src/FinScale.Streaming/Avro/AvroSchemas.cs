using System.Collections.Concurrent;
using Avro;

namespace FinScale.Streaming.Avro;

/// <summary>The Avro schemas of the project's own topics, loaded from the <c>schemas/*.avsc</c> files embedded in this assembly.</summary>
public static class AvroSchemas
{
    private static readonly ConcurrentDictionary<string, RecordSchema> Cache = new(StringComparer.Ordinal);

    /// <summary>File name of the metric sample schema.</summary>
    public const string MetricSampleFile = "metric_sample.avsc";

    /// <summary>File name of the anomaly schema.</summary>
    public const string AnomalyFile = "anomaly.avsc";

    /// <summary>File name of the remediation decision (audit) schema.</summary>
    public const string RemediationDecisionFile = "remediation_decision.avsc";

    /// <summary>The <c>io.finscale.v1.MetricSample</c> schema.</summary>
    public static RecordSchema MetricSample => Load(MetricSampleFile);

    /// <summary>The <c>io.finscale.v1.Anomaly</c> schema.</summary>
    public static RecordSchema Anomaly => Load(AnomalyFile);

    /// <summary>The <c>io.finscale.v1.RemediationDecision</c> schema.</summary>
    public static RecordSchema RemediationDecision => Load(RemediationDecisionFile);

    /// <summary>Earlier versions of the anomaly schema, which readers still resolve (<c>schemas/history</c>).</summary>
    public static IReadOnlyList<RecordSchema> AnomalyHistory => [Load("history/anomaly.v1.avsc"), Load("history/anomaly.v2.avsc")];

    /// <summary>Earlier versions of the decision schema, which readers still resolve (<c>schemas/history</c>).</summary>
    public static IReadOnlyList<RecordSchema> RemediationDecisionHistory => [Load("history/remediation_decision.v1.avsc"), Load("history/remediation_decision.v2.avsc")];

    /// <summary>The text of an embedded schema file, exactly as it is in <c>schemas/</c>.</summary>
    public static string Text(string file)
    {
        using var stream = typeof(AvroSchemas).Assembly.GetManifestResourceStream("schemas/" + file)
            ?? throw new InvalidOperationException($"schema '{file}' is not embedded in {typeof(AvroSchemas).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The CRC-64-AVRO fingerprint of a schema's parsing canonical form, as single-object encoding carries it.</summary>
    public static long Fingerprint(Schema schema) => SchemaNormalization.ParsingFingerprint64(schema);

    private static RecordSchema Load(string file) =>
        Cache.GetOrAdd(file, static f => (RecordSchema)Schema.Parse(Text(f)));
}
