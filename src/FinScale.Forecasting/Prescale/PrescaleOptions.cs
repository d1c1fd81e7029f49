namespace FinScale.Forecasting.Prescale;

/// <summary>Settings of <see cref="PrescaleRecommender"/>.</summary>
public sealed record PrescaleOptions
{
    /// <summary>Load one replica serves (same unit as the forecast); must be positive.</summary>
    public required double CapacityPerReplica { get; init; }

    /// <summary>How far ahead capacity must be ready: pod start-up delay plus a margin (at least one sync period).</summary>
    public TimeSpan Lead { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Lower bound of the recommendation.</summary>
    public int MinReplicas { get; init; } = 1;

    /// <summary>Upper bound of the recommendation.</summary>
    public int MaxReplicas { get; init; } = 1000;

    /// <summary>A scale-down goes only as low as the highest recommendation within this window (the HPA's default is 5 minutes).</summary>
    public TimeSpan ScaleDownStabilization { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A scale-up goes only as high as the lowest recommendation within this window (the HPA's default is 0).</summary>
    public TimeSpan ScaleUpStabilization { get; init; } = TimeSpan.Zero;
}
