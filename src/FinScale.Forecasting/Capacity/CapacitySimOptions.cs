using FinScale.Forecasting.Prescale;

namespace FinScale.Forecasting.Capacity;

/// <summary>Settings of <see cref="CapacitySimulator"/>; defaults are the Kubernetes HPA's and the same for every trace.</summary>
public sealed record CapacitySimOptions
{
    /// <summary>Load one replica serves; null derives it from the first day (see <see cref="FirstDayPeakReplicas"/>).</summary>
    public double? CapacityPerReplica { get; init; }

    /// <summary>The rule without an explicit capacity: capacity per replica = first day's 95th percentile / this.</summary>
    public double FirstDayPeakReplicas { get; init; } = 10;

    /// <summary>Time from a pod's creation until it serves load.</summary>
    public TimeSpan StartupDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Pre-scale lead time; null is start-up delay + two sync periods (one to notice, one of margin).</summary>
    public TimeSpan? Lead { get; init; }

    /// <summary>The HPA's sync period, and the simulation's tick.</summary>
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The HPA's tolerance: no change while current/target is within 1 ± this.</summary>
    public double Tolerance { get; init; } = 0.1;

    /// <summary>The HPA's target: average load per replica = this × capacity per replica.</summary>
    public double TargetUtilization { get; init; } = 0.8;

    /// <summary>Scale-up stabilisation window (HPA default 0).</summary>
    public TimeSpan ScaleUpStabilization { get; init; } = TimeSpan.Zero;

    /// <summary>Scale-down stabilisation window (HPA default 300 s).</summary>
    public TimeSpan ScaleDownStabilization { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Lower bound on replicas.</summary>
    public int MinReplicas { get; init; } = 1;

    /// <summary>Upper bound on replicas.</summary>
    public int MaxReplicas { get; init; } = 100_000;

    /// <summary>Metrics are counted from this long after the trace's start (the first day calibrates capacity), for every policy alike.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The forecaster's settings.</summary>
    public ForecasterOptions Forecaster { get; init; } = new();

    /// <summary>The lead time in effect.</summary>
    public TimeSpan EffectiveLead => Lead ?? StartupDelay + SyncPeriod + SyncPeriod;

    /// <summary>Recommender options for a given capacity.</summary>
    internal PrescaleOptions PrescaleOptions(double capacity) => new()
    {
        CapacityPerReplica = capacity,
        Lead = EffectiveLead,
        MinReplicas = MinReplicas,
        MaxReplicas = MaxReplicas,
        ScaleDownStabilization = ScaleDownStabilization,
        ScaleUpStabilization = ScaleUpStabilization,
    };
}
