using System.Globalization;
using System.Text.RegularExpressions;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary>
/// <c>finscale run</c> stops cleanly on Ctrl-C (SIGINT) and on a pod's stop (SIGTERM): it exits 0 within seconds, having
/// committed the offsets of what it processed, so the next run of the group starts where it ended.
/// </summary>
public partial class RunStopTests
{
    [SkippableTheory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Run_StopsOnSignal_ExitsZero_AndTheNextRunOfTheGroupHasNothingLeft(string signal)
    {
        Skip.If(signal == "INT" && FinscaleProcess.InterruptIgnored,
            "this test run inherited an ignored SIGINT (started in the background of a non-interactive shell), so no child can be interrupted; the SIGTERM case still runs");
        using var broker = FinscaleProcess.Start(["broker"]);
        var bootstrap = (await broker.FirstLineAsync(TimeSpan.FromSeconds(60)))["bootstrap.servers=".Length..];
        var incident = Path.Combine(AppContext.BaseDirectory, "samples", "incident-pod-latency");
        var replay = await FinscaleProcess.RunAsync(["replay", incident, "--bootstrap-servers", bootstrap, "--speed", "max"], TimeSpan.FromMinutes(2));
        Assert.True(replay.ExitCode == 0, replay.Stderr);

        var port = TelemetryCliTests.FreePort();
        var policy = Path.Combine(AppContext.BaseDirectory, "samples", "demo-policy.yaml");
        using var run = FinscaleProcess.Start(
            ["run", "--bootstrap-servers", bootstrap, "--policy", policy, "--group", "stop-test"],
            new Dictionary<string, string> { ["FINSCALE_Telemetry__Port"] = port.ToString(CultureInfo.InvariantCulture) });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

        // Running with no end of its own: the replayed incident has been decided on when its restart is counted.
        await TelemetryCliTests.PollAsync(http, "/metrics", body => body.Contains("finscale_decisions_total{", StringComparison.Ordinal));
        run.Signal(signal);
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromMinutes(2)));
        var first = Stopped().Match(run.Stderr);
        Assert.True(first.Success, run.Stderr);
        Assert.True(long.Parse(first.Groups[1].Value, CultureInfo.InvariantCulture) > 0, run.Stderr);
        Assert.Equal("1", first.Groups[2].Value);

        // The same group again: every offset was committed on the way out, so nothing is read twice and nothing decided twice.
        var next = await FinscaleProcess.RunAsync(
            ["run", "--bootstrap-servers", bootstrap, "--policy", policy, "--group", "stop-test", "--until-idle", "4s"], TimeSpan.FromMinutes(2));
        Assert.True(next.ExitCode == 0, next.Stderr);
        var second = Stopped().Match(next.Stderr);
        Assert.True(second.Success, next.Stderr);
        Assert.Equal("0", second.Groups[1].Value);
        Assert.Equal("0", second.Groups[2].Value);

        broker.Interrupt();
        Assert.Contains(await broker.WaitAsync(TimeSpan.FromSeconds(30)), new[] { 0, 130, 143 });
    }

    [GeneratedRegex(@"Stopped: (\d+) records, \d+ points, \d+ anomalies, (\d+) decisions")]
    private static partial Regex Stopped();
}
