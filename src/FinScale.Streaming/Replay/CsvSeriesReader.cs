using System.Globalization;
using FinScale.Contracts;

namespace FinScale.Streaming.Replay;

/// <summary>A row that did not parse: where it is and why. Reported and skipped, never fatal.</summary>
/// <param name="File">The file.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Reason">What is wrong with it.</param>
public sealed record CsvRowError(string File, int Line, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}: {Reason}";
}

/// <summary>
/// Reads one metric series from a CSV file of <c>timestamp,value</c> rows (the NAB layout). The series
/// is named from the file; comment lines <c># key=value</c> before the data add identifying attributes
/// (<c># metric=NAME</c> renames the series). Timestamps are ISO 8601 / <c>yyyy-MM-dd HH:mm:ss</c>
/// (UTC unless an offset is given) or Unix epoch seconds or milliseconds.
/// </summary>
public static class CsvSeriesReader
{
    /// <summary>The attribute-comment key that sets the metric name.</summary>
    public const string MetricKey = "metric";

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm", "yyyy-MM-dd",
    ];

    /// <summary>Reads the samples of <paramref name="path"/>; bad rows go to <paramref name="onError"/>.</summary>
    public static IEnumerable<MetricSample> Read(string path, Action<CsvRowError> onError)
    {
        ArgumentNullException.ThrowIfNull(onError);
        var metric = Path.GetFileNameWithoutExtension(path);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string>? frozen = null;
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0)
                continue;
            if (line[0] == '#')
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 1 && frozen is null)
                {
                    var key = line[1..eq].Trim();
                    var value = line[(eq + 1)..].Trim();
                    if (key == MetricKey)
                        metric = value;
                    else if (key.Length > 0)
                        attributes[key] = value;
                }

                continue;
            }

            var comma = line.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0)
            {
                onError(new CsvRowError(path, lineNumber, $"expected 'timestamp,value', got '{Shorten(line)}'"));
                continue;
            }

            var ts = line[..comma].Trim().Trim('"');
            var val = line[(comma + 1)..].Trim().Trim('"');
            if (frozen is null && string.Equals(ts, "timestamp", StringComparison.OrdinalIgnoreCase))
                continue; // the header, before any data row

            if (!TryParseTimestamp(ts, out var timestamp))
            {
                onError(new CsvRowError(path, lineNumber, $"timestamp '{Shorten(ts)}' is not a date or epoch"));
                continue;
            }

            if (!double.TryParse(val, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
            {
                onError(new CsvRowError(path, lineNumber, $"value '{Shorten(val)}' is not a finite number"));
                continue;
            }

            frozen ??= new Dictionary<string, string>(attributes, StringComparer.Ordinal);
            yield return new MetricSample(metric, timestamp, number, frozen);
        }
    }

    /// <summary>Parses a date text or a Unix epoch (seconds below 1e11, else milliseconds).</summary>
    public static bool TryParseTimestamp(string text, out DateTimeOffset timestamp)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            try
            {
                timestamp = epoch < 100_000_000_000L ? DateTimeOffset.FromUnixTimeSeconds(epoch) : DateTimeOffset.FromUnixTimeMilliseconds(epoch);
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                timestamp = default;
                return false;
            }
        }

        return DateTimeOffset.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
