using System.Text;

namespace FinScale.Contracts;

/// <summary>
/// Identity of a metric series: the metric name plus its identifying attributes, in a canonical
/// text form (<c>name{a="1",b="2"}</c>, attributes sorted by key) so every producer of the same
/// series agrees on one key.
/// </summary>
public readonly record struct SeriesKey
{
    private SeriesKey(string metric, IReadOnlyDictionary<string, string> attributes, string text)
    {
        Metric = metric;
        Attributes = attributes;
        Text = text;
    }

    /// <summary>The metric name.</summary>
    public string Metric { get; }

    /// <summary>The identifying attributes, sorted by key.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }

    /// <summary>The canonical text form; equality is on this.</summary>
    public string Text { get; }

    /// <summary>Builds the canonical key of a metric and its attributes.</summary>
    public static SeriesKey Create(string metric, IReadOnlyDictionary<string, string>? attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(metric);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (attributes is not null)
        {
            foreach (var (k, v) in attributes)
                sorted[k] = v;
        }

        var sb = new StringBuilder(metric.Length + (sorted.Count * 24));
        sb.Append(metric);
        if (sorted.Count > 0)
        {
            sb.Append('{');
            var first = true;
            foreach (var (k, v) in sorted)
            {
                if (!first)
                    sb.Append(',');
                first = false;
                sb.Append(k).Append("=\"");
                // Escape the two characters that would make the text form ambiguous.
                foreach (var c in v)
                {
                    if (c is '"' or '\\')
                        sb.Append('\\');
                    sb.Append(c);
                }

                sb.Append('"');
            }

            sb.Append('}');
        }

        return new SeriesKey(metric, sorted, sb.ToString());
    }

    /// <summary>The value of an attribute, or null when the series does not carry it.</summary>
    public string? Attribute(string key) => Attributes.TryGetValue(key, out var v) ? v : null;

    /// <inheritdoc/>
    public bool Equals(SeriesKey other) => string.Equals(Text, other.Text, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => Text is null ? 0 : StringComparer.Ordinal.GetHashCode(Text);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
