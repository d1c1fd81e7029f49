using System.CommandLine;
using System.Globalization;
using FinScale.Host.Loadgen;

namespace FinScale.Host.Commands;

/// <summary>
/// <c>finscale loadgen</c>: simulated services and pods sending real OTLP/HTTP protobuf (metrics and traces) with the
/// OpenTelemetry .NET SDK, e.g. to the Collector of the docker-compose local replay, which writes it to Kafka.
/// </summary>
internal static class LoadgenCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var endpoint = new Option<Uri>("--otlp-endpoint")
        {
            Description = "OTLP/HTTP receiver base URL, e.g. http://otel-collector:4318 (/v1/metrics and /v1/traces are appended).",
            Required = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                    return uri;
                result.AddError($"'{text}' is not an http(s) URL");
                return null;
            },
        };
        var services = new Option<int>("--services") { Description = "Simulated services; each calls the next.", DefaultValueFactory = _ => 3 };
        var pods = new Option<int>("--pods") { Description = "Pods per service.", DefaultValueFactory = _ => 3 };
        var rate = new Option<double>("--rate") { Description = "Requests per second per pod.", DefaultValueFactory = _ => 20 };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Stop after this long (e.g. 30s, 10m); default: until interrupted.", CustomParser = CommonOptions.ParseDuration };
        var incident = new Option<string>("--incident") { Description = "Inject an incident: pod-latency (one pod 8x slower after the warm-up) or none.", DefaultValueFactory = _ => "none" };
        incident.AcceptOnlyFromAmong("pod-latency", "none");
        var warmUp = new Option<TimeSpan?>("--warm-up") { Description = "Normal traffic before the incident. Default 3m.", CustomParser = CommonOptions.ParseDuration };
        var incidentFor = new Option<TimeSpan?>("--incident-for") { Description = "How long the incident lasts. Default 5m.", CustomParser = CommonOptions.ParseDuration };
        var interval = new Option<TimeSpan?>("--export-interval") { Description = "Metric export interval and span batch delay. Default 5s.", CustomParser = CommonOptions.ParseDuration };
        var command = new Command("loadgen", "Send simulated service telemetry (OTLP/HTTP protobuf metrics and traces) to an OpenTelemetry Collector.")
        {
            endpoint, services, pods, rate, duration, incident, warmUp, incidentFor, interval,
        };
        command.SetAction((parse, ct) =>
        {
            var defaults = new LoadgenSettings { Endpoint = parse.GetRequiredValue(endpoint) };
            var settings = defaults with
            {
                Services = parse.GetValue(services),
                PodsPerService = parse.GetValue(pods),
                RatePerPod = parse.GetValue(rate),
                Duration = parse.GetValue(duration),
                Incident = parse.GetValue(incident) ?? "none",
                WarmUp = parse.GetValue(warmUp) ?? defaults.WarmUp,
                IncidentLength = parse.GetValue(incidentFor) ?? defaults.IncidentLength,
                ExportInterval = parse.GetValue(interval) ?? defaults.ExportInterval,
            };
            if (Problem(settings) is { } problem)
            {
                Console.Error.WriteLine("finscale loadgen: " + problem);
                return Task.FromResult(CommandRunner.BadConfiguration);
            }

            return RunAsync(settings, ct);
        });
        return command;
    }

    /// <summary>What is wrong with the settings, or null.</summary>
    private static string? Problem(LoadgenSettings s) =>
        s.Services is < 1 or > 1_000 ? "--services must be 1..1000"
        : s.PodsPerService is < 1 or > 1_000 ? "--pods must be 1..1000"
        : !double.IsFinite(s.RatePerPod) || s.RatePerPod <= 0 || s.RatePerPod > 100_000 ? "--rate must be > 0 and at most 100000 requests/s per pod"
        : s.ExportInterval < TimeSpan.FromMilliseconds(100) ? "--export-interval must be at least 100ms"
        : null;

    private static async Task<int> RunAsync(LoadgenSettings settings, CancellationToken cancellationToken)
    {
        static void Log(string message) => Console.Error.WriteLine("finscale loadgen: " + message);

        using var generator = new LoadGenerator(settings, TimeProvider.System);
        Log(string.Create(
            CultureInfo.InvariantCulture,
            $"{settings.Services} services x {settings.PodsPerService} pods at {settings.RatePerPod} req/s each -> {settings.Endpoint} (OTLP/HTTP protobuf, every {settings.ExportInterval.TotalSeconds}s)"));
        await generator.RunAsync(Log, cancellationToken);

        // A final export of everything recorded, also after Ctrl-C; an unreachable receiver costs at most this long.
        generator.Flush(TimeSpan.FromSeconds(10));
        await Console.Out.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"loadgen pods={settings.Services * settings.PodsPerService} requests={generator.Requests} spans={generator.Spans}"));
        return CommandRunner.Ok;
    }
}
