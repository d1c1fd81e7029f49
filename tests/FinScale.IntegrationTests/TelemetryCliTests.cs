using System.Net;
using System.Net.Sockets;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary><c>finscale run</c>'s own health, readiness and metrics endpoints, scraped while it runs.</summary>
public class TelemetryCliTests
{
    [Fact]
    public async Task Run_ServesHealthReadinessAndPrometheusMetricsOfWhatItDid()
    {
        using var broker = FinscaleProcess.Start(["broker"]);
        var bootstrap = (await broker.FirstLineAsync(TimeSpan.FromSeconds(60)))["bootstrap.servers=".Length..];
        var incident = Path.Combine(AppContext.BaseDirectory, "samples", "incident-pod-latency");
        var replay = await FinscaleProcess.RunAsync(["replay", incident, "--bootstrap-servers", bootstrap, "--speed", "max"], TimeSpan.FromMinutes(2));
        Assert.True(replay.ExitCode == 0, replay.Stderr);

        var port = FreePort();
        var policy = Path.Combine(AppContext.BaseDirectory, "samples", "demo-policy.yaml");
        using var run = FinscaleProcess.Start(
            ["run", "--bootstrap-servers", bootstrap, "--policy", policy],
            new Dictionary<string, string>
            {
                ["FINSCALE_Telemetry__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["FINSCALE_Kafka__Properties__statistics.interval.ms"] = "500",
                ["FINSCALE_Kafka__SessionTimeout"] = "00:00:06",
            });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

        var ready = await PollAsync(http, "/readyz", body => body.Contains("kafka=connected", StringComparison.Ordinal));
        Assert.Contains("role=single", ready, StringComparison.Ordinal);
        Assert.Equal("ok\n", await PollAsync(http, "/healthz", body => body == "ok\n"));

        // A new process's first request JITs its whole HTTP client; on a loaded machine that alone can outlast the 4 s default.
        var health = await FinscaleProcess.RunAsync(["health", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ready", "--timeout", "50s"], TimeSpan.FromSeconds(60));
        Assert.True(health.ExitCode == 0, health.Stderr);
        Assert.Contains("kafka=connected", health.Stdout, StringComparison.Ordinal);
        var metrics = await PollAsync(http, "/metrics", body => body.Contains("finscale_decisions_total{", StringComparison.Ordinal));

        Assert.Contains("finscale_records_consumed_total", metrics, StringComparison.Ordinal);
        Assert.Contains("finscale_series_active", metrics, StringComparison.Ordinal);
        Assert.Contains("finscale_detection_latency_milliseconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Matches("finscale_anomalies_total\\{[^}]*metric=\"http.server.request.duration.p99\"[^}]*\\} 1", metrics);
        Assert.Matches("finscale_decisions_total\\{[^}]*action=\"restart_pod\"[^}]*outcome=\"recommended\"[^}]*\\} 1", metrics);

        // Stopped by the test, not by --until-idle: a run that ended itself after a few idle seconds could be gone before a
        // slow first scrape (a cold Kestrel on a loaded CI machine) had its answer.
        run.Signal("TERM");
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromMinutes(2)));
        broker.Interrupt();
        await broker.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Asks for <paramref name="path"/> until its answer is 200 and <paramref name="done"/>, for up to 90 s. A refused
    /// connection (not listening yet) and a request that outlives the client's timeout (the first requests to a cold
    /// server JIT its whole request path, which took over 5 s on CI's loaded 2 cores) are both asked again.
    /// </summary>
    internal static async Task<string> PollAsync(HttpClient http, string path, Func<string, bool> done)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(90);
        var last = string.Empty;
        var unanswered = 0;
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                last = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK && done(last))
                    return last;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
            {
                unanswered++;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{path} never answered as expected ({unanswered} requests outlived {http.Timeout.TotalSeconds:0} s); last answer: {last}");
    }

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
