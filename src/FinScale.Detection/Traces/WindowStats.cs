namespace FinScale.Detection.Traces;

/// <summary>
/// The state of one open window: one slot per aggregation key seen in it (slots in first-seen order, which fixes the
/// emission order), each with call and failure counts and <c>hists</c> duration histograms, plus the tokens released
/// when the window is emitted. Arrays are struct-of-arrays and reused when the window is pooled.
/// </summary>
internal sealed class WindowStats<TToken>
    where TToken : class
{
    private readonly Dictionary<int, int> _slotOf = [];
    private readonly int _hists;
    private readonly int _buckets;

    /// <summary>Creates an empty window with <paramref name="hists"/> histograms of <paramref name="buckets"/> buckets per slot.</summary>
    public WindowStats(int hists, int buckets)
    {
        _hists = hists;
        _buckets = buckets;
        Keys = new int[8];
        Calls = new long[8];
        Failed = new long[8];
        HCount = new double[8 * hists];
        HSum = new double[8 * hists];
        HMin = new double[8 * hists];
        HMax = new double[8 * hists];
        HBuckets = new double[8 * hists * buckets];
        Example = new SpanRef[8 * hists];
    }

    /// <summary>Window index: the window covers [Index * length, (Index + 1) * length) ms.</summary>
    public long Index { get; private set; }

    /// <summary>Slots in use.</summary>
    public int Count { get; private set; }

    /// <summary>Aggregation key id of each slot.</summary>
    public int[] Keys { get; private set; }

    /// <summary>Calls per slot.</summary>
    public long[] Calls { get; private set; }

    /// <summary>Failed calls per slot (service graph only).</summary>
    public long[] Failed { get; private set; }

    /// <summary>Observations per histogram (index slot * hists + hist).</summary>
    public double[] HCount { get; private set; }

    /// <summary>Sum of observed ms per histogram.</summary>
    public double[] HSum { get; private set; }

    /// <summary>Smallest observed ms per histogram (valid when its count is positive).</summary>
    public double[] HMin { get; private set; }

    /// <summary>Largest observed ms per histogram (valid when its count is positive).</summary>
    public double[] HMax { get; private set; }

    /// <summary>
    /// Trace and span id of the slowest span observed per histogram (the first of equals; valid when its count is
    /// positive; zero when that span had none): the example of the slot's points, formatted only when an anomaly needs it.
    /// </summary>
    public SpanRef[] Example { get; private set; }

    /// <summary>Bucket counts, <c>buckets</c> per histogram.</summary>
    public double[] HBuckets { get; private set; }

    /// <summary>Tokens released when this window is emitted.</summary>
    public TokenRuns<TToken> Tokens { get; } = new();

    /// <summary>Empties the window (tokens must have been moved out) and gives it a new index.</summary>
    public void Reset(long index)
    {
        Array.Clear(Calls, 0, Count);
        Array.Clear(Failed, 0, Count);
        Array.Clear(HCount, 0, Count * _hists);
        Array.Clear(HSum, 0, Count * _hists);
        Array.Clear(HBuckets, 0, Count * _hists * _buckets);
        _slotOf.Clear();
        Count = 0;
        Index = index;
    }

    /// <summary>The slot of key <paramref name="key"/>, taking the next free one when the key is new to this window.</summary>
    public int SlotOf(int key)
    {
        if (_slotOf.TryGetValue(key, out var slot))
            return slot;
        slot = Count;
        if (slot == Keys.Length)
            Grow();
        Keys[slot] = key;
        _slotOf.Add(key, slot);
        Count = slot + 1;
        return slot;
    }

    /// <summary>
    /// Adds one duration of <paramref name="ms"/> falling in bucket <paramref name="bucket"/> to histogram
    /// <paramref name="hist"/> of <paramref name="slot"/>; <paramref name="example"/> becomes the histogram's example when
    /// the span is the slowest so far.
    /// </summary>
    public void Observe(int slot, int hist, double ms, int bucket, SpanRef example = default)
    {
        var h = (slot * _hists) + hist;
        if (HCount[h] == 0)
        {
            HMin[h] = ms;
            HMax[h] = ms;
            Example[h] = example;
        }
        else
        {
            HMin[h] = Math.Min(HMin[h], ms);
            if (ms > HMax[h])
            {
                HMax[h] = ms;
                Example[h] = example;
            }
        }

        HCount[h]++;
        HSum[h] += ms;
        HBuckets[(h * _buckets) + bucket]++;
    }

    /// <summary>Bucket counts of histogram <paramref name="hist"/> of <paramref name="slot"/>.</summary>
    public ReadOnlySpan<double> Buckets(int slot, int hist) => HBuckets.AsSpan(((slot * _hists) + hist) * _buckets, _buckets);

    private void Grow()
    {
        var n = Keys.Length * 2;
        Keys = Resized(Keys, n);
        Calls = Resized(Calls, n);
        Failed = Resized(Failed, n);
        HCount = Resized(HCount, n * _hists);
        HSum = Resized(HSum, n * _hists);
        HMin = Resized(HMin, n * _hists);
        HMax = Resized(HMax, n * _hists);
        HBuckets = Resized(HBuckets, n * _hists * _buckets);
        Example = Resized(Example, n * _hists);
    }

    private static T[] Resized<T>(T[] array, int size)
    {
        Array.Resize(ref array, size);
        return array;
    }
}
