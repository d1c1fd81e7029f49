using FinScale.Host.Configuration;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary><c>finscale config show</c>: the effective configuration from every source, defaults included, secrets masked.</summary>
public sealed class ConfigCliTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(1);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("finscale-config-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task ConfigShow_SecretsInEnvironment_PrintsThemMaskedAndNeverTheirValues()
    {
        var run = await FinscaleProcess.RunAsync(
            ["config", "show"],
            Generous,
            new Dictionary<string, string>
            {
                ["FINSCALE_Kafka__Properties__sasl.password"] = "hunter2",
                ["FINSCALE_Kafka__Properties__sasl.username"] = "alice",
                ["FINSCALE_Kafka__Properties__ssl.key.password"] = "k3y-pass",
                ["FINSCALE_SchemaRegistry__Url"] = "https://alice:s3cret@registry.example:8081",
            });

        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = Lines(run.Stdout);
        Assert.Contains("Kafka:Properties:sasl.password = ***", lines);
        Assert.Contains("Kafka:Properties:ssl.key.password = ***", lines);
        Assert.Contains("Kafka:Properties:sasl.username = alice", lines);
        Assert.Contains("SchemaRegistry:Url = https://***@registry.example:8081", lines);
        foreach (var secret in new[] { "hunter2", "k3y-pass", "s3cret" })
        {
            Assert.DoesNotContain(secret, run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConfigShow_TakesRunsOptions_AndTheyWinOverTheEnvironment()
    {
        var policy = Path.Combine(AppContext.BaseDirectory, "samples", "demo-policy.yaml");

        var run = await FinscaleProcess.RunAsync(
            ["config", "show", "--bootstrap-servers", "from-cli:9092", "--group", "from-cli", "--mode", "enforce", "--policy", policy, "--until-idle", "5s"],
            Generous,
            new Dictionary<string, string> { ["FINSCALE_Kafka__BootstrapServers"] = "from-env:9092", ["FINSCALE_Kafka__GroupId"] = "from-env" });

        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = Lines(run.Stdout);
        Assert.Contains("Kafka:BootstrapServers = from-cli:9092", lines);
        Assert.Contains("Kafka:GroupId = from-cli", lines);
        Assert.Contains("Policy:Mode = Enforce", lines);
        Assert.Contains("Policy:File = " + policy, lines);
        Assert.Contains("Pipeline:UntilIdle = 00:00:05", lines);
    }

    [Fact]
    public async Task ConfigShow_FileEnvironmentAndDefaults_PrintsSortedEffectiveValues()
    {
        var file = Path.Combine(_dir.FullName, "finscale.json");
        await File.WriteAllTextAsync(file, """{ "Kafka": { "BootstrapServers": "from-file:9092", "GroupId": "from-file" }, "Detection": { "ScoreThreshold": 0.9 } }""");

        var run = await FinscaleProcess.RunAsync(
            ["config", "show", "--config", file],
            Generous,
            new Dictionary<string, string> { ["FINSCALE_Kafka__BootstrapServers"] = "from-env:9092" });

        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = Lines(run.Stdout);
        Assert.Contains("Kafka:BootstrapServers = from-env:9092", lines);   // the environment wins over the file
        Assert.Contains("Kafka:GroupId = from-file", lines);
        Assert.Contains("Detection:ScoreThreshold = 0.9", lines);
        Assert.Contains("Kafka:SessionTimeout = 00:00:10", lines);           // defaults of the bound options
        Assert.Contains("Topics:OtlpMetrics = otlp_metrics", lines);
        Assert.Contains("Topics:OtlpSpans = otlp_spans", lines);
        Assert.Contains("Kubernetes:Enabled = False", lines);
        Assert.Contains("Logging:LogLevel:Default = Information", lines);    // appsettings.json keys outside the options
        Assert.All(lines, l => Assert.Matches(@"^[A-Za-z][\w.:-]* =( .*)?$", l));
        Assert.Equal(lines.Order(StringComparer.OrdinalIgnoreCase), lines);
    }

    [Fact]
    public async Task ConfigShow_InvalidValue_ExitsTwoNamingTheKey()
    {
        var run = await FinscaleProcess.RunAsync(
            ["config", "show"],
            Generous,
            new Dictionary<string, string> { ["FINSCALE_Kafka__SessionTimeout"] = "00:00:00.100" });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Kafka:SessionTimeout", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Theory]
    [InlineData("Kafka:Properties:sasl.password", true)]
    [InlineData("Kafka:Properties:ssl.key.password", true)]
    [InlineData("Kafka:Properties:sasl.oauthbearer.client.secret", true)]
    [InlineData("Kafka:Properties:ssl.key.pem", true)]
    [InlineData("Kafka:Properties:ssl.key", true)]
    [InlineData("Kubernetes:Token", true)]
    [InlineData("Some:ApiKey:Secret", true)]
    [InlineData("Kafka:Properties:sasl.username", false)]
    [InlineData("Kafka:Properties:ssl.key.location", false)]
    [InlineData("Kafka:BootstrapServers", false)]
    public void IsSecretKey_LastSegment_MatchesSecretNames(string key, bool secret) =>
        Assert.Equal(secret, EffectiveConfiguration.IsSecretKey(key));

    [Theory]
    [InlineData("SchemaRegistry:Url", "http://user:pw@host:8081/x", "http://***@host:8081/x")]
    [InlineData("Telemetry:OtlpEndpoint", "http://collector:4317", "http://collector:4317")]
    [InlineData("Kafka:Properties:sasl.password", "pw", "***")]
    [InlineData("Kafka:Properties:sasl.password", "", "")]
    public void MaskValue_SecretsAndUrlCredentials_AreMasked(string key, string value, string expected) =>
        Assert.Equal(expected, EffectiveConfiguration.MaskValue(key, value));

    private static List<string> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
