using FinScale.Contracts;

namespace FinScale.Streaming.Pipeline;

/// <summary>Told of what the pipeline writes, as it hands it to the producer; for the CLI's report. Must not block, and must be thread-safe: anomalies and decisions are written by two loops.</summary>
public interface IPipelineObserver
{
    /// <summary>An anomaly was written to the anomalies topic.</summary>
    void OnAnomaly(Anomaly anomaly);

    /// <summary>A decision was written to the audit topic.</summary>
    void OnDecision(RemediationDecision decision);
}
