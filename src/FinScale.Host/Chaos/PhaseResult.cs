namespace FinScale.Host.Chaos;

/// <summary>What one phase injected and found.</summary>
/// <param name="Phase">Its name.</param>
/// <param name="Faults">Faults injected (kills, outages, poison records, floods, leader kills).</param>
/// <param name="Records">Valid input records produced, each of which must be processed.</param>
/// <param name="Lost">Input records not processed plus remediations executed on the cluster that the audit topic does not show.</param>
/// <param name="Doubled">Remediations executed more than once (extra writes per idempotency key).</param>
/// <param name="Problems">Failed checks other than lost and doubled (a stall not reported, a restart, memory over budget, ...).</param>
internal sealed record PhaseResult(string Phase, long Faults, long Records, long Lost, long Doubled, IReadOnlyList<string> Problems)
{
    /// <summary>True when nothing was lost or doubled and every check held.</summary>
    public bool Ok => Lost == 0 && Doubled == 0 && Problems.Count == 0;
}
