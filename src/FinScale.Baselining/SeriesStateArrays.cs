namespace FinScale.Baselining;

/// <summary>Struct-of-arrays baseline state for one shard, indexed by dense series id, so kernels read each field contiguously.</summary>
/// <remarks>Growing replaces the arrays: re-read <see cref="Mean"/>, <see cref="Scale"/> and <see cref="Count"/> after <see cref="EnsureCapacity"/>.</remarks>
public sealed class SeriesStateArrays
{
    // Doubling from zero would stay at zero; an empty shard starts at a size that covers a small shard in one step.
    private const int FirstCapacity = 16;

    /// <summary>Creates empty state with room for initialCapacity series, never growing past maxCapacity.</summary>
    public SeriesStateArrays(int initialCapacity, int maxCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCapacity, initialCapacity);
        MaxCapacity = maxCapacity;
        Mean = new float[initialCapacity];
        Scale = new float[initialCapacity];
        Count = new int[initialCapacity];
    }

    /// <summary>Baseline mean of each series.</summary>
    public float[] Mean { get; private set; }

    /// <summary>Robust scale (sigma estimate) of each series.</summary>
    public float[] Scale { get; private set; }

    /// <summary>Number of points each series has absorbed, for warm-up decisions.</summary>
    public int[] Count { get; private set; }

    /// <summary>Number of series the arrays can hold now.</summary>
    public int Capacity => Mean.Length;

    /// <summary>Upper bound on capacity, so a cardinality explosion fails loudly instead of exhausting memory.</summary>
    public int MaxCapacity { get; }

    /// <summary>Grows the arrays, by doubling up to MaxCapacity, so they hold at least count series.</summary>
    public void EnsureCapacity(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= Capacity)
        {
            return;
        }

        if (count > MaxCapacity)
        {
            throw new InvalidOperationException($"{count} series exceed the maximum of {MaxCapacity} for this shard.");
        }

        // Doubling keeps the cost of growth amortised constant per series; long keeps the doubling from overflowing.
        long doubled = Capacity == 0 ? FirstCapacity : 2L * Capacity;
        int capacity = (int)Math.Min(MaxCapacity, Math.Max(count, doubled));
        var mean = Mean;
        var scale = Scale;
        var counts = Count;
        Array.Resize(ref mean, capacity);
        Array.Resize(ref scale, capacity);
        Array.Resize(ref counts, capacity);
        Mean = mean;
        Scale = scale;
        Count = counts;
    }

    /// <summary>Forgets series id, so the id can be reused for a new series.</summary>
    public void Reset(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Capacity);
        Mean[id] = 0f;
        Scale[id] = 0f;
        Count[id] = 0;
    }
}
