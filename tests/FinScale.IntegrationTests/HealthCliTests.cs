using System.Diagnostics;
using System.Globalization;
using System.Net;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary>
/// <c>finscale health</c> (the image's HEALTHCHECK) asks the port <c>finscale run</c> serves on: Telemetry:Port from the
/// same configuration sources when <c>--port</c> is not given, so moving the port with <c>FINSCALE_Telemetry__Port</c>
/// does not leave the check asking 9464.
/// </summary>
public sealed class HealthCliTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(1);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("finscale-health-");
    private readonly HttpListener _listener;
    private readonly int _port;

    public HealthCliTests()
    {
        // A stand-in for a run's telemetry endpoint: /healthz answers 200 "ok", anything else 404.
        (_listener, _port) = Listen();
        _ = ServeAsync(_listener);
    }

    public void Dispose()
    {
        _listener.Close();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Health_WithoutPort_AsksTelemetryPortFromTheEnvironment()
    {
        var run = await FinscaleProcess.RunAsync(["health", "--timeout", "50s"], Generous, Env(_port.ToString(CultureInfo.InvariantCulture)));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("ok\n", run.Stdout);
    }

    [Fact]
    public async Task Health_WithoutPort_AsksTelemetryPortFromTheConfigFile()
    {
        var file = Path.Combine(_dir.FullName, "finscale.json");
        await File.WriteAllTextAsync(file, $$"""{ "Telemetry": { "Port": {{_port}} } }""");

        // FinscaleProcess sets FINSCALE_Telemetry__Port=0 for every child, which would win over the file: run it without.
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "finscale.dll"), "health", "--config", file, "--timeout", "50s" })
            info.ArgumentList.Add(a);
        info.Environment.Remove("FINSCALE_Telemetry__Port");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Generous);
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Equal("ok\n", await stdout);
    }

    [Fact]
    public async Task Health_PortOption_WinsOverTheConfiguration()
    {
        var closed = TelemetryCliTests.FreePort();

        var run = await FinscaleProcess.RunAsync(["health", "--port", closed.ToString(CultureInfo.InvariantCulture)], Generous, Env(_port.ToString(CultureInfo.InvariantCulture)));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"no answer on port {closed}/healthz", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ServerThatNeverAnswers_FailsAfterTheTimeout_AndAZeroTimeoutIsRefused()
    {
        // Accepts the connection and reads the request, but never answers.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = silent.AcceptTcpClientAsync();

        var run = await FinscaleProcess.RunAsync(["health", "--port", port.ToString(CultureInfo.InvariantCulture), "--timeout", "500ms"], Generous);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"no answer on port {port}/healthz", run.Stderr, StringComparison.Ordinal);
        (await accepted).Dispose();

        var zero = await FinscaleProcess.RunAsync(["health", "--timeout", "0s"], Generous);
        Assert.NotEqual(0, zero.ExitCode);
        Assert.Contains("--timeout must be positive, got 0s", zero.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ConfiguredPortThatServesNothing_FailsNamingTheKey()
    {
        var zero = await FinscaleProcess.RunAsync(["health"], Generous, Env("0"));
        Assert.Equal(2, zero.ExitCode);
        Assert.Contains("Telemetry:Port is 0", zero.Stderr, StringComparison.Ordinal);

        var invalid = await FinscaleProcess.RunAsync(["health"], Generous, Env("http"));
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("Telemetry:Port: 'http' is not a port", invalid.Stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Env(string port) => new() { ["FINSCALE_Telemetry__Port"] = port };

    private static (HttpListener Listener, int Port) Listen()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = TelemetryCliTests.FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Taken between FreePort and Start: try another.
                listener.Close();
            }
        }
    }

    private static async Task ServeAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var ok = context.Request.Url?.AbsolutePath == "/healthz";
            context.Response.StatusCode = ok ? 200 : 404;
            var body = System.Text.Encoding.UTF8.GetBytes(ok ? "ok\n" : "not found\n");
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}
