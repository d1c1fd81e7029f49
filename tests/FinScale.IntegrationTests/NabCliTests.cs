using System.Globalization;
using System.Text.Json;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary><c>finscale nab</c> as a user runs it, on a two-file corpus in NAB's layout.</summary>
public sealed class NabCliTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("finscale-nab-");

    public NabCliTests()
    {
        // catA/a.csv: 40 one-minute rows with a spike inside the window 20..25; catB/b.csv: 40 rows, no window.
        Write("data/catA/a.csv", Rows(40, spikeAt: 22));
        Write("data/catB/b.csv", Rows(40, spikeAt: -1));
        Write("labels/combined_windows.json", """
            {
                "catA/a.csv": [["2020-01-01 00:20:00.000000", "2020-01-01 00:25:00.000000"]],
                "catB/b.csv": []
            }
            """);
    }

    private string Root => _dir.FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Nab_NullDetector_WritesNabResultsAndScoresZero()
    {
        var outDir = Path.Combine(Root, "out");
        var run = await FinscaleProcess.RunAsync(["nab", "--data", Root, "--out", outDir, "--detector", "null"], Generous);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("nab standard=0.00 low_fp=0.00 low_fn=0.00", LastLine(run.Stdout));
        var results = File.ReadAllLines(Path.Combine(outDir, "catA", "null_a.csv"));
        Assert.Equal("timestamp,value,anomaly_score,label", results[0]);
        Assert.Equal(41, results.Length);
        Assert.Equal("2020-01-01 00:00:00,10,0.5,0", results[1]);
        Assert.Equal("2020-01-01 00:20:00,10,0.5,1", results[21]);
        Assert.Equal("2020-01-01 00:25:00,10,0.5,1", results[26]);
        Assert.Equal("2020-01-01 00:26:00,10,0.5,0", results[27]);
        Assert.True(File.Exists(Path.Combine(outDir, "catB", "null_b.csv")));

        using var thresholds = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "thresholds.json")));
        var standard = thresholds.RootElement.GetProperty("null").GetProperty("standard");
        Assert.Equal(1.1, standard.GetProperty("threshold").GetDouble());
        Assert.Equal(-1.0, standard.GetProperty("score").GetDouble());

        // Scoring again at the thresholds just written, from the data/ folder itself, gives the same result.
        var again = await FinscaleProcess.RunAsync(
            ["nab", "--data", Path.Combine(Root, "data"), "--out", outDir, "--detector", "null", "--thresholds", Path.Combine(outDir, "thresholds.json")], Generous);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal("nab standard=0.00 low_fp=0.00 low_fn=0.00", LastLine(again.Stdout));
    }

    [Fact]
    public async Task Nab_DefaultDetector_PrintsTheThreeNormalisedScoresLast()
    {
        var run = await FinscaleProcess.RunAsync(["nab", "--data", Root, "--out", Path.Combine(Root, "out")], Generous);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Matches(@"^nab standard=-?\d+\.\d\d low_fp=-?\d+\.\d\d low_fn=-?\d+\.\d\d$", LastLine(run.Stdout));
    }

    [Theory]
    [InlineData("--data", "missing", "no such directory")]
    [InlineData("--detector", "nope", "no detector 'nope'")]
    [InlineData("--thresholds", "missing.json", "no such file")]
    public async Task Nab_BadInput_ExitsTwoNamingIt(string option, string value, string message)
    {
        var args = new Dictionary<string, string> { ["--data"] = Root, ["--out"] = Path.Combine(Root, "out") };
        args[option] = option == "--detector" ? value : Path.Combine(Root, value);
        var run = await FinscaleProcess.RunAsync(["nab", .. args.SelectMany(a => new[] { a.Key, a.Value })], Generous);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nab_WindowEndNotInData_ExitsTwo()
    {
        Write("labels/combined_windows.json", """{ "catA/a.csv": [["2020-01-01 00:20:00.000000", "2020-01-01 00:25:30.000000"]], "catB/b.csv": [] }""");
        var run = await FinscaleProcess.RunAsync(["nab", "--data", Root, "--out", Path.Combine(Root, "out"), "--detector", "null"], Generous);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no row's timestamp", run.Stderr, StringComparison.Ordinal);
    }

    private static string LastLine(string stdout) => stdout.TrimEnd().Split('\n')[^1].TrimEnd('\r');

    private static string Rows(int n, int spikeAt)
    {
        var lines = new List<string> { "timestamp,value" };
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < n; i++)
            lines.Add(start.AddMinutes(i).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "," + (i == spikeAt ? "500" : "10"));
        return string.Join('\n', lines) + "\n";
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
