using FinScale.Contracts;

namespace FinScale.Streaming.Pipeline;

/// <summary>An anomaly on its way to the decision stage, with the ticket of the record that raised it.</summary>
/// <param name="Anomaly">The anomaly.</param>
/// <param name="Ticket">Completed once the anomaly and its decision are durably written.</param>
public sealed record AnomalyEnvelope(Anomaly Anomaly, RecordTicket Ticket)
{
    /// <summary>
    /// Set for a pre-scale finding of the forecast stage instead of an anomaly (<see cref="Anomaly"/> is then its evidence):
    /// decided on its own, not diagnosed with a window and not written to the anomalies topic.
    /// </summary>
    public Remediation.Diagnosis.Finding? Prescale { get; init; }
}
