namespace FinScale.Detection.Traces;

/// <summary>
/// Values keyed by a window index, kept sorted by index. Only a handful of windows are open at once (lateness and
/// the pairing wait span a few windows), so sorted arrays beat a tree: no allocation per lookup or enumeration.
/// </summary>
internal sealed class IndexedList<T>
    where T : class
{
    private readonly List<long> _keys = [];
    private readonly List<T> _values = [];

    /// <summary>Entries held.</summary>
    public int Count => _keys.Count;

    /// <summary>The smallest index held (call only when not empty).</summary>
    public long FirstKey => _keys[0];

    /// <summary>The value at the smallest index (call only when not empty).</summary>
    public T FirstValue => _values[0];

    /// <summary>The value at <paramref name="key"/>, if held.</summary>
    public bool TryGet(long key, out T value)
    {
        var i = _keys.BinarySearch(key);
        if (i < 0)
        {
            value = null!;
            return false;
        }

        value = _values[i];
        return true;
    }

    /// <summary>Adds a value at an index not held yet.</summary>
    public void Add(long key, T value)
    {
        var i = _keys.BinarySearch(key);
        if (i >= 0)
            throw new InvalidOperationException("index already held");
        i = ~i;
        _keys.Insert(i, key);
        _values.Insert(i, value);
    }

    /// <summary>Removes the entry at <paramref name="key"/>, if held.</summary>
    public void Remove(long key)
    {
        var i = _keys.BinarySearch(key);
        if (i < 0)
            return;
        _keys.RemoveAt(i);
        _values.RemoveAt(i);
    }

    /// <summary>Removes the entry with the smallest index.</summary>
    public void RemoveFirst()
    {
        _keys.RemoveAt(0);
        _values.RemoveAt(0);
    }
}
