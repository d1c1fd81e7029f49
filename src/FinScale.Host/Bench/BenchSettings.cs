namespace FinScale.Host.Bench;

/// <summary>What <c>finscale bench</c> was asked to run.</summary>
internal sealed record BenchSettings
{
    /// <summary>Distinct series wanted (rounded up to whole pods).</summary>
    public int Series { get; init; } = 10_000;

    /// <summary>OTLP data points in every record.</summary>
    public int PointsPerRecord { get; init; } = 500;

    /// <summary>Records of the throughput workload; null: 120 ticks of every pod (or as many as <see cref="Seconds"/> asks).</summary>
    public long? Records { get; init; }

    /// <summary>Keep adding rounds until the pipeline has been measured for this long; null: stop at <see cref="Records"/>.</summary>
    public double? Seconds { get; init; }

    /// <summary>
    /// Event time between ticks of the throughput workload. The default, 10 s, leaves every series 20 minutes old, its
    /// seasonal profiles a few buckets long; a step of hours ages them (2 h over 120 ticks is 10 days: both profiles
    /// at their full length), so the run measures the memory of mature series.
    /// </summary>
    public TimeSpan TickStep { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Partitions of the input topic.</summary>
    public int Partitions { get; init; } = 64;

    /// <summary>Length of the live latency phase.</summary>
    public TimeSpan LatencyPhase { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Live production before the latency phase, at the same rate, whose latencies are not measured: the first live record
    /// of each pod follows the throughput rounds after a gap and at a new cadence, so its cumulative histograms' rate series
    /// all shift at once (one anomaly per histogram series: about 18,500 at 1 M series) and that storm is not the steady
    /// state the target is about. Its own tail is reported apart.
    /// </summary>
    public TimeSpan LatencyWarmUp { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Spikes injected in the live latency phase.</summary>
    public int LatencySpikes { get; init; } = 200;
}
