namespace FinScale.Remediation.Cluster;

/// <summary>A call dependency between services, as the traces' service graph shows it.</summary>
/// <param name="Caller">The calling service.</param>
/// <param name="Callee">The called service.</param>
public sealed record ServiceEdge(string Caller, string Callee);
