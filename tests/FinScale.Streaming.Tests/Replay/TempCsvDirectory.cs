namespace FinScale.Streaming.Tests.Replay;

/// <summary>A fresh directory under the temp path for CSV files; deleted with everything in it on dispose.</summary>
internal sealed class TempCsvDirectory : IDisposable
{
    public TempCsvDirectory() =>
        Path = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "finscale-replay-tests-" + Guid.NewGuid().ToString("N"))).FullName;

    public string Path { get; }

    public string Write(string fileName, params string[] lines)
    {
        var path = System.IO.Path.Combine(Path, fileName);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
