using Confluent.SchemaRegistry;
using FinScale.Contracts;

namespace FinScale.Streaming.Avro;

/// <summary>The serdes of the project's three record types, framed the same way.</summary>
public sealed class AvroSerdes
{
    /// <summary>Single-object encoding (no registry).</summary>
    public AvroSerdes()
        : this(registry: null, topics: null)
    {
    }

    /// <summary>Schema Registry framing when <paramref name="registry"/> is given, with subjects named <c>&lt;topic&gt;-value</c>.</summary>
    public AvroSerdes(ISchemaRegistryClient? registry, (string Metrics, string Anomalies, string Audit)? topics)
    {
        MetricSample = new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), registry: registry, subject: topics?.Metrics + "-value");
        Anomaly = new AvroSerde<Anomaly>(AvroSchemas.Anomaly, new AnomalyMapper(), AvroSchemas.AnomalyHistory, registry: registry, subject: topics?.Anomalies + "-value");
        RemediationDecision = new AvroSerde<RemediationDecision>(AvroSchemas.RemediationDecision, new RemediationDecisionMapper(), AvroSchemas.RemediationDecisionHistory, registry: registry, subject: topics?.Audit + "-value");
    }

    /// <summary>Metric samples.</summary>
    public AvroSerde<MetricSample> MetricSample { get; }

    /// <summary>Anomalies.</summary>
    public AvroSerde<Anomaly> Anomaly { get; }

    /// <summary>Remediation decisions.</summary>
    public AvroSerde<RemediationDecision> RemediationDecision { get; }

    /// <summary>Registers the schemas when a registry is configured.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await MetricSample.InitializeAsync(cancellationToken);
        await Anomaly.InitializeAsync(cancellationToken);
        await RemediationDecision.InitializeAsync(cancellationToken);
    }
}
