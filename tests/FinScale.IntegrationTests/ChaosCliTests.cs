using System.Globalization;
using System.Text.RegularExpressions;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary><c>finscale chaos</c> as a user runs it, in a small configuration: every fault kind once or a few times.</summary>
public partial class ChaosCliTests
{
    [Fact]
    public async Task Chaos_SmallConfiguration_CountsEveryInjectedFaultLosesNoInputAndDoublesNothing()
    {
        const int trials = 3;
        const int poison = 300;
        var (code, stdout, stderr) = await FinscaleProcess.RunAsync(
            ["chaos", "--trials", trials.ToString(CultureInfo.InvariantCulture), "--outage", "3s", "--poison", poison.ToString(CultureInfo.InvariantCulture), "--flood", "20000"],
            TimeSpan.FromMinutes(8));

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var summary = Summary().Match(lines.LastOrDefault() ?? string.Empty);
        Assert.True(summary.Success, $"no summary line; stdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Equal(trials, int.Parse(summary.Groups["trials"].Value, CultureInfo.InvariantCulture));

        // Faults: one SIGKILL per trial, one broker outage, every poison record, one flood, one leader kill, every faulty
        // answer of the API server (500 and 503 twice and three times each, a held-back answer once and three times, a
        // 409, a PDB's 429), every series slowed by the storms or silenced (a deployment's 4 pods, the 16 pods on half of
        // 8 nodes, 1 silent).
        var phases = lines.Select(l => PhaseLine().Match(l)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["phase"].Value, m => (Ok: m.Groups["ok"].Value == "ok", Faults: long.Parse(m.Groups["faults"].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(new[] { "crash", "outage", "poison", "memory", "leader", "kubernetes", "storm" }, phases.Keys);
        Assert.Equal(trials + 1 + poison + 1 + 1 + 16 + 21, long.Parse(summary.Groups["faults"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(16, phases["kubernetes"].Faults);
        Assert.Equal(21, phases["storm"].Faults);

        // The API faults and the storms involve no kill: their checks (every fault audited, attempts bounded, nothing
        // written after a success; no more cordons than the guards allow, the rest held back by a named guard, no action
        // on a clean or silent series) hold outright.
        Assert.True(phases["kubernetes"].Ok, stdout);
        Assert.True(phases["storm"].Ok, stdout);
        Assert.True(long.Parse(summary.Groups["records"].Value, CultureInfo.InvariantCulture) > 0, stdout);
        Assert.True(summary.Groups["doubled"].Value == "0", stdout);
        Assert.Equal(trials, lines.Count(l => l.StartsWith("chaos crash trial=", StringComparison.Ordinal)));

        // No input record is lost: every phase ends with the group's offsets at the end of its input, and every poison
        // record on the dead-letter topic. (lost also counts remediations applied but not audited, which happen when a
        // run dies between the write and its audit record and its successor's detector, restarted cold, does not decide
        // again; that is reported, not asserted here.)
        Assert.All(lines.Where(l => l.StartsWith("chaos phase=", StringComparison.Ordinal) && !l.Contains("phase=poison", StringComparison.Ordinal)),
            l => Assert.DoesNotContain("did not commit", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"chaos poison sent={poison}", StringComparison.Ordinal) && l.Contains($"dead_lettered={poison} valid_dead_lettered=0", StringComparison.Ordinal));
        Assert.All(lines.Where(l => l.Contains(" uncommitted=", StringComparison.Ordinal) && !l.StartsWith("chaos crash trial=", StringComparison.Ordinal)),
            l => Assert.Contains(" uncommitted=0", l, StringComparison.Ordinal));
        Assert.True(code == 0 || summary.Groups["lost"].Value != "0", $"exit {code} with nothing lost: a phase check failed:\n{stdout}");
    }

    [GeneratedRegex(@"^chaos phase=(?<phase>\w+) (?<ok>ok|FAILED) faults=(?<faults>\d+) ")]
    private static partial Regex PhaseLine();

    [GeneratedRegex(@"^chaos trials=(?<trials>\d+) faults=(?<faults>\d+) records=(?<records>\d+) lost=(?<lost>\d+) doubled=(?<doubled>\d+)$")]
    private static partial Regex Summary();
}
