using System.Globalization;
using System.Text.RegularExpressions;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary><c>finscale chaos</c> as a user runs it, in a small configuration: every fault kind once or a few times.</summary>
public partial class ChaosCliTests
{
    [Fact]
    public async Task Chaos_SmallConfiguration_LosesAndDoublesNothingAndCountsEveryInjectedFault()
    {
        const int trials = 3;
        const int poison = 300;
        var (code, stdout, stderr) = await FinscaleProcess.RunAsync(
            ["chaos", "--trials", trials.ToString(CultureInfo.InvariantCulture), "--outage", "3s", "--poison", poison.ToString(CultureInfo.InvariantCulture), "--flood", "20000"],
            TimeSpan.FromMinutes(6));

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var summary = Summary().Match(lines.LastOrDefault() ?? string.Empty);
        Assert.True(summary.Success, $"no summary line; stdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Equal(trials, int.Parse(summary.Groups["trials"].Value, CultureInfo.InvariantCulture));

        // Faults: one SIGKILL per trial, one broker outage, every poison record, one flood, one leader kill.
        Assert.Equal(trials + 1 + poison + 1 + 1, long.Parse(summary.Groups["faults"].Value, CultureInfo.InvariantCulture));
        Assert.True(long.Parse(summary.Groups["records"].Value, CultureInfo.InvariantCulture) > 0, stdout);
        Assert.True(summary.Groups["lost"].Value == "0", stdout);
        Assert.True(summary.Groups["doubled"].Value == "0", stdout);
        Assert.Equal(trials, lines.Count(l => l.StartsWith("chaos crash trial=", StringComparison.Ordinal)));
        Assert.True(code == 0, $"exit {code}; a phase check failed:\n{stdout}");
    }

    [GeneratedRegex(@"^chaos trials=(?<trials>\d+) faults=(?<faults>\d+) records=(?<records>\d+) lost=(?<lost>\d+) doubled=(?<doubled>\d+)$")]
    private static partial Regex Summary();
}
