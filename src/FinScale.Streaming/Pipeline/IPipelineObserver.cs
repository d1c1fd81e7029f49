using FinScale.Contracts;

namespace FinScale.Streaming.Pipeline;

/// <summary>Told of what the pipeline writes, as it hands it to the producer; for the CLI's report. Must not block.</summary>
public interface IPipelineObserver
{
    /// <summary>An anomaly was written to the anomalies topic.</summary>
    void OnAnomaly(Anomaly anomaly);

    /// <summary>A decision was written to the audit topic.</summary>
    void OnDecision(RemediationDecision decision);
}
