using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FinScale.Host.Loadgen;

/// <summary>
/// One simulated Kubernetes pod: its own resource (service and k8s attributes), <see cref="MeterProvider"/> and
/// <see cref="TracerProvider"/> exporting OTLP/HTTP protobuf, as an instrumented pod would. The meter and activity source
/// names carry the pod name because providers subscribe by name: a shared name would send every pod's measurements
/// through every pod's provider, under the wrong resource.
/// </summary>
internal sealed class SimulatedPod : IDisposable
{
    /// <summary>Request duration buckets in seconds: the OpenTelemetry HTTP semantic conventions' advice.</summary>
    public static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private const string SchemeHttp = "http";

    private readonly Meter _meter;
    private readonly ActivitySource _source;
    private readonly MeterProvider _meterProvider;
    private readonly TracerProvider _tracerProvider;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _requests;
    private double _cpu;

    public SimulatedPod(string service, string version, string ns, string pod, string node, LoadgenSettings settings)
    {
        Service = service;
        Namespace = ns;
        Name = pod;
        Route = "/api/" + service;
        var scope = "FinScale.Loadgen/" + pod;
        _meter = new Meter(scope, "1.0.0");
        _source = new ActivitySource(scope, "1.0.0");
        _duration = _meter.CreateHistogram(
            "http.server.request.duration",
            unit: "s",
            description: "Duration of HTTP server requests.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _requests = _meter.CreateCounter<long>("http.server.requests", "{request}", "HTTP server requests served.");
        _meter.CreateObservableGauge("k8s.pod.cpu.utilization", () => Volatile.Read(ref _cpu), "1", "CPU used by the pod as a fraction of its limit.");

        var resource = ResourceBuilder.CreateEmpty()
            .AddService(service, serviceVersion: version, autoGenerateServiceInstanceId: false, serviceInstanceId: pod)
            .AddTelemetrySdk()
            .AddAttributes(
            [
                new("k8s.namespace.name", ns),
                new("k8s.deployment.name", service),
                new("k8s.pod.name", pod),
                new("k8s.node.name", node),
            ]);
        var intervalMs = (int)Math.Clamp(settings.ExportInterval.TotalMilliseconds, 100, int.MaxValue);
        var baseUrl = settings.Endpoint.ToString().TrimEnd('/');
        _meterProvider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(scope)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = new Uri(baseUrl + "/v1/metrics");
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMs;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            })
            .Build();
        _tracerProvider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(scope)
            .SetSampler(new AlwaysOnSampler())
            .AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = new Uri(baseUrl + "/v1/traces");
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = intervalMs;
                // Room for a few intervals of spans at a high --rate; beyond that the processor drops and counts.
                exporter.BatchExportProcessorOptions.MaxQueueSize = 65_536;
                exporter.BatchExportProcessorOptions.MaxExportBatchSize = 2_048;
            })
            .Build();
    }

    /// <summary>The service (and Deployment) name.</summary>
    public string Service { get; }

    /// <summary>The Kubernetes namespace.</summary>
    public string Namespace { get; }

    /// <summary>The pod name.</summary>
    public string Name { get; }

    /// <summary>The HTTP route the pod serves.</summary>
    public string Route { get; }

    /// <summary>Sets what the CPU gauge reports at the next export.</summary>
    public void SetCpu(double utilization) => Volatile.Write(ref _cpu, utilization);

    /// <summary>Records one served request in the duration histogram and the request counter.</summary>
    public void RecordRequest(double seconds, int status)
    {
        var tags = new TagList
        {
            { "http.request.method", "GET" },
            { "http.route", Route },
            { "http.response.status_code", status },
            { "url.scheme", SchemeHttp },
        };
        _duration.Record(seconds, tags);
        _requests.Add(1, tags);
    }

    /// <summary>Records a finished server span; with <paramref name="parent"/> it continues the caller's trace.</summary>
    public ActivityContext ServerSpan(ActivityContext parent, DateTimeOffset start, DateTimeOffset end, int status)
    {
        using var span = _source.StartActivity("GET " + Route, ActivityKind.Server, parent, startTime: start);
        if (span is null)
            return default;
        span.SetTag("http.request.method", "GET");
        span.SetTag("http.route", Route);
        span.SetTag("url.scheme", SchemeHttp);
        span.SetTag("http.response.status_code", status);
        if (status >= 500)
            span.SetStatus(ActivityStatusCode.Error);
        span.SetEndTime(end.UtcDateTime);
        return span.Context;
    }

    /// <summary>Starts a server span whose end is set later (it waits for a downstream call); the caller disposes it.</summary>
    public Activity? StartServerSpan(DateTimeOffset start)
    {
        var span = _source.StartActivity("GET " + Route, ActivityKind.Server, default(ActivityContext), startTime: start);
        span?.SetTag("http.request.method", "GET");
        span?.SetTag("http.route", Route);
        span?.SetTag("url.scheme", SchemeHttp);
        return span;
    }

    /// <summary>Records a finished client span calling <paramref name="callee"/>, child of <paramref name="parent"/>.</summary>
    public ActivityContext ClientSpan(ActivityContext parent, SimulatedPod callee, DateTimeOffset start, DateTimeOffset end, int status)
    {
        using var span = _source.StartActivity("GET", ActivityKind.Client, parent, startTime: start);
        if (span is null)
            return default;
        span.SetTag("http.request.method", "GET");
        span.SetTag("server.address", callee.Service);
        span.SetTag("server.port", 8080);
        span.SetTag("peer.service", callee.Service);
        span.SetTag("url.full", "http://" + callee.Service + ":8080" + callee.Route);
        span.SetTag("http.response.status_code", status);
        if (status >= 500)
            span.SetStatus(ActivityStatusCode.Error);
        span.SetEndTime(end.UtcDateTime);
        return span.Context;
    }

    /// <summary>Exports what is buffered and stops both providers, waiting at most <paramref name="timeout"/> for each.</summary>
    public void Shutdown(TimeSpan timeout)
    {
        var ms = (int)timeout.TotalMilliseconds;
        _tracerProvider.Shutdown(ms);
        _meterProvider.Shutdown(ms);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _tracerProvider.Dispose();
        _meterProvider.Dispose();
        _source.Dispose();
        _meter.Dispose();
    }
}
