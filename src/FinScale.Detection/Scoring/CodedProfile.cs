namespace FinScale.Detection.Scoring;

/// <summary>
/// A seasonal profile's buckets in 16 bits each: a block of <see cref="short"/>s holding a header (a shared power-of-two
/// scale) and then one code per bucket, the bucket's value as a small float of its own (sign, 4-bit exponent, 11-bit
/// mantissa) in units of that scale. <see cref="Unvisited"/> marks a bucket never visited. Half the room of float
/// buckets: a mature series' two profiles take 560 bytes instead of 1,056.
/// </summary>
/// <remarks>
/// <para>Precision: relative to the bucket's own value, like a float: a step is at most 2^-11 of the value (at most
/// 2^-12 off when rounded to nearest), zero is exact, and a constant whose value has 12 significant bits or fewer
/// (a small integer) is exact. That is the order of the residual scale's floor (1e-4 of the level,
/// <see cref="EnsembleState"/>), under which no residual counts.</para>
/// <para>Range: at least 13 octaves (8,192 times) below the largest bucket at full precision, so one outlandish bucket
/// (a first visit at 1,000 times the level) costs the others nothing; below that, steps of 2^-24 to 2^-25 of the
/// largest. A value the codes cannot reach re-codes the profile with a coarser scale (each bucket rounded once more),
/// and now and then, at bucket 0, a profile whose largest bucket has fallen 4 octaves is re-coded finer. A bucket holds at most float's range
/// (±3.4e38, to within a step), as float buckets did.</para>
/// <para>Updates: an EWMA moves a bucket by a fraction of a residual, which can be less than a step; rounding to nearest
/// would then leave the bucket where it is and bias it by a few steps. <see cref="Store"/> rounds up with the probability
/// of the remainder instead (against a dither the caller derives from the point, so a replay is exact): unbiased.</para>
/// </remarks>
internal static class CodedProfile
{
    /// <summary>Header elements before the first bucket: the scale's exponent.</summary>
    public const int HeaderLength = 1;

    /// <summary>A bucket never visited.</summary>
    public const short Unvisited = short.MinValue;

    /// <summary>The largest magnitude code.</summary>
    private const int MaxCode = short.MaxValue;

    // Magnitude m = (E << 11) | F. E = 0: m itself (0..2047); else (2048 + F) << (E - 1). Codes below 4096 are their own
    // value; each further octave has 2048 steps; the largest code is 4095 << 14, just under 2^26.
    private const int MantissaBits = 11;
    private const int Mantissa = 1 << MantissaBits;
    private static readonly double s_top = Magnitude(MaxCode);

    // Where a scale puts the largest value: [2^24, 2^25) of 2^26, at least an octave of headroom before a re-code, and
    // 13 octaves above 2^11, below which a code's unit is coarser than 2^-11 of its value.
    private const int Headroom = 24;

    // A profile whose largest code is below octave 10 (under 2^20 units: 4 octaves below where a re-code puts it) is
    // re-coded finer.
    private const int TightenBelowOctave = 10;

    // The scale's range: 2^-1022 is the smallest normal double; float.MaxValue (under 2^128) needs at most 2^106.
    private const int MinExponent = -1022;
    private const int MaxExponent = 106;

    /// <summary>Scale meaning no bucket visited yet.</summary>
    private const short Empty = short.MinValue;

    /// <summary>Scale meaning every visited bucket is 0 (every code 0): nothing to scale yet.</summary>
    private const short Exact = short.MinValue + 1;

    /// <summary>Marks the whole block (header and buckets) as holding nothing yet.</summary>
    public static void Clear(Span<short> block)
    {
        block.Fill(Unvisited);
        block[0] = Empty;
    }

    /// <summary>Marks buckets from <paramref name="from"/> on as never visited (after a block grew).</summary>
    public static void ClearFrom(Span<short> block, int from) => block[(HeaderLength + from)..].Fill(Unvisited);

    /// <summary>The value of bucket <paramref name="i"/>, NaN when never visited.</summary>
    public static double Get(ReadOnlySpan<short> block, int i)
    {
        int c = block[HeaderLength + i];
        if (c == Unvisited)
            return double.NaN;
        if (c == 0)
            return 0;
        var v = Magnitude(Math.Abs(c)) * Step(block[0]);
        return c < 0 ? -v : v;
    }

    /// <summary>
    /// Sets bucket <paramref name="i"/> to the finite <paramref name="value"/>, rounding down or up with the chances that
    /// make the expected bucket exact: up when <paramref name="dither"/> in [0, 1) is below the remainder (0.5: to
    /// nearest). Re-codes the profile when the value is beyond the codes' reach.
    /// </summary>
    public static void Store(Span<short> block, int i, double value, double dither)
    {
        value = Saturate(value);
        if (value == 0)
        {
            block[HeaderLength + i] = 0;
            if (block[0] == Empty)
                block[0] = Exact;
            return;
        }

        int e = block[0];
        if (e is Empty or Exact)
            block[0] = (short)(e = ScaleFor(Math.Abs(value)));
        var m = Encode(Math.Abs(value) * Step(-e), dither);
        if (m > MaxCode)
        {
            Recode(block, i, value);
            return;
        }

        block[HeaderLength + i] = (short)(value < 0 ? -m : m);
    }

    /// <summary>
    /// Re-codes the profile finer when its largest bucket has fallen 4 octaves below where a re-code would put it (a level
    /// that fell by an order of magnitude or more): a pass over the codes, cheap to call now and then.
    /// </summary>
    public static void Tighten(Span<short> block)
    {
        if (block[0] is Empty or Exact or MinExponent)
            return;
        var most = 0;
        foreach (var c in block[HeaderLength..])
        {
            if (c != Unvisited)
                most = Math.Max(most, Math.Abs((int)c));
        }

        if (most >> MantissaBits < TightenBelowOctave)
            Recode(block, -1, double.NaN);
    }

    /// <summary>
    /// Codes <paramref name="values"/> (NaN: never visited) into a block of as many buckets, with the scale that puts the
    /// largest at 2^24 to 2^25 units (reading a checkpoint of float buckets, and every re-code).
    /// </summary>
    public static void Load(Span<short> block, ReadOnlySpan<double> values)
    {
        Clear(block);
        var reach = 0.0;
        var any = false;
        foreach (var v in values)
        {
            if (double.IsNaN(v))
                continue;
            any = true;
            reach = Math.Max(reach, Math.Abs(Saturate(v)));
        }

        if (!any)
            return;
        int e = ScaleFor(reach);
        block[0] = (short)e;
        for (var k = 0; k < values.Length; k++)
        {
            var v = values[k];
            if (double.IsNaN(v))
                continue;
            v = Saturate(v);
            var m = v == 0 ? 0 : Math.Min(MaxCode, Encode(Math.Abs(v) * Step(-e), 0.5));
            block[HeaderLength + k] = (short)(v < 0 ? -m : m);
        }
    }

    /// <summary>A dither in [0, 1) for the point at <paramref name="timestampMs"/> in bucket <paramref name="i"/> of profile <paramref name="salt"/>.</summary>
    public static double Dither(long timestampMs, int i, int salt)
    {
        // SplitMix64's finaliser over the point's coordinates: a replay rounds exactly as the first run did.
        var z = (ulong)timestampMs + ((ulong)(uint)i << 40) + ((ulong)(uint)salt * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Whether a block read from a checkpoint is one this class could have written (else it is refused).</summary>
    public static bool IsValid(ReadOnlySpan<short> block)
    {
        int e = block[0];
        if (e is not (Empty or Exact) && e is < MinExponent or > MaxExponent)
            return false;
        foreach (var c in block[HeaderLength..])
        {
            if (c != Unvisited && (e == Empty || (e == Exact && c != 0)))
                return false;
        }

        return true;
    }

    /// <summary>
    /// A bucket holds at most float's range, as float buckets did: a residual against it never overflows a double, and
    /// a point beyond it moves the bucket to the edge rather than to infinity.
    /// </summary>
    private static double Saturate(double value) => Math.Clamp(value, float.MinValue, float.MaxValue);

    /// <summary>The value of magnitude code <paramref name="m"/> in units of the scale.</summary>
    private static double Magnitude(int m)
    {
        var octave = m >> MantissaBits;
        return octave == 0 ? m : (double)((long)(Mantissa + (m & (Mantissa - 1))) << (octave - 1));
    }

    /// <summary>The magnitude code of <paramref name="y"/> ≥ 0 units, rounded up when <paramref name="dither"/> is below the remainder; over <see cref="MaxCode"/> when out of reach.</summary>
    private static int Encode(double y, double dither)
    {
        if (y >= s_top * 2)
            return MaxCode + 1;
        if (y < 2 * Mantissa)
            return (int)Math.Floor(y + 1 - dither);

        // y in [2^(10 + E), 2^(11 + E)): steps of 2^(E - 1), mantissa 2048 + F. A mantissa rounded up to 4096 carries
        // into the next octave by itself: (E << 11) + 2048 is ((E + 1) << 11) + 0, the same value.
        // y is a normal double here: its exponent field is ILogB(y), and scaling by a power of two is exact.
        var octave = (int)((BitConverter.DoubleToInt64Bits(y) >> 52) & 0x7FF) - 1023 - (MantissaBits - 1);
        var q = Math.Floor((y * Step(1 - octave)) + 1 - dither);
        return (octave << MantissaBits) + (int)q - Mantissa;
    }

    /// <summary>The scale that puts <paramref name="reach"/> at about 2^<see cref="Headroom"/> units (Exact for 0).</summary>
    private static int ScaleFor(double reach) =>
        reach == 0 ? Exact : Math.Clamp(Math.ILogB(reach) - Headroom, MinExponent, MaxExponent);

    /// <summary>2^e for e in [-1022, 1023]: the exponent field of a double and nothing else (so 2^-e is exactly its inverse).</summary>
    private static double Step(int e) => BitConverter.Int64BitsToDouble((long)(e + 1023) << 52);

    /// <summary>Re-codes every visited bucket (and bucket <paramref name="i"/> as <paramref name="value"/>, unless i is -1).</summary>
    private static void Recode(Span<short> block, int i, double value)
    {
        var n = block.Length - HeaderLength;
        Span<double> values = n <= 512 ? stackalloc double[n] : new double[n];
        for (var k = 0; k < n; k++)
            values[k] = Get(block, k);
        if (i >= 0)
            values[i] = value;
        Load(block, values);
    }
}
