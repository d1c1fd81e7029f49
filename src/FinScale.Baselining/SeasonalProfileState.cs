namespace FinScale.Baselining;

/// <summary>
/// Seasonal profile state for one shard: per series a mean, a scale and a visit count for each of
/// <see cref="BucketCount"/> buckets, each field one flat array laid out <c>[series * BucketCount + bucket]</c>.
/// </summary>
/// <remarks>
/// <para>
/// Series-major, so a series' whole profile is contiguous: growing appends whole profiles at the end (existing
/// indices stay valid) and forgetting a series clears one range. The price is that the n series of a batch sit
/// <see cref="BucketCount"/> floats apart, so the caller gathers them (<see cref="IndicesOf(ReadOnlySpan{int}, ReadOnlySpan{int}, Span{int})"/>
/// then <see cref="GatherScatter.Gather"/>) into the packed arrays <see cref="SeasonalProfile.ScoreAndUpdate"/> runs
/// over, and scatters them back.
/// </para>
/// <para>Growing replaces the arrays: re-read <see cref="Mean"/>, <see cref="Scale"/> and <see cref="Count"/> after <see cref="EnsureCapacity"/>.</para>
/// </remarks>
public sealed class SeasonalProfileState
{
    // Doubling from zero would stay at zero; an empty shard starts at a size that covers a small shard in one step.
    private const int FirstCapacity = 16;

    /// <summary>Creates empty profiles of bucketCount buckets with room for initialCapacity series, never growing past maxCapacity.</summary>
    public SeasonalProfileState(int bucketCount, int initialCapacity, int maxCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketCount);
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCapacity, initialCapacity);
        // Every flat index must fit one array, so the largest allowed shard is refused here rather than at growth.
        if ((long)maxCapacity * bucketCount > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxCapacity), maxCapacity, $"{maxCapacity} series of {bucketCount} buckets exceed the largest array, {Array.MaxLength} elements.");
        }

        BucketCount = bucketCount;
        MaxCapacity = maxCapacity;
        Mean = new float[initialCapacity * bucketCount];
        Scale = new float[initialCapacity * bucketCount];
        Count = new float[initialCapacity * bucketCount];
    }

    /// <summary>Buckets per series profile.</summary>
    public int BucketCount { get; }

    /// <summary>Mean of each bucket, at <see cref="IndexOf"/>(series, bucket).</summary>
    public float[] Mean { get; private set; }

    /// <summary>Robust scale (sigma estimate) of each bucket, at <see cref="IndexOf"/>(series, bucket).</summary>
    public float[] Scale { get; private set; }

    /// <summary>Visits of each bucket so far (saturating at 2^24), at <see cref="IndexOf"/>(series, bucket); float so it gathers with the rest.</summary>
    public float[] Count { get; private set; }

    /// <summary>Number of series the arrays can hold now.</summary>
    public int Capacity => Mean.Length / BucketCount;

    /// <summary>Upper bound on capacity, so a cardinality explosion fails loudly instead of exhausting memory.</summary>
    public int MaxCapacity { get; }

    /// <summary>The flat index of (series, bucket) in profile arrays of bucketCount buckets per series: series * bucketCount + bucket.</summary>
    public static int FlatIndex(int series, int bucket, int bucketCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketCount);
        ArgumentOutOfRangeException.ThrowIfNegative(series);
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, bucketCount);
        long index = (long)series * bucketCount + bucket;
        if (index >= Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(series), series, $"Series {series} of {bucketCount} buckets lies past the largest array.");
        }

        return (int)index;
    }

    /// <summary>The flat index of (series, bucket) in <see cref="Mean"/>, <see cref="Scale"/> and <see cref="Count"/>.</summary>
    public int IndexOf(int series, int bucket)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(series, Capacity);
        return FlatIndex(series, bucket, BucketCount);
    }

    /// <summary>Writes the flat index of (series[k], buckets[k]) into destination[k] for every k, ready for <see cref="GatherScatter"/>.</summary>
    public void IndicesOf(ReadOnlySpan<int> series, ReadOnlySpan<int> buckets, Span<int> destination)
    {
        if (buckets.Length != series.Length)
        {
            throw new ArgumentException($"Length {buckets.Length} differs from the number of series, {series.Length}.", nameof(buckets));
        }

        if (destination.Length != series.Length)
        {
            throw new ArgumentException($"Length {destination.Length} differs from the number of series, {series.Length}.", nameof(destination));
        }

        for (int k = 0; k < series.Length; k++)
        {
            destination[k] = IndexOf(series[k], buckets[k]);
        }
    }

    /// <summary>Writes the flat index of (series[k], bucket) into destination[k] for every k: a batch whose points share one timestamp bucket.</summary>
    public void IndicesOf(ReadOnlySpan<int> series, int bucket, Span<int> destination)
    {
        if (destination.Length != series.Length)
        {
            throw new ArgumentException($"Length {destination.Length} differs from the number of series, {series.Length}.", nameof(destination));
        }

        for (int k = 0; k < series.Length; k++)
        {
            destination[k] = IndexOf(series[k], bucket);
        }
    }

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
        // Series-major: a resize keeps every existing profile at its index and appends zeroed (cold) profiles.
        var mean = Mean;
        var scale = Scale;
        var counts = Count;
        Array.Resize(ref mean, capacity * BucketCount);
        Array.Resize(ref scale, capacity * BucketCount);
        Array.Resize(ref counts, capacity * BucketCount);
        Mean = mean;
        Scale = scale;
        Count = counts;
    }

    /// <summary>Forgets every bucket of series id, so the id can be reused for a new series.</summary>
    public void Reset(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Capacity);
        int start = id * BucketCount;
        Mean.AsSpan(start, BucketCount).Clear();
        Scale.AsSpan(start, BucketCount).Clear();
        Count.AsSpan(start, BucketCount).Clear();
    }
}
