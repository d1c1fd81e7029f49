using FinScale.Contracts;

namespace FinScale.Detection.Multivariate.Tests;

/// <summary>
/// Generated telemetry of one service where throughput drives latency and saturation (a daily-like swing plus noise)
/// and the error ratio stays low and independent; fixed seeds, so every run sees the same numbers.
/// </summary>
internal sealed class ServiceLoad(int seed, string service = "checkout", double swing = 80)
{
    public const long StepMs = 60_000;
    public const double Period = 360;

    private readonly Random _rng = new(seed);

    public string Service { get; } = service;

    public SeriesKey Group => SeriesKey.Create(ServiceFeatureWindow.GroupMetric, new Dictionary<string, string> { [WellKnownAttributes.ServiceName] = Service });

    public string LatencyKey => $"http.server.request.duration.p99{{service.name=\"{Service}\"}}";

    public string ErrorKey => $"traces.span.metrics.error_ratio{{service.name=\"{Service}\"}}";

    public string ThroughputKey => $"traces.span.metrics.calls{{service.name=\"{Service}\"}}";

    public string SaturationKey => $"container.cpu.utilization{{service.name=\"{Service}\"}}";

    /// <summary>Throughput's expected value at a step.</summary>
    public double ExpectedThroughput(int step) => 200 + (swing * Math.Sin(2 * Math.PI * step / Period));

    /// <summary>Latency as the load drives it.</summary>
    public static double LatencyFor(double throughput) => 40 + (0.15 * throughput);

    /// <summary>Saturation as the load drives it.</summary>
    public static double SaturationFor(double throughput) => 0.15 + (0.002 * throughput);

    /// <summary>Features of a normal step: latency, error ratio, throughput, saturation (the window's order).</summary>
    public double[] Normal(int step)
    {
        var throughput = ExpectedThroughput(step) + (8 * Gaussian());
        return
        [
            LatencyFor(throughput) + (1.5 * Gaussian()),
            Math.Max(0, 0.01 + (0.002 * Gaussian())),
            throughput,
            SaturationFor(throughput) + (0.01 * Gaussian()),
        ];
    }

    public FeatureVector Vector(int step, double[] values) =>
        new(Group, step * StepMs, values, new bool[values.Length]);

    public FeatureVector NormalVector(int step) => Vector(step, Normal(step));

    /// <summary>The four series' points of a step, in the window's feature order, at 1 s into the step.</summary>
    public IEnumerable<(string Key, long TimeMs, double Value)> Points(int step, double[] values)
    {
        var t = (step * StepMs) + 1_000;
        yield return (LatencyKey, t, values[0]);
        yield return (ErrorKey, t, values[1]);
        yield return (ThroughputKey, t, values[2]);
        yield return (SaturationKey, t, values[3]);
    }

    private double Gaussian()
    {
        // Box-Muller: two uniforms to one standard normal.
        var u1 = 1.0 - _rng.NextDouble();
        var u2 = _rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
