using System.Globalization;
using FinScale.Kubernetes.LeaderElection;
using FinScale.Streaming.Pipeline;
using FinScale.Streaming.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FinScale.Host.Telemetry;

/// <summary>
/// Serves <c>/healthz</c> (the process answers), <c>/readyz</c> (Kafka connected, per the consumer's statistics, and the
/// replica's leadership) and <c>/metrics</c> (Prometheus text) while <c>finscale run</c> runs, and exports metrics and
/// remediation spans over OTLP when an endpoint is configured.
/// </summary>
internal sealed class TelemetryServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TelemetryServer(WebApplication app) => _app = app;

    /// <summary>
    /// Points an OTLP exporter at <c>Telemetry:OtlpEndpoint</c>, a collector's base address: over gRPC (the default) as
    /// is, over HTTP/protobuf (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>) with the signal's path appended, as the
    /// exporter itself does for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>. Without it the exporter reads the standard
    /// <c>OTEL_EXPORTER_OTLP_*</c> variables itself (an endpoint set in code would be used as the full URL of both signals).
    /// </summary>
    internal static void PointAt(OtlpExporterOptions exporter, string? configured, string signalPath)
    {
        if (configured is null)
            return;
        var endpoint = new Uri(configured);
        exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : endpoint;
    }

    /// <summary>
    /// What <c>/readyz</c> answers: 200 while the consumer's Kafka statistics show a broker up, else 503; a standby (leader
    /// election on, lease held elsewhere) is always ready, since it only competes for the lease and its consumer is idle
    /// until it leads. The body names Kafka's state, the brokers up, the role (<c>single</c>, <c>leader</c>,
    /// <c>standby</c>) and the records consumed.
    /// </summary>
    internal static (int Status, string Body) Readiness(bool connected, int brokersUp, ILeadership? leadership, long records)
    {
        var role = leadership is null ? "single" : leadership.IsLeader ? "leader" : "standby";
        var body = string.Create(CultureInfo.InvariantCulture,
            $"kafka={(connected ? "connected" : "disconnected")} brokers_up={brokersUp} role={role} records={records}\n");
        return (connected || role == "standby" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, body);
    }

    /// <summary>The address the server listens on.</summary>
    public string Address => _app.Urls.FirstOrDefault() ?? string.Empty;

    /// <summary>Starts the server, or returns null when <see cref="TelemetryOptions.Port"/> is 0 or the port cannot be bound
    /// (logged: the pipeline runs on without its endpoints rather than not at all).</summary>
    public static async Task<TelemetryServer?> StartAsync(TelemetryOptions options, MetricsPipeline pipeline, ILeadership? leadership, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.Port == 0)
            return null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://0.0.0.0:{options.Port}"));
        var configured = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : options.OtlpEndpoint;
        var otlp = configured is not null || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("finscale", serviceInstanceId: leadership?.Identity ?? Environment.MachineName))
            .WithMetrics(m =>
            {
                m.AddMeter(FinScaleTelemetry.MeterName).AddPrometheusExporter();
                if (otlp)
                    m.AddOtlpExporter(o => PointAt(o, configured, "v1/metrics"));
            })
            .WithTracing(t =>
            {
                t.AddSource(FinScaleTelemetry.ActivitySourceName);
                if (otlp)
                    t.AddOtlpExporter(o => PointAt(o, configured, "v1/traces"));
            });

        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () =>
        {
            var kafka = pipeline.Kafka;
            var (status, body) = Readiness(kafka.IsConnected(options.ReadyFreshness), kafka.BrokersUp, leadership, pipeline.Stats.Records);
            return Results.Text(body, statusCode: status);
        });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            logger.LogWarning("Telemetry:Port {Port} cannot be served ({Reason}): no /healthz, /readyz or /metrics this run", options.Port, ex.Message);
            await app.DisposeAsync();
            return null;
        }

        return new TelemetryServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
