using System.Text;

namespace FinScale.Contracts;

/// <summary>
/// Builds the canonical text of a <see cref="SeriesKey"/> (<c>name{a="1",b="2"}</c>) into reusable buffers, so a
/// decoder can look a series up without allocating per data point. Produces exactly the text of
/// <see cref="SeriesKey.Create"/> for the same name and attributes: sorted by key (ordinal), a repeated key keeps its
/// last value, <c>"</c> and <c>\</c> in values escaped. Not thread-safe: one per decoding thread.
/// </summary>
public sealed class SeriesKeyBuilder
{
    private char[] _chars = new char[512];
    private int _charCount;
    private Entry[] _entries = new Entry[16];
    private int _entryCount;
    private int[] _order = new int[16];
    private char[] _text = new char[512];
    private char[] _metric = new char[128];
    private int _metricLength;

    /// <summary>Attributes added since the last <see cref="Clear"/>.</summary>
    public int AttributeCount => _entryCount;

    /// <summary>Forgets the metric name and every attribute.</summary>
    public void Clear()
    {
        _charCount = 0;
        _entryCount = 0;
        _metricLength = 0;
    }

    /// <summary>A point to return to with <see cref="Truncate"/>: attributes added after it are dropped then.</summary>
    public int Mark() => _entryCount;

    /// <summary>Drops the attributes added after <paramref name="mark"/> (e.g. a data point's, keeping the resource's).</summary>
    public void Truncate(int mark)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mark, _entryCount);
        if (mark == _entryCount)
            return;
        _charCount = mark == 0 ? 0 : _entries[mark - 1].End;
        _entryCount = mark;
    }

    /// <summary>Sets the metric name as <paramref name="name"/> followed by <paramref name="suffix"/>.</summary>
    public void SetMetric(ReadOnlySpan<char> name, ReadOnlySpan<char> suffix = default)
    {
        EnsureSize(ref _metric, name.Length + suffix.Length, 0);
        name.CopyTo(_metric);
        suffix.CopyTo(_metric.AsSpan(name.Length));
        _metricLength = name.Length + suffix.Length;
    }

    /// <summary>Sets the metric name from UTF-8 bytes followed by <paramref name="suffix"/>.</summary>
    public void SetMetricUtf8(ReadOnlySpan<byte> name, ReadOnlySpan<char> suffix = default)
    {
        EnsureSize(ref _metric, Encoding.UTF8.GetMaxCharCount(name.Length) + suffix.Length, 0);
        var n = Encoding.UTF8.GetChars(name, _metric);
        suffix.CopyTo(_metric.AsSpan(n));
        _metricLength = n + suffix.Length;
    }

    /// <summary>Adds an attribute.</summary>
    public void Add(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        var start = Reserve(key.Length + value.Length);
        key.CopyTo(_chars.AsSpan(start));
        value.CopyTo(_chars.AsSpan(start + key.Length));
        Push(start, key.Length, value.Length);
    }

    /// <summary>Adds an attribute whose key and value are UTF-8 bytes.</summary>
    public void AddUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var start = Reserve(Encoding.UTF8.GetMaxCharCount(key.Length) + Encoding.UTF8.GetMaxCharCount(value.Length));
        var k = Encoding.UTF8.GetChars(key, _chars.AsSpan(start));
        var v = Encoding.UTF8.GetChars(value, _chars.AsSpan(start + k));
        Push(start, k, v);
    }

    /// <summary>
    /// Adds an attribute whose value is written by the caller: reserve room for at most <paramref name="maxValueChars"/>,
    /// write into the returned span, then call <see cref="CommitValue"/> with the length written.
    /// </summary>
    public Span<char> BeginUtf8Key(ReadOnlySpan<byte> key, int maxValueChars)
    {
        var start = Reserve(Encoding.UTF8.GetMaxCharCount(key.Length) + maxValueChars);
        var k = Encoding.UTF8.GetChars(key, _chars.AsSpan(start));
        _pendingStart = start;
        _pendingKey = k;
        return _chars.AsSpan(start + k, maxValueChars);
    }

    /// <summary>Completes an attribute begun with <see cref="BeginUtf8Key"/>.</summary>
    public void CommitValue(int valueLength) => Push(_pendingStart, _pendingKey, valueLength);

    private int _pendingStart;
    private int _pendingKey;

    /// <summary>The value of the attribute <paramref name="key"/> added last, or an empty span when absent.</summary>
    public ReadOnlySpan<char> ValueOf(ReadOnlySpan<char> key)
    {
        for (var i = _entryCount - 1; i >= 0; i--)
        {
            ref readonly var e = ref _entries[i];
            if (_chars.AsSpan(e.Start, e.KeyLength).SequenceEqual(key))
                return _chars.AsSpan(e.Start + e.KeyLength, e.ValueLength);
        }

        return default;
    }

    /// <summary>True when an attribute <paramref name="key"/> was added.</summary>
    public bool Has(ReadOnlySpan<char> key)
    {
        for (var i = _entryCount - 1; i >= 0; i--)
        {
            ref readonly var e = ref _entries[i];
            if (_chars.AsSpan(e.Start, e.KeyLength).SequenceEqual(key))
                return true;
        }

        return false;
    }

    /// <summary>The canonical text; valid until the builder is next changed.</summary>
    public ReadOnlySpan<char> Build()
    {
        var n = _entryCount;
        EnsureSize(ref _order, n, 0);
        for (var i = 0; i < n; i++)
            _order[i] = i;

        // Insertion sort: a handful of attributes, already mostly in order; stable, so the last of equal keys ends last.
        for (var i = 1; i < n; i++)
        {
            var cur = _order[i];
            var j = i - 1;
            while (j >= 0 && Compare(_order[j], cur) > 0)
            {
                _order[j + 1] = _order[j];
                j--;
            }

            _order[j + 1] = cur;
        }

        var need = _metricLength + 2 + (n * 4) + (_charCount * 2);
        EnsureSize(ref _text, need, 0);
        var pos = 0;
        _metric.AsSpan(0, _metricLength).CopyTo(_text);
        pos += _metricLength;
        var written = 0;
        for (var i = 0; i < n; i++)
        {
            // Of equal keys keep the last one added.
            if (i + 1 < n && Compare(_order[i], _order[i + 1]) == 0)
                continue;
            ref readonly var e = ref _entries[_order[i]];
            _text[pos++] = written == 0 ? '{' : ',';
            written++;
            _chars.AsSpan(e.Start, e.KeyLength).CopyTo(_text.AsSpan(pos));
            pos += e.KeyLength;
            _text[pos++] = '=';
            _text[pos++] = '"';
            foreach (var c in _chars.AsSpan(e.Start + e.KeyLength, e.ValueLength))
            {
                if (c is '"' or '\\')
                    _text[pos++] = '\\';
                _text[pos++] = c;
            }

            _text[pos++] = '"';
        }

        if (written > 0)
            _text[pos++] = '}';
        return _text.AsSpan(0, pos);
    }

    private int Compare(int a, int b)
    {
        ref readonly var x = ref _entries[a];
        ref readonly var y = ref _entries[b];
        return _chars.AsSpan(x.Start, x.KeyLength).SequenceCompareTo(_chars.AsSpan(y.Start, y.KeyLength));
    }

    private int Reserve(int chars)
    {
        EnsureSize(ref _chars, _charCount + chars, _charCount);
        return _charCount;
    }

    private void Push(int start, int keyLength, int valueLength)
    {
        if (_entryCount == _entries.Length)
            Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_entryCount++] = new Entry(start, keyLength, valueLength);
        _charCount = start + keyLength + valueLength;
    }

    private static void EnsureSize<T>(ref T[] array, int size, int keep)
    {
        if (array.Length >= size)
            return;
        var grown = new T[Math.Max(size, array.Length * 2)];
        array.AsSpan(0, keep).CopyTo(grown);
        array = grown;
    }

    private readonly record struct Entry(int Start, int KeyLength, int ValueLength)
    {
        public int End => Start + KeyLength + ValueLength;
    }
}
