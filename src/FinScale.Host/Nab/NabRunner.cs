using System.Globalization;
using System.Text;
using FinScale.Detection.Nab;
using FinScale.Detection.Scoring;

namespace FinScale.Host.Nab;

/// <summary>What a NAB run produced: the scores per profile and where the files went.</summary>
/// <param name="Detector">The detector's name.</param>
/// <param name="Files">Data files run and scored.</param>
/// <param name="Windows">Windows scored.</param>
/// <param name="Scores">One score per profile, in <see cref="NabProfile.All"/> order.</param>
/// <param name="ThresholdsPath">The <c>thresholds.json</c> written.</param>
internal sealed record NabRunResult(string Detector, int Files, int Windows, IReadOnlyList<NabScore> Scores, string ThresholdsPath);

/// <summary>
/// Runs a detector over every file of a NAB corpus and scores it: one fresh scorer per file fed row by row in file order,
/// a results file per data file (<c>OUT/&lt;category&gt;/&lt;detector&gt;_&lt;file&gt;.csv</c>, the layout NAB's scorer reads under
/// <c>results/&lt;detector&gt;/</c>), then the NAB score per profile at the best thresholds (or given ones) and <c>OUT/thresholds.json</c>.
/// Files run in parallel; every output is in file order, so a run is repeatable.
/// </summary>
internal static class NabRunner
{
    public const string ResultsHeader = "timestamp,value,anomaly_score,label";

    /// <param name="data">The corpus.</param>
    /// <param name="detector">The detector.</param>
    /// <param name="outputDirectory">Where results files and <c>thresholds.json</c> go.</param>
    /// <param name="thresholds">Per profile name, the threshold to score at; null to choose the best per profile.</param>
    /// <param name="ct">Stops the run.</param>
    public static async Task<NabRunResult> RunAsync(
        NabDataSet data, IPointScorerFactory detector, string outputDirectory, IReadOnlyDictionary<string, double>? thresholds, CancellationToken ct)
    {
        if (detector.Name.Contains('_', StringComparison.Ordinal))
            throw new NabInputException($"detector name '{detector.Name}' contains '_', which NAB's results file names cannot hold");
        if (File.Exists(outputDirectory))
            throw new NabInputException($"--out {outputDirectory}: is a file, not a directory");
        try
        {
            Directory.CreateDirectory(outputDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new NabInputException($"--out {outputDirectory}: cannot create it: {ex.Message}", ex);
        }

        var series = new NabSeries[data.Files.Count];
        var parallel = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount };
        await Parallel.ForEachAsync(Enumerable.Range(0, data.Files.Count), parallel, async (i, token) =>
        {
            series[i] = await RunFileAsync(data, data.Files[i], detector, outputDirectory, token);
        });

        NabScorer scorer;
        try
        {
            scorer = new NabScorer(series);
        }
        catch (ArgumentException ex)
        {
            // The rows are the data file's, so a mismatch is the labels' (or the data's) fault.
            throw new NabInputException($"{data.WindowsPath} does not match the data: {ex.Message}", ex);
        }

        var scores = NabProfile.All
            .Select(p => thresholds is null ? scorer.Optimize(p) : scorer.ScoreAt(p, thresholds[p.Name]))
            .ToList();
        var thresholdsPath = Path.Combine(outputDirectory, NabThresholds.FileName);
        NabThresholds.Write(thresholdsPath, detector.Name, scores);
        return new NabRunResult(detector.Name, scorer.FileCount, scorer.WindowCount, scores, thresholdsPath);
    }

    /// <summary>The results file of <paramref name="relativePath"/>: <c>OUT/&lt;category&gt;/&lt;detector&gt;_&lt;file&gt;.csv</c>.</summary>
    public static string ResultsPath(string outputDirectory, string detector, string relativePath)
    {
        var slash = relativePath.LastIndexOf('/');
        var directory = slash < 0 ? string.Empty : relativePath[..slash];
        var file = relativePath[(slash + 1)..];
        return Path.Combine(outputDirectory, directory.Replace('/', Path.DirectorySeparatorChar), detector + "_" + file);
    }

    private static async Task<NabSeries> RunFileAsync(NabDataSet data, string relativePath, IPointScorerFactory detector, string outputDirectory, CancellationToken ct)
    {
        var file = await NabDataFile.ReadAsync(Path.Combine(data.DataDirectory, relativePath), ct);
        var windows = data.Windows[relativePath];

        var scorer = detector.Create();
        var scores = new double[file.Count];
        for (var i = 0; i < file.Count; i++)
        {
            var score = scorer.Score(file.TimestampsMs[i], file.Values[i]);
            if (!(score >= 0 && score <= 1))
                throw new InvalidOperationException($"detector '{detector.Name}' scored row {i + 1} of {relativePath} {score}; scores must be in [0, 1]");
            scores[i] = score;
        }

        var path = ResultsPath(outputDirectory, detector.Name, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder((file.Count + 1) * 48);
        text.Append(ResultsHeader).Append('\n');
        for (var i = 0; i < file.Count; i++)
        {
            // NAB's labeler marks a row 1 when its timestamp lies within a window, ends included.
            var label = windows.Any(w => w.Contains(file.TimestampsMs[i])) ? '1' : '0';
            text.Append(file.TimestampTexts[i]).Append(',')
                .Append(file.ValueTexts[i]).Append(',')
                .Append(scores[i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(label).Append('\n');
        }

        await File.WriteAllTextAsync(path, text.ToString(), new UTF8Encoding(false), ct);
        return new NabSeries(relativePath, file.TimestampsMs, scores, windows);
    }
}
