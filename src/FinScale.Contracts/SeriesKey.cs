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

    /// <summary>Reads a key back from its canonical text (the inverse of <see cref="Text"/>).</summary>
    /// <exception cref="FormatException">The text is not a canonical series key.</exception>
    public static SeriesKey Parse(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var open = text.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
            return Create(text, null);
        if (open == 0 || text[^1] != '}')
            throw new FormatException($"not a series key: {text}");
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var value = new StringBuilder();
        var i = open + 1;
        while (i < text.Length - 1)
        {
            var eq = text.IndexOf("=\"", i, StringComparison.Ordinal);
            if (eq < 0)
                throw new FormatException($"not a series key: {text}");
            var key = text[i..eq];
            i = eq + 2;
            value.Clear();
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                    i++;
                value.Append(text[i++]);
            }

            if (i >= text.Length)
                throw new FormatException($"not a series key: {text}");
            attributes[key] = value.ToString();
            i++; // closing quote
            if (i < text.Length - 1)
            {
                if (text[i] != ',')
                    throw new FormatException($"not a series key: {text}");
                i++;
            }
        }

        var key2 = Create(text[..open], attributes);
        if (!string.Equals(key2.Text, text, StringComparison.Ordinal))
            throw new FormatException($"not a canonical series key: {text}");
        return key2;
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
