using System.Text.Json;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary>The <c>finscale</c> executable as a user runs it: separate processes talking over the broker's TCP port.</summary>
public class CliTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Broker_Replay_Run_AuditTail_AcrossProcesses_ShowTheShadowRestart()
    {
        using var broker = FinscaleProcess.Start(["broker"]);
        var first = await broker.FirstLineAsync(TimeSpan.FromSeconds(60));
        Assert.Matches(@"^bootstrap\.servers=127\.0\.0\.1:\d+$", first);
        var bootstrap = first["bootstrap.servers=".Length..];

        var incident = Path.Combine(AppContext.BaseDirectory, "samples", "incident-pod-latency");
        var replay = await FinscaleProcess.RunAsync(["replay", incident, "--bootstrap-servers", bootstrap, "--speed", "max"], Generous);
        Assert.True(replay.ExitCode == 0, replay.Stderr);
        Assert.Contains("replayed 1800 samples of 5 series", replay.Stdout, StringComparison.Ordinal);

        var policy = Path.Combine(AppContext.BaseDirectory, "samples", "demo-policy.yaml");
        var run = await FinscaleProcess.RunAsync(["run", "--bootstrap-servers", bootstrap, "--mode", "shadow", "--policy", policy, "--until-idle", "2s"], Generous,
            new Dictionary<string, string> { ["FINSCALE_Kafka__SessionTimeout"] = "00:00:06" });
        Assert.True(run.ExitCode == 0, run.Stderr);

        var tail = await FinscaleProcess.RunAsync(["audit", "tail", "--bootstrap-servers", bootstrap, "--from-beginning", "--until-idle", "2s"], Generous);
        Assert.True(tail.ExitCode == 0, tail.Stderr);
        var lines = tail.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var decision = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal("restart_pod", decision.GetProperty("action").GetString());
        Assert.Equal("shadow", decision.GetProperty("mode").GetString());
        Assert.Equal("recommended", decision.GetProperty("outcome").GetString());
        Assert.Equal("checkout-7c9d8-qx2vw", decision.GetProperty("target").GetProperty("name").GetString());
        Assert.Equal("pod_fault", decision.GetProperty("finding").GetString());
        Assert.Equal("restart-faulty-pod", decision.GetProperty("rule").GetString());

        var verify = await FinscaleProcess.RunAsync(["audit", "verify", "--bootstrap-servers", bootstrap, "--until-idle", "2s"], Generous);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("ok, 1 records in 1 chains, every link holds", verify.Stdout, StringComparison.Ordinal);

        var report = await FinscaleProcess.RunAsync(["audit", "report", "--bootstrap-servers", bootstrap, "--until-idle", "2s"], Generous);
        Assert.True(report.ExitCode == 0, report.Stderr);
        Assert.Contains("decisions: 1 (0 without action)", report.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"restart_pod\s+1\s+0\s+0\s+0\s+0\s+0\s+", report.Stdout);

        broker.Interrupt();
        Assert.Contains(await broker.WaitAsync(TimeSpan.FromSeconds(30)), new[] { 0, 130, 143 }); // 130, 143: the conventional codes after SIGINT, SIGTERM
    }

    [Fact]
    public async Task Demo_NeedsNothingOutsideTheRepo_PrintsDetectionAndShadowRestart()
    {
        var demo = await FinscaleProcess.RunAsync(["demo"], Generous);
        Assert.True(demo.ExitCode == 0, demo.Stderr);
        Assert.Contains("replayed 1800 samples of 5 series", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("k8s.pod.name=\"checkout-7c9d8-qx2vw\"", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("restart_pod Pod/payments/checkout-7c9d8-qx2vw  [recommended]", demo.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InvalidPolicy_RefusesToStartWithLineAndColumnOfEveryError()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("finscale-policy-").FullName, "bad.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: finscale.io/v1
            kind: RemediationPolicy
            rules:
              - name: r1
                when: { finding: pod_fualt }
                action: restart_pod
            guards:
              cooldown: soon
            """);

        var run = await FinscaleProcess.RunAsync(["run", "--policy", file], TimeSpan.FromSeconds(60));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{file}:5:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:8:", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("embedded broker", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnreachableBootstrapServers_FailsQuicklyNamingTheAddress()
    {
        var run = await FinscaleProcess.RunAsync(["run", "--bootstrap-servers", "127.0.0.1:1"], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["FINSCALE_Kafka__ConnectTimeout"] = "00:00:03" });
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot reach Kafka at 127.0.0.1:1", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FINSCALE_Pipeline__ChannelCapacity", "0", "Pipeline:ChannelCapacity")]
    [InlineData("FINSCALE_Kafka__SessionTimeout", "soon", "Kafka:SessionTimeout")]
    [InlineData("FINSCALE_Detection__Warmup", "10", "Warmup")]
    [InlineData("FINSCALE_SchemaRegistry__Url", "registry:8081", "SchemaRegistry:Url")]
    public async Task Run_BadConfiguration_FailsAtStartNamingTheKey(string variable, string value, string key)
    {
        var run = await FinscaleProcess.RunAsync(["run"], TimeSpan.FromSeconds(60), new Dictionary<string, string> { [variable] = value });
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(key, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_BadRows_AreReportedWithFileAndLineAndSkipped()
    {
        var dir = Directory.CreateTempSubdirectory("finscale-replay-");
        try
        {
            var file = Path.Combine(dir.FullName, "cpu.csv");
            await File.WriteAllTextAsync(file, "timestamp,value\n2026-01-01 00:00:00,1\nnot a row\n2026-01-01 00:02:00,abc\n2026-01-01 00:03:00,4\n");
            var replay = await FinscaleProcess.RunAsync(["replay", file], Generous);
            Assert.True(replay.ExitCode == 0, replay.Stderr);
            Assert.Contains("cpu.csv:3:", replay.Stderr, StringComparison.Ordinal);
            Assert.Contains("cpu.csv:4:", replay.Stderr, StringComparison.Ordinal);
            Assert.Contains("replayed 2 samples of 1 series", replay.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
