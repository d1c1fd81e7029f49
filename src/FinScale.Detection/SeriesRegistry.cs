using FinScale.Contracts;

namespace FinScale.Detection;

/// <summary>
/// Interns series keys to dense integer ids for one shard, so detector state can live in flat
/// arrays indexed by id. Cardinality is capped: past <see cref="Capacity"/> new series are refused
/// and counted rather than growing the heap without bound.
/// </summary>
public sealed class SeriesRegistry
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<SeriesKey> _keys = [];

    /// <summary>Creates a registry holding at most <paramref name="capacity"/> series.</summary>
    public SeriesRegistry(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>The most series this registry interns.</summary>
    public int Capacity { get; }

    /// <summary>How many series are interned.</summary>
    public int Count => _keys.Count;

    /// <summary>How many lookups were refused because the registry was full.</summary>
    public long Refused { get; private set; }

    /// <summary>The id of <paramref name="key"/>, interning it if new; -1 when new and the registry is full.</summary>
    public int GetOrAdd(in SeriesKey key)
    {
        if (_ids.TryGetValue(key.Text, out var id))
            return id;
        if (_keys.Count >= Capacity)
        {
            Refused++;
            return -1;
        }

        id = _keys.Count;
        _ids.Add(key.Text, id);
        _keys.Add(key);
        return id;
    }

    /// <summary>The key interned as <paramref name="id"/>.</summary>
    public SeriesKey KeyOf(int id) => _keys[id];
}
