using System.CommandLine;
using System.Globalization;
using FinScale.Host.Nab;

namespace FinScale.Host.Commands;

/// <summary>
/// <c>finscale nab</c>: runs a detector over the Numenta Anomaly Benchmark corpus, writes NAB results files and
/// <c>thresholds.json</c>, and prints the NAB score per profile; the last stdout line is
/// <c>nab standard=.. low_fp=.. low_fn=..</c> (normalised scores).
/// </summary>
internal static class NabCommand
{
    public static Command Create()
    {
        var names = string.Join(", ", NabDetectors.All.Select(d => d.Name));
        var data = new Option<string?>("--data")
        {
            Description = "Required. The NAB corpus: the folder holding data/<category>/*.csv and labels/combined_windows.json, or the data/ folder with labels/ beside it.",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Required. Where to write <category>/<detector>_<file>.csv results files and thresholds.json.",
        };
        var thresholds = new Option<string?>("--thresholds")
        {
            Description = "A thresholds.json (NAB's config/thresholds.json layout) to score at, instead of choosing the best threshold per profile.",
        };
        var detector = new Option<string?>("--detector")
        {
            Description = $"The detector to run: {names} (default: {NabDetectors.Default.Name}).",
        };
        var command = new Command("nab", "Score a detector on the Numenta Anomaly Benchmark (NAB v1.1 scoring, three profiles).")
        {
            data, output, thresholds, detector,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(data), parse.GetValue(output), parse.GetValue(thresholds), parse.GetValue(detector), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? dataDir, string? outDir, string? thresholdsFile, string? detectorName, CancellationToken ct)
    {
        var error = Console.Error;
        if (string.IsNullOrWhiteSpace(dataDir) || string.IsNullOrWhiteSpace(outDir))
        {
            await error.WriteLineAsync("finscale nab: --data DIR and --out DIR are required");
            return CommandRunner.BadConfiguration;
        }

        var detector = detectorName is null ? NabDetectors.Default : NabDetectors.Find(detectorName);
        if (detector is null)
        {
            await error.WriteLineAsync($"finscale nab: no detector '{detectorName}'; known: {string.Join(", ", NabDetectors.All.Select(d => d.Name))}");
            return CommandRunner.BadConfiguration;
        }

        try
        {
            var corpus = NabDataSet.Open(dataDir);
            foreach (var warning in corpus.Warnings)
                await error.WriteLineAsync("finscale nab: " + warning);
            var given = thresholdsFile is null ? null : NabThresholds.Read(thresholdsFile, detector.Name);

            var result = await NabRunner.RunAsync(corpus, detector, outDir, given, ct);
            await PrintAsync(result, corpus, outDir, given is not null);
            return CommandRunner.Ok;
        }
        catch (NabInputException ex)
        {
            await error.WriteLineAsync("finscale nab: " + ex.Message);
            return CommandRunner.BadConfiguration;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await error.WriteLineAsync("finscale nab: cancelled");
            return CommandRunner.Failed;
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync("finscale nab: " + ex.Message);
            if (Environment.GetEnvironmentVariable("FINSCALE_DEBUG") == "1")
                await error.WriteLineAsync(ex.ToString());
            return CommandRunner.Failed;
        }
    }

    private static async Task PrintAsync(NabRunResult result, NabDataSet corpus, string outDir, bool givenThresholds)
    {
        var o = Console.Out;
        var c = CultureInfo.InvariantCulture;
        await o.WriteLineAsync($"nab: {result.Detector} on {result.Files} files, {result.Windows} windows, from {corpus.DataDirectory}");
        await o.WriteLineAsync(givenThresholds ? "thresholds: as given" : "thresholds: best raw score per profile over all files (exact sweep)");
        await o.WriteLineAsync(string.Format(c, "{0,-20} {1,12} {2,11} {3,11} {4,5} {5,6} {6,5}", "profile", "threshold", "raw", "normalised", "TP", "FP", "FN"));
        foreach (var s in result.Scores)
        {
            await o.WriteLineAsync(string.Format(c, "{0,-20} {1,12:0.#########} {2,11:F4} {3,11:F2} {4,5} {5,6} {6,5}",
                s.Profile.Name, s.Threshold, s.RawScore, s.NormalizedScore, s.DetectedWindows, s.FalsePositives, s.MissedWindows));
        }

        await o.WriteLineAsync("TP: windows detected, FP: detections outside windows, FN: windows missed");
        await o.WriteLineAsync($"results: {Path.GetFullPath(outDir)}/<category>/{result.Detector}_<file>.csv; thresholds: {result.ThresholdsPath}");
        await o.WriteLineAsync(string.Format(c, "nab standard={0:F2} low_fp={1:F2} low_fn={2:F2}",
            result.Scores[0].NormalizedScore, result.Scores[1].NormalizedScore, result.Scores[2].NormalizedScore));
    }
}
