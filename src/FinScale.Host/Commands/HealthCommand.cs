using System.CommandLine;
using System.Globalization;

namespace FinScale.Host.Commands;

/// <summary><c>finscale health</c>: asks a running <c>finscale run</c> on this host whether it is healthy (the image's HEALTHCHECK).</summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Telemetry:Port of the finscale run to ask (default 9464).", DefaultValueFactory = _ => 9464 };
        var ready = new Option<bool>("--ready") { Description = "Ask /readyz (Kafka connected) instead of /healthz." };
        var command = new Command("health", "Exit 0 when the finscale run on this host answers /healthz (or /readyz) with 200, 1 otherwise.") { port, ready };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(ready) ? "/readyz" : "/healthz";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };
            try
            {
                using var response = await http.GetAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{parse.GetValue(port)}{path}")), ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                await Console.Out.WriteAsync(body);
                return response.IsSuccessStatusCode ? CommandRunner.Ok : CommandRunner.Failed;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"finscale health: no answer on port {parse.GetValue(port)}{path}: {ex.Message}");
                return CommandRunner.Failed;
            }
        });
        return command;
    }
}
