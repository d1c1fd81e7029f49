using System.Globalization;
using System.Text;

namespace FinScale.Host.Nab;

/// <summary>
/// One NAB data file: <c>timestamp,value</c> rows after a header, read strictly (a results file must have exactly the data
/// file's rows, so a bad row stops the run rather than being skipped). The texts are kept to write back unchanged.
/// </summary>
internal sealed class NabDataFile
{
    private NabDataFile(string[] timestampTexts, string[] valueTexts, long[] timestampsMs, double[] values)
    {
        TimestampTexts = timestampTexts;
        ValueTexts = valueTexts;
        TimestampsMs = timestampsMs;
        Values = values;
    }

    public string[] TimestampTexts { get; }

    public string[] ValueTexts { get; }

    public long[] TimestampsMs { get; }

    public double[] Values { get; }

    public int Count => Values.Length;

    /// <exception cref="NabInputException">The file is not a NAB data file: no <c>timestamp</c> header, or a row that does not parse.</exception>
    public static async Task<NabDataFile> ReadAsync(string path, CancellationToken ct)
    {
        var ts = new List<string>();
        var vs = new List<string>();
        var tsMs = new List<long>();
        var values = new List<double>();
        var lineNumber = 0;
        var header = false;
        using var reader = new StreamReader(path, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue; // pandas skips blank lines too
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            if (!header)
            {
                if (comma < 0 || !line.AsSpan(0, comma).Trim().Equals("timestamp", StringComparison.OrdinalIgnoreCase))
                    throw new NabInputException($"{path}:{lineNumber}: expected the header 'timestamp,value'");
                header = true;
                continue;
            }

            if (comma < 0)
                throw new NabInputException($"{path}:{lineNumber}: expected 'timestamp,value'");
            var end = line.IndexOf(',', comma + 1);
            var timestamp = line[..comma].Trim();
            var value = (end < 0 ? line[(comma + 1)..] : line[(comma + 1)..end]).Trim();
            if (!NabTimestamps.TryParse(timestamp, out var ms))
                throw new NabInputException($"{path}:{lineNumber}: '{timestamp}' is not a yyyy-MM-dd HH:mm:ss timestamp");
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new NabInputException($"{path}:{lineNumber}: '{value}' is not a finite number");
            ts.Add(timestamp);
            vs.Add(value);
            tsMs.Add(ms);
            values.Add(v);
        }

        if (!header)
            throw new NabInputException($"{path}: empty; expected the header 'timestamp,value' and rows");
        return new NabDataFile([.. ts], [.. vs], [.. tsMs], [.. values]);
    }
}
