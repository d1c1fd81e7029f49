namespace FinScale.Host.Chaos;

/// <summary>What <c>finscale chaos</c> injects and how much of it.</summary>
internal sealed record ChaosSettings
{
    /// <summary>SIGKILL trials of the crash-consistency phase.</summary>
    public int Trials { get; init; } = 20;

    /// <summary>How long every broker stays down in the broker-outage phase.</summary>
    public TimeSpan Outage { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Poison records (random, truncated, oversized, wrong schema) mixed into the valid stream.</summary>
    public int Poison { get; init; } = 3000;

    /// <summary>Records of the flood in the bounded-memory phase.</summary>
    public int Flood { get; init; } = 200_000;

    /// <summary>Peak resident set size the child may reach during the flood, in MiB.</summary>
    public int MemoryBudgetMb { get; init; } = 512;

    /// <summary>Seed of every random choice (kill moments, workloads, poison), so a run can be repeated.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Lease duration of the leadership phase; the handover must happen within it, counted from the last renewal the
    /// standby observed (so at most lease duration + 2 retry periods after the kill).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>The phases to run, in this order: crash, outage, poison, memory, leader, kubernetes, storm.</summary>
    public IReadOnlyList<string> Phases { get; init; } = ChaosRunner.AllPhases;

    /// <summary>Where the children's logs, kubeconfigs and the policy go; a fresh temporary folder when null.</summary>
    public string? WorkDirectory { get; init; }
}
