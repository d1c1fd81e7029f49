namespace FinScale.Host.Loadgen;

/// <summary>What <c>finscale loadgen</c> simulates and where it sends it.</summary>
internal sealed record LoadgenSettings
{
    /// <summary>The OTLP/HTTP receiver's base URL (e.g. <c>http://otel-collector:4318</c>); <c>/v1/metrics</c> and <c>/v1/traces</c> are appended.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Simulated services (Deployments); each calls the next one, so a service graph forms.</summary>
    public int Services { get; init; } = 3;

    /// <summary>Pods per service.</summary>
    public int PodsPerService { get; init; } = 3;

    /// <summary>Requests per second each pod serves.</summary>
    public double RatePerPod { get; init; } = 20;

    /// <summary>How long to run; null runs until interrupted.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The incident to inject: <c>none</c> or <c>pod-latency</c>.</summary>
    public string Incident { get; init; } = "none";

    /// <summary>Normal traffic before the incident starts, so detectors have a baseline (their warm-up is 30 points).</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>How long the incident lasts before the pod recovers.</summary>
    public TimeSpan IncidentLength { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Metric export interval and span batch delay.</summary>
    public TimeSpan ExportInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Seed of the simulated latencies, so two runs send the same shape of traffic.</summary>
    public int Seed { get; init; } = 42;
}
