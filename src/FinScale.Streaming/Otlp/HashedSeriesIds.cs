namespace FinScale.Streaming.Otlp;

/// <summary>
/// The decoder's fast path from a 128-bit hash of a point's identifying bytes to its series id: an open-addressed table
/// of 16-byte slots, at most three quarters full, that holds at most <c>limit</c> entries and never removes one.
/// </summary>
/// <remarks>
/// A slot keeps 96 of the hash's 128 bits (the low 64 and the next 32) and the id; a <c>Dictionary&lt;UInt128, int&gt;</c>
/// entry takes 48 bytes (the key aligned to 16) plus its bucket, and grew to 73 bytes per series at a million. Two
/// hashes that agree on those 96 bits are one key here: with a million series, a new point's hash meets a stored one by
/// chance about once in 10^22 lookups. One thread uses an instance (one decoder per consuming thread).
/// </remarks>
internal sealed class HashedSeriesIds
{
    private readonly int _limit;
    private Slot[] _slots = new Slot[16];
    private int _count;

    /// <summary>Creates an empty table that takes at most <paramref name="limit"/> entries.</summary>
    public HashedSeriesIds(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        _limit = limit;
    }

    /// <summary>Entries held.</summary>
    public int Count => _count;

    /// <summary>Slots allocated (16 bytes each).</summary>
    public int Slots => _slots.Length;

    /// <summary>The id stored for <paramref name="hash"/>, if any.</summary>
    public bool TryGetValue(UInt128 hash, out int id)
    {
        var (low, high) = Split(hash);
        var slots = _slots;
        var mask = slots.Length - 1;
        for (var i = (int)low & mask; ; i = (i + 1) & mask)
        {
            ref var s = ref slots[i];
            if (s.IdPlusOne == 0)
            {
                id = -1;
                return false;
            }

            if (s.Low == low && s.High == high)
            {
                id = s.IdPlusOne - 1;
                return true;
            }
        }
    }

    /// <summary>Stores <paramref name="id"/> (0 or more) for <paramref name="hash"/>; false when the table is at its limit
    /// or already holds the hash (its id is kept).</summary>
    public bool TryAdd(UInt128 hash, int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfEqual(id, int.MaxValue);
        if (_count >= _limit)
            return false;
        if (4L * (_count + 1) > 3L * _slots.Length)
            Grow();
        var (low, high) = Split(hash);
        if (!Insert(_slots, low, high, id + 1))
            return false;
        _count++;
        return true;
    }

    private static (ulong Low, uint High) Split(UInt128 hash) => ((ulong)hash, (uint)(hash >> 64));

    private static bool Insert(Slot[] slots, ulong low, uint high, int idPlusOne)
    {
        var mask = slots.Length - 1;
        for (var i = (int)low & mask; ; i = (i + 1) & mask)
        {
            ref var s = ref slots[i];
            if (s.IdPlusOne == 0)
            {
                s = new Slot { Low = low, High = high, IdPlusOne = idPlusOne };
                return true;
            }

            if (s.Low == low && s.High == high)
                return false;
        }
    }

    private void Grow()
    {
        var grown = new Slot[2 * _slots.Length];
        foreach (var s in _slots)
        {
            if (s.IdPlusOne != 0)
                Insert(grown, s.Low, s.High, s.IdPlusOne);
        }

        _slots = grown;
    }

    private struct Slot
    {
        public ulong Low;
        public uint High;
        public int IdPlusOne; // 0: empty
    }
}
