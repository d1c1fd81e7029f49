using FinScale.Contracts;

namespace FinScale.Detection;

/// <summary>
/// Interns series keys (their canonical text) to dense integer ids, once per process, so every later stage
/// indexes flat arrays by id. Cardinality is capped: past <see cref="Capacity"/> new series are refused and
/// counted, never an unbounded heap.
/// </summary>
/// <remarks>
/// One writer (the decoding thread) interns; any thread may read <see cref="TextOf"/> for an id it received
/// through a channel (the channel publishes the write). Texts live in fixed-size chunks whose directory is sized
/// for the capacity up front, so a reader never sees a chunk move.
/// </remarks>
public sealed class SeriesCatalog
{
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly string[]?[] _chunks;
    private int _count;
    private long _refused;

    /// <summary>Creates a catalog holding at most <paramref name="capacity"/> series.</summary>
    public SeriesCatalog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _chunks = new string[]?[((capacity - 1) >> ChunkBits) + 1];
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The most series this catalog interns.</summary>
    public int Capacity { get; }

    /// <summary>How many series are interned.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>How many new series were refused because the catalog was full.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The id of the series whose canonical text is <paramref name="text"/>, interning it if new; -1 when new and the catalog is full.</summary>
    public int GetOrAdd(ReadOnlySpan<char> text)
    {
        if (_lookup.TryGetValue(text, out var id))
            return id;
        if (text.IsEmpty)
            throw new ArgumentException("a series key is never empty", nameof(text));
        return Add(text.ToString());
    }

    /// <summary>The id of <paramref name="key"/>, interning it if new; -1 when new and the catalog is full.</summary>
    public int GetOrAdd(in SeriesKey key)
    {
        if (_ids.TryGetValue(key.Text, out var id))
            return id;
        return Add(key.Text);
    }

    /// <summary>The id of an interned series, without interning.</summary>
    public bool TryGetId(ReadOnlySpan<char> text, out int id) => _lookup.TryGetValue(text, out id);

    /// <summary>The canonical text of series <paramref name="id"/>.</summary>
    public string TextOf(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Count);
        return _chunks[id >> ChunkBits]![id & (ChunkSize - 1)];
    }

    /// <summary>The key of series <paramref name="id"/>, parsed from its text (rare: when an anomaly is raised).</summary>
    public SeriesKey KeyOf(int id) => SeriesKey.Parse(TextOf(id));

    private int Add(string text)
    {
        var id = _count;
        if (id >= Capacity)
        {
            Interlocked.Increment(ref _refused);
            return -1;
        }

        var chunk = _chunks[id >> ChunkBits] ??= new string[ChunkSize];
        chunk[id & (ChunkSize - 1)] = text;
        _ids.Add(text, id);
        Volatile.Write(ref _count, id + 1);
        return id;
    }
}
