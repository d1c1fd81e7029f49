using System.CommandLine;
using System.Globalization;
using FinScale.Host.Telemetry;
using Microsoft.Extensions.Configuration;

namespace FinScale.Host.Commands;

/// <summary><c>finscale health</c>: asks a running <c>finscale run</c> on this host whether it is healthy (the image's HEALTHCHECK).</summary>
internal static class HealthCommand
{
    private const string PortKey = TelemetryOptions.Section + ":" + nameof(TelemetryOptions.Port);

    /// <summary>How long <c>finscale health</c> waits for an answer unless <c>--timeout</c> says otherwise.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(4);

    public static Command Create()
    {
        var port = new Option<int?>("--port")
        {
            Description = "Port of the finscale run to ask. Default: Telemetry:Port as finscale run reads it (appsettings.json, --config, FINSCALE_Telemetry__Port), else 9464.",
        };
        var ready = new Option<bool>("--ready") { Description = "Ask /readyz (Kafka connected) instead of /healthz." };
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = "How long to wait for the answer (default 4s, inside the image HEALTHCHECK's 5s; e.g. 500ms, 30s).",
            CustomParser = CommonOptions.ParseDuration(t => t > TimeSpan.Zero, "--timeout must be positive"),
        };
        var config = CommonOptions.Config();
        var command = new Command("health", "Exit 0 when the finscale run on this host answers /healthz (or /readyz) with 200, 1 otherwise.") { port, ready, timeout, config };
        command.SetAction(async (parse, ct) =>
        {
            var (resolved, error) = parse.GetValue(port) is int given ? (given, null) : ConfiguredPort(parse.GetValue(config));
            if (error is not null)
            {
                await Console.Error.WriteLineAsync("finscale health: " + error);
                return CommandRunner.BadConfiguration;
            }

            var path = parse.GetValue(ready) ? "/readyz" : "/healthz";
            using var http = new HttpClient { Timeout = parse.GetValue(timeout) ?? DefaultTimeout };
            try
            {
                using var response = await http.GetAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{resolved}{path}")), ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                await Console.Out.WriteAsync(body);
                return response.IsSuccessStatusCode ? CommandRunner.Ok : CommandRunner.Failed;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
            {
                await Console.Error.WriteLineAsync($"finscale health: no answer on port {resolved}{path}: {ex.Message}");
                return CommandRunner.Failed;
            }
        });
        return command;
    }

    /// <summary>
    /// Telemetry:Port from the sources <c>finscale run</c> reads (so a HEALTHCHECK or probe command needs no
    /// <c>--port</c> when the port is moved with <c>FINSCALE_Telemetry__Port</c>), or the default; an error naming the key otherwise.
    /// </summary>
    internal static (int Port, string? Error) ConfiguredPort(string? configFile)
    {
        string? text;
        try
        {
            text = FinScaleHost.AddConfigurationSources(new ConfigurationBuilder(), new CliSettings { ConfigFile = configFile }).Build()[PortKey];
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException)
        {
            return (0, "cannot read the configuration: " + ex.Message);
        }

        if (string.IsNullOrWhiteSpace(text))
            return (new TelemetryOptions().Port, null);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value is < 0 or > 65535)
            return (0, $"{PortKey}: '{text}' is not a port (0-65535)");
        if (value == 0)
            return (0, $"{PortKey} is 0: finscale run serves no /healthz or /readyz to ask");
        return (value, null);
    }
}
