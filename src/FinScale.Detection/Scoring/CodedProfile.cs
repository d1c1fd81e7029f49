namespace FinScale.Detection.Scoring;

/// <summary>
/// A seasonal profile's buckets in 16 bits each: one <see cref="short"/> code per bucket, the bucket's value as a small
/// float of its own (sign, 4-bit exponent, 11-bit mantissa) in units of a power-of-two scale the profile's buckets share,
/// kept by the caller as one byte (0, a field's default, is a profile with nothing visited). <see cref="Unvisited"/> marks
/// a bucket never visited. Half the room of float buckets: a mature series' two profiles take 528 bytes instead of 1,056.
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
    /// <summary>A bucket never visited.</summary>
    public const short Unvisited = short.MinValue;

    /// <summary>The scale of a profile with nothing visited: a field's default.</summary>
    public const byte Empty = 0;

    /// <summary>The scale meaning every visited bucket is 0 (every code 0): nothing to scale yet.</summary>
    private const byte Exact = 1;

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

    // The scale 2^e is kept as the byte e - MinExponent + 2 (0 and 1 are Empty and Exact). Buckets are within float range,
    // so e = ilogb(largest) - 24 is at most 127 - 24; at the bottom, a unit of 2^-149 (float's smallest) is fine enough.
    private const int MinExponent = -149;
    private const int MaxExponent = 103;
    private const int Bias = 2 - MinExponent;

    /// <summary>The value of bucket <paramref name="i"/>, NaN when never visited.</summary>
    public static double Get(ReadOnlySpan<short> codes, byte scale, int i)
    {
        int c = codes[i];
        if (c == Unvisited)
            return double.NaN;
        if (c == 0)
            return 0;
        var v = Magnitude(Math.Abs(c)) * Step(scale - Bias);
        return c < 0 ? -v : v;
    }

    /// <summary>
    /// Sets bucket <paramref name="i"/> to the finite <paramref name="value"/>, rounding down or up with the chances that
    /// make the expected bucket exact: up when <paramref name="dither"/> in [0, 1) is below the remainder (0.5: to
    /// nearest). Re-codes the profile when the value is beyond the codes' reach.
    /// </summary>
    public static void Store(Span<short> codes, ref byte scale, int i, double value, double dither)
    {
        value = Saturate(value);
        if (value == 0)
        {
            codes[i] = 0;
            if (scale == Empty)
                scale = Exact;
            return;
        }

        if (scale is Empty or Exact)
            scale = ScaleFor(Math.Abs(value));
        var m = Encode(Math.Abs(value) * Step(Bias - scale), dither);
        if (m > MaxCode)
        {
            Recode(codes, ref scale, i, value);
            return;
        }

        codes[i] = (short)(value < 0 ? -m : m);
    }

    /// <summary>
    /// Re-codes the profile finer when its largest bucket has fallen 4 octaves below where a re-code would put it (a level
    /// that fell by an order of magnitude or more): a pass over the codes, cheap to call now and then.
    /// </summary>
    public static void Tighten(Span<short> codes, ref byte scale)
    {
        if (scale is Empty or Exact || scale - Bias == MinExponent)
            return;
        var most = 0;
        foreach (var c in codes)
        {
            if (c != Unvisited)
                most = Math.Max(most, Math.Abs((int)c));
        }

        if (most >> MantissaBits < TightenBelowOctave)
            Recode(codes, ref scale, -1, double.NaN);
    }

    /// <summary>
    /// Codes <paramref name="values"/> (NaN: never visited) into as many buckets, with the scale that puts the largest at
    /// 2^24 to 2^25 units (reading a checkpoint of float buckets, and every re-code).
    /// </summary>
    public static void Load(Span<short> codes, out byte scale, ReadOnlySpan<double> values)
    {
        codes.Fill(Unvisited);
        scale = Empty;
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
        scale = ScaleFor(reach);
        for (var k = 0; k < values.Length; k++)
        {
            var v = values[k];
            if (double.IsNaN(v))
                continue;
            v = Saturate(v);
            var m = v == 0 ? 0 : Math.Min(MaxCode, Encode(Math.Abs(v) * Step(Bias - scale), 0.5));
            codes[k] = (short)(v < 0 ? -m : m);
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

    /// <summary>Whether codes and scale read from a checkpoint are ones this class could have written (else they are refused).</summary>
    public static bool IsValid(ReadOnlySpan<short> codes, byte scale)
    {
        if (scale is not (Empty or Exact) && scale - Bias > MaxExponent)
            return false;
        foreach (var c in codes)
        {
            if (c != Unvisited && (scale == Empty || (scale == Exact && c != 0)))
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

    /// <summary>The scale that puts <paramref name="reach"/> (within float range) at 2^24 to 2^25 units; Exact for 0.</summary>
    private static byte ScaleFor(double reach) =>
        reach == 0 ? Exact : (byte)(Math.Clamp(Math.ILogB(reach) - Headroom, MinExponent, MaxExponent) + Bias);

    /// <summary>2^e for e in [-1022, 1023]: the exponent field of a double and nothing else (so 2^-e is exactly its inverse).</summary>
    private static double Step(int e) => BitConverter.Int64BitsToDouble((long)(e + 1023) << 52);

    /// <summary>Re-codes every visited bucket (and bucket <paramref name="i"/> as <paramref name="value"/>, unless i is -1).</summary>
    private static void Recode(Span<short> codes, ref byte scale, int i, double value)
    {
        Span<double> values = codes.Length <= 512 ? stackalloc double[codes.Length] : new double[codes.Length];
        for (var k = 0; k < codes.Length; k++)
            values[k] = Get(codes, scale, k);
        if (i >= 0)
            values[i] = value;
        Load(codes, out scale, values);
    }
}
