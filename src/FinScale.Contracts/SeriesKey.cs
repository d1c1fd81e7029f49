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
        var sorted = SortedAttributes.From(attributes);
        return new SeriesKey(metric, sorted, TextOf(metric, sorted));
    }

    /// <summary>
    /// Reads the values of the attributes named in <paramref name="names"/> from a key's canonical text without building
    /// the key (no attribute list, no canonical-form check): <paramref name="values"/>[i] is the value of
    /// <paramref name="names"/>[i] (unescaped), or null when the key has no such attribute. For code that reads a few
    /// attributes of very many keys; <see cref="Parse"/> is about ten times its cost.
    /// </summary>
    /// <returns>False when <paramref name="text"/> does not have a key's shape; <paramref name="values"/> is then cleared.</returns>
    public static bool TryReadAttributes(string text, ReadOnlySpan<string> names, Span<string?> values)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (values.Length < names.Length)
            throw new ArgumentException("one value slot per name", nameof(values));
        values.Clear();
        var open = text.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
            return text.Length > 0;
        var end = text.Length - 1;
        if (open == 0 || text[end] != '}' || open + 1 >= end)
            return false;
        for (var i = open + 1; i < end;)
        {
            if (!NextAttribute(text, ref i, end, out var key, out var value, out var escaped))
            {
                values.Clear();
                return false;
            }

            for (var k = 0; k < names.Length; k++)
            {
                if (key.SequenceEqual(names[k]))
                    values[k] = escaped ? Unescape(value) : value.ToString();
            }
        }

        return true;
    }

    /// <summary>
    /// Reads the attribute at <paramref name="i"/> of a key text whose attributes end at <paramref name="end"/> (its
    /// closing brace): the attribute's key, its value as written (still escaped) and whether it holds an escape.
    /// <paramref name="i"/> moves past it and the comma after it. False when the text there is not an attribute, or a
    /// comma is not followed by one.
    /// </summary>
    private static bool NextAttribute(string text, ref int i, int end, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value, out bool escaped)
    {
        key = value = default;
        escaped = false;
        var eq = text.AsSpan(i, end - i).IndexOf("=\"", StringComparison.Ordinal);
        if (eq < 0)
            return false;
        key = text.AsSpan(i, eq);
        i += eq + 2;
        var start = i;
        while (i < text.Length && text[i] != '"')
        {
            if (text[i] == '\\')
            {
                escaped = true;
                i++;
            }

            i++;
        }

        if (i >= end)
            return false;
        value = text.AsSpan(start, i - start);
        i++; // the closing quote
        if (i == end)
            return true;
        return text[i++] == ',' && i < end;
    }

    /// <summary>A value as written in a key's text, its <c>\</c> escapes taken out.</summary>
    private static string Unescape(ReadOnlySpan<char> escaped)
    {
        var sb = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] == '\\' && i + 1 < escaped.Length)
                i++;
            sb.Append(escaped[i]);
        }

        return sb.ToString();
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
        var keys = new List<string>();
        var values = new List<string>();
        for (var i = open + 1; i < text.Length - 1;)
        {
            if (!NextAttribute(text, ref i, text.Length - 1, out var key, out var value, out var escaped))
                throw new FormatException($"not a series key: {text}");
            keys.Add(key.ToString());
            values.Add(escaped ? Unescape(value) : value.ToString());
        }

        // Canonical: keys strictly ascending (so no duplicates), and the text exactly what Create writes for them.
        for (var k = 1; k < keys.Count; k++)
        {
            if (string.CompareOrdinal(keys[k - 1], keys[k]) >= 0)
                throw new FormatException($"not a canonical series key: {text}");
        }

        var metric = text[..open];
        var attributes = SortedAttributes.FromSorted([.. keys], [.. values]);
        if (!IsTextOf(text, metric, attributes))
            throw new FormatException($"not a canonical series key: {text}");
        return new SeriesKey(metric, attributes, text);
    }

    /// <summary>True when <paramref name="text"/> is exactly what <see cref="TextOf"/> writes for the key, compared as it would be written (nothing built).</summary>
    private static bool IsTextOf(string text, string metric, SortedAttributes sorted)
    {
        var rest = text.AsSpan();
        if (!Take(ref rest, metric))
            return false;
        if (sorted.Count == 0)
            return rest.IsEmpty;
        var first = true;
        foreach (var (k, v) in sorted)
        {
            if (!Take(ref rest, first ? "{" : ",") || !Take(ref rest, k) || !Take(ref rest, "=\""))
                return false;
            first = false;
            foreach (var c in v)
            {
                if (c is '"' or '\\' && !Take(ref rest, "\\"))
                    return false;
                if (rest.IsEmpty || rest[0] != c)
                    return false;
                rest = rest[1..];
            }

            if (!Take(ref rest, "\""))
                return false;
        }

        return Take(ref rest, "}") && rest.IsEmpty;
    }

    private static bool Take(ref ReadOnlySpan<char> rest, ReadOnlySpan<char> expected)
    {
        if (!rest.StartsWith(expected, StringComparison.Ordinal))
            return false;
        rest = rest[expected.Length..];
        return true;
    }

    /// <summary>The canonical text: <c>name{a="1",b="2"}</c>, a value's <c>"</c> and <c>\</c> escaped; the name alone without attributes.</summary>
    private static string TextOf(string metric, SortedAttributes sorted)
    {
        if (sorted.Count == 0)
            return metric;
        var sb = new StringBuilder(metric.Length + (sorted.Count * 24));
        sb.Append(metric).Append('{');
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

        return sb.Append('}').ToString();
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
