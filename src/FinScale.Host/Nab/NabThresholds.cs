using System.Text.Json;
using System.Text.Json.Nodes;
using FinScale.Detection.Nab;

namespace FinScale.Host.Nab;

/// <summary>
/// NAB's <c>config/thresholds.json</c> layout: <c>{"detector": {"standard": {"threshold": T, "score": S}, ...}}</c>, where
/// <c>score</c> is the raw score at <c>threshold</c> over the files scored.
/// </summary>
internal static class NabThresholds
{
    public const string FileName = "thresholds.json";

    /// <summary>The threshold of each profile for <paramref name="detector"/> in the file at <paramref name="path"/>.</summary>
    /// <exception cref="NabInputException">The file is missing or malformed, or lacks the detector or a profile.</exception>
    public static IReadOnlyDictionary<string, double> Read(string path, string detector)
    {
        if (!File.Exists(path))
            throw new NabInputException($"--thresholds: no such file: {path}");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new NabInputException($"--thresholds {path}: not valid JSON: {ex.Message}", ex);
        }

        if (root is not JsonObject all || all[detector] is not JsonObject profiles)
            throw new NabInputException($"--thresholds {path}: no entry for detector '{detector}'");

        var thresholds = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var profile in NabProfile.All)
        {
            if (profiles[profile.Name] is not JsonObject entry
                || entry["threshold"] is not JsonValue value
                || !value.TryGetValue<double>(out var threshold)
                || double.IsNaN(threshold))
                throw new NabInputException($"--thresholds {path}: '{detector}' has no numeric '{profile.Name}.threshold'");
            thresholds[profile.Name] = threshold;
        }

        return thresholds;
    }

    /// <summary>
    /// Writes <paramref name="scores"/> as <paramref name="detector"/>'s entry of the file at <paramref name="path"/>, keeping the
    /// other detectors' entries of an existing file, as NAB's <c>updateThresholds</c> does.
    /// </summary>
    public static void Write(string path, string detector, IEnumerable<NabScore> scores)
    {
        JsonObject root;
        try
        {
            root = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject existing ? existing : [];
        }
        catch (JsonException)
        {
            root = []; // an unreadable old file is replaced
        }

        var entry = new JsonObject();
        foreach (var s in scores)
            entry[s.Profile.Name] = new JsonObject { ["threshold"] = s.Threshold, ["score"] = s.RawScore };
        root[detector] = entry;
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
