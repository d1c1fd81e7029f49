using System.Text.Json;
using FinScale.Detection.Nab;

namespace FinScale.Host.Nab;

/// <summary>
/// A NAB corpus on disk: the data folder, its <c>*.csv</c> files and their label windows.
/// <c>--data DIR</c> is either the folder holding <c>data/</c> and <c>labels/</c> (NAB's own layout, tried first) or the
/// <c>data/</c> folder itself, with <c>labels/</c> beside it in its parent.
/// </summary>
internal sealed class NabDataSet
{
    public const string WindowsFileName = "combined_windows.json";

    private NabDataSet(string dataDirectory, string windowsPath, IReadOnlyList<string> files, IReadOnlyDictionary<string, NabWindow[]> windows, IReadOnlyList<string> warnings)
    {
        DataDirectory = dataDirectory;
        WindowsPath = windowsPath;
        Files = files;
        Windows = windows;
        Warnings = warnings;
    }

    /// <summary>The folder the relative paths start from (the one holding the category folders).</summary>
    public string DataDirectory { get; }

    /// <summary>The label windows file, <c>labels/combined_windows.json</c>.</summary>
    public string WindowsPath { get; }

    /// <summary>The data files that have labels, relative to <see cref="DataDirectory"/> with <c>/</c> separators, in ordinal order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The windows of each labelled file, keyed by relative path as in the label file.</summary>
    public IReadOnlyDictionary<string, NabWindow[]> Windows { get; }

    /// <summary>Data files without labels (skipped, as NAB's runner skips them) and labels without a data file.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <exception cref="NabInputException">Neither layout is found, the label file is malformed, or no labelled data file exists.</exception>
    public static NabDataSet Open(string directory)
    {
        if (!Directory.Exists(directory))
            throw new NabInputException($"--data: no such directory: {directory}");

        var root = Path.GetFullPath(directory);
        string dataDirectory;
        string windowsPath;
        if (Directory.Exists(Path.Combine(root, "data")) && File.Exists(Path.Combine(root, "labels", WindowsFileName)))
        {
            dataDirectory = Path.Combine(root, "data");
            windowsPath = Path.Combine(root, "labels", WindowsFileName);
        }
        else if (Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(root)) is { } parent && File.Exists(Path.Combine(parent, "labels", WindowsFileName)))
        {
            dataDirectory = root;
            windowsPath = Path.Combine(parent, "labels", WindowsFileName);
        }
        else
        {
            throw new NabInputException(
                $"--data {directory}: expected NAB's layout, DIR/data/<category>/*.csv with DIR/labels/{WindowsFileName}, or DIR as the data folder with ../labels/{WindowsFileName} beside it");
        }

        var windows = ReadWindows(windowsPath);
        var warnings = new List<string>();
        var files = new List<string>();
        foreach (var path in Directory.EnumerateFiles(dataDirectory, "*.csv", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(dataDirectory, path).Replace(Path.DirectorySeparatorChar, '/');
            if (windows.ContainsKey(relative))
                files.Add(relative);
            else
                warnings.Add($"{relative} has no entry in {windowsPath}: skipped");
        }

        files.Sort(StringComparer.Ordinal);
        var present = files.ToHashSet(StringComparer.Ordinal);
        foreach (var key in windows.Keys.Where(k => !present.Contains(k)).Order(StringComparer.Ordinal))
            warnings.Add($"{windowsPath} labels {key}, which is not under {dataDirectory}: ignored");
        warnings.Sort(StringComparer.Ordinal);

        if (files.Count == 0)
            throw new NabInputException($"--data {directory}: no *.csv file under {dataDirectory} has labels in {windowsPath}");
        return new NabDataSet(dataDirectory, windowsPath, files, windows, warnings);
    }

    private static Dictionary<string, NabWindow[]> ReadWindows(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new NabInputException($"{path}: expected an object mapping each data file to its [start, end] windows");

            var result = new Dictionary<string, NabWindow[]>(StringComparer.Ordinal);
            foreach (var file in doc.RootElement.EnumerateObject())
            {
                if (file.Value.ValueKind != JsonValueKind.Array)
                    throw new NabInputException($"{path}: '{file.Name}' must map to a list of [start, end] windows");
                var windows = new List<NabWindow>();
                foreach (var pair in file.Value.EnumerateArray())
                {
                    if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2
                        || pair[0].ValueKind != JsonValueKind.String || pair[1].ValueKind != JsonValueKind.String)
                        throw new NabInputException($"{path}: '{file.Name}': each window must be [\"start\", \"end\"]");
                    windows.Add(new NabWindow(Timestamp(pair[0].GetString()!, file.Name), Timestamp(pair[1].GetString()!, file.Name)));
                }

                result[file.Name] = [.. windows];
            }

            return result;
        }
        catch (JsonException ex)
        {
            throw new NabInputException($"{path}: not valid JSON: {ex.Message}", ex);
        }

        long Timestamp(string text, string file) =>
            NabTimestamps.TryParse(text, out var ms) ? ms : throw new NabInputException($"{path}: '{file}': '{text}' is not a YYYY-MM-DD HH:MM:SS.ffffff timestamp");
    }
}
