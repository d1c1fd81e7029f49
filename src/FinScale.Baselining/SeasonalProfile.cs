using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FinScale.Baselining;

/// <summary>
/// Seasonal baseline for many series at once: each series keeps a robust mean and scale per seasonal bucket
/// (hour of week, or a phase of a period found from the data), and each point is scored against, then folded into,
/// the bucket it falls in.
/// </summary>
/// <remarks>
/// <para>
/// The caller gathers, for n series at once, the current bucket's mean, scale and visit count out of a
/// <see cref="SeasonalProfileState"/> (element i is one series), calls <see cref="ScoreAndUpdate"/>, and scatters the
/// three back. The update is <see cref="RobustEwma"/>'s, per bucket, with a warm-up that a bucket needs because it is
/// visited only once a period: until a bucket has seen <c>warmUpVisits</c> points it learns a plain running mean
/// (weight 1/(visits+1)) without clipping, and its residual is reported as 0, so a profile that has not yet seen a
/// bucket raises no alarm downstream. After that the weight is max(alpha, 1/(visits+1)) and the step is Huber-clipped
/// to <c>clip</c> scales, so an outlier moves the bucket by at most alpha * clip scales.
/// </para>
/// <para>
/// Non-finite input: a point whose x is NaN or infinite, or whose update would overflow the state (a huge x in a
/// bucket still warming up), leaves that bucket's mean, scale and count exactly as they were and has residual 0.
/// Finite state therefore stays finite. The residual is always finite: a finite x so far out that (x - mean) / scale
/// overflows saturates at ±<see cref="float.MaxValue"/>, so it still counts (as far as it can) downstream.
/// </para>
/// <para>
/// Every path performs the same float operations in the same order, without fused multiply-add, so the vector paths
/// and the scalar reference agree to the last bit. <c>mean</c>, <c>scale</c>, <c>count</c> and <c>residual</c> must
/// not overlap one another.
/// </para>
/// </remarks>
public static class SeasonalProfile
{
    /// <summary>Milliseconds in a day: the period of a time-of-day profile.</summary>
    public const long MillisecondsPerDay = 86_400_000L;

    /// <summary>Milliseconds in a week: the period of an hour-of-week profile.</summary>
    public const long MillisecondsPerWeek = 7 * MillisecondsPerDay;

    /// <summary>Buckets of an hour-of-week profile: 24 hours times 7 days.</summary>
    public const int HoursPerWeek = 168;

    /// <summary>Fewest warm-up visits: the first visit sets the mean, the second gives the first deviation for the scale.</summary>
    public const int MinWarmUpVisits = 2;

    // The Unix epoch fell on a Thursday; shifting by three days makes hour-of-week bucket 0 Monday 00:00 UTC.
    private const long EpochToMondayMs = 3 * MillisecondsPerDay;

    // The same floor on the scale as RobustEwma, for the same reasons: a flat bucket must not divide by zero, and a
    // bucket with huge values must not report residuals made of float rounding noise.
    private const float AbsoluteFloor = 1e-6f;
    private const float RelativeFloor = 1e-4f;

    /// <summary>
    /// Scores x[i] against its bucket's mean and scale, then folds it into them, for n series at once (element i is one
    /// series, holding the gathered state of the bucket x[i] falls in).
    /// </summary>
    /// <param name="x">The observations.</param>
    /// <param name="alpha">Per series, the smoothing factor a warmed-up bucket learns with, per visit.</param>
    /// <param name="mean">Per series, the bucket's mean; updated in place.</param>
    /// <param name="scale">Per series, the bucket's robust scale (a sigma estimate); updated in place.</param>
    /// <param name="count">Per series, the bucket's visits so far, saturating at 2^24; updated in place.</param>
    /// <param name="residual">Receives (x - mean) / scale from the state before x (saturating at ±float.MaxValue), or 0 while the bucket warms up or for a point it skips.</param>
    /// <param name="clip">How many scales a warmed-up step may move the mean by; non-negative.</param>
    /// <param name="warmUpVisits">Visits a bucket learns unclipped and unscored; at least <see cref="MinWarmUpVisits"/>.</param>
    public static void ScoreAndUpdate(
        ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> count, Span<float> residual, float clip, int warmUpVisits)
    {
        int n = x.Length;
        ThrowIfLengthDiffers(alpha.Length, n, nameof(alpha));
        ThrowIfLengthDiffers(mean.Length, n, nameof(mean));
        ThrowIfLengthDiffers(scale.Length, n, nameof(scale));
        ThrowIfLengthDiffers(count.Length, n, nameof(count));
        ThrowIfLengthDiffers(residual.Length, n, nameof(residual));
        // A negative or NaN clip would make the clamp bounds cross and poison every mean.
        if (float.IsNaN(clip) || clip < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(clip), clip, "Clip must be a non-negative number of scales.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(warmUpVisits, MinWarmUpVisits);

        int done = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            done = ScoreAndUpdateVector512(x, alpha, mean, scale, count, residual, clip, warmUpVisits);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            done = ScoreAndUpdateVector256(x, alpha, mean, scale, count, residual, clip, warmUpVisits);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            done = ScoreAndUpdateVector128(x, alpha, mean, scale, count, residual, clip, warmUpVisits);
        }

        // The tail stays scalar: the state is updated in place, so an overlapping last vector would update twice.
        ScoreAndUpdateScalar(x[done..], alpha[done..], mean[done..], scale[done..], count[done..], residual[done..], clip, warmUpVisits);
    }

    /// <summary>
    /// The bucket a Unix-millisecond timestamp falls in, for a period split into bucketCount equal buckets; bucket 0
    /// starts at the epoch shifted by offsetMs (pass a time-zone offset to follow local time of day).
    /// </summary>
    public static int BucketOf(long unixMs, long periodMs, int bucketCount, long offsetMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bucketCount, periodMs);

        // Floor modulo on each term, so timestamps before the epoch and negative offsets land in range without overflow.
        long phase = FloorMod(unixMs, periodMs) + FloorMod(offsetMs, periodMs);
        if (phase >= periodMs)
        {
            phase -= periodMs;
        }

        // phase * bucketCount can pass long.MaxValue for long periods; the 128-bit product cannot.
        return (int)((Int128)phase * bucketCount / periodMs);
    }

    /// <summary>The hour-of-week bucket (0 = Monday 00:00-01:00 UTC, 167 = Sunday 23:00-24:00 UTC) of a Unix-millisecond timestamp.</summary>
    public static int HourOfWeek(long unixMs) => BucketOf(unixMs, MillisecondsPerWeek, HoursPerWeek, EpochToMondayMs);

    /// <summary>The readable reference: scores and updates every element one at a time.</summary>
    internal static void ScoreAndUpdateScalar(
        ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> count, Span<float> residual, float clip, int warmUpVisits)
    {
        float warmUp = warmUpVisits;
        for (int i = 0; i < x.Length; i++)
        {
            float xi = x[i];
            float m = mean[i];
            float sc = scale[i];
            float c = count[i];
            float a = alpha[i];

            // Running mean until the weight falls to alpha. The scale skips the first visit, which has no deviation
            // to learn from (1/c is infinite there and the select discards it).
            float meanWeight = MathF.Max(a, 1f / (c + 1f));
            float scaleWeight = c == 0f ? 0f : MathF.Max(a, 1f / c);
            bool warm = c >= warmUp;

            float s = MathF.Max(sc, AbsoluteFloor + RelativeFloor * MathF.Abs(m));
            float d = xi - m;
            // A bucket still warming up has no scale worth clipping against: it must be free to find its level.
            float limit = warm ? clip * s : float.PositiveInfinity;
            float r = MathF.Min(MathF.Max(d, -limit), limit);
            float nextMean = m + meanWeight * r;
            float nextScale = sc + scaleWeight * (MathF.Abs(r) * RobustEwma.NormalConsistency - sc);

            bool valid = float.IsFinite(xi) && float.IsFinite(nextMean) && float.IsFinite(nextScale);
            residual[i] = valid && warm ? MathF.Min(MathF.Max(d / s, -float.MaxValue), float.MaxValue) : 0f;
            if (valid)
            {
                mean[i] = nextMean;
                scale[i] = nextScale;
                // Float counts stop at 2^24 by themselves (2^24 + 1 rounds back), long after any warm-up ends.
                count[i] = c + 1f;
            }
        }
    }

    /// <summary>Processes whole 512-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int ScoreAndUpdateVector512(
        ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> count, Span<float> residual, float clip, int warmUpVisits)
    {
        AssertSameLengths(x, alpha, mean, scale, count, residual);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float sRef = ref MemoryMarshal.GetReference(scale);
        ref float cRef = ref MemoryMarshal.GetReference(count);
        ref float rRef = ref MemoryMarshal.GetReference(residual);
        var zero = Vector512<float>.Zero;
        var one = Vector512<float>.One;
        var infinity = Vector512.Create(float.PositiveInfinity);
        var absoluteFloor = Vector512.Create(AbsoluteFloor);
        var relativeFloor = Vector512.Create(RelativeFloor);
        var consistency = Vector512.Create(RobustEwma.NormalConsistency);
        var clipV = Vector512.Create(clip);
        var warmUp = Vector512.Create((float)warmUpVisits);
        var largest = Vector512.Create(float.MaxValue);

        int i = 0;
        for (int last = x.Length - Vector512<float>.Count; i <= last; i += Vector512<float>.Count)
        {
            nuint o = (nuint)i;
            var xi = Vector512.LoadUnsafe(ref xRef, o);
            var m = Vector512.LoadUnsafe(ref mRef, o);
            var sc = Vector512.LoadUnsafe(ref sRef, o);
            var c = Vector512.LoadUnsafe(ref cRef, o);
            var a = Vector512.LoadUnsafe(ref aRef, o);

            var meanWeight = Vector512.Max(a, one / (c + one));
            var scaleWeight = Vector512.ConditionalSelect(Vector512.Equals(c, zero), zero, Vector512.Max(a, one / c));
            var warm = Vector512.GreaterThanOrEqual(c, warmUp);

            var s = Vector512.Max(sc, absoluteFloor + relativeFloor * Vector512.Abs(m));
            var d = xi - m;
            var limit = Vector512.ConditionalSelect(warm, clipV * s, infinity);
            var r = Vector512.Min(Vector512.Max(d, -limit), limit);
            var nextMean = m + meanWeight * r;
            var nextScale = sc + scaleWeight * (Vector512.Abs(r) * consistency - sc);

            var valid = Vector512.IsFinite(xi) & Vector512.IsFinite(nextMean) & Vector512.IsFinite(nextScale);
            Vector512.ConditionalSelect(valid & warm, Vector512.Min(Vector512.Max(d / s, -largest), largest), zero).StoreUnsafe(ref rRef, o);
            Vector512.ConditionalSelect(valid, nextMean, m).StoreUnsafe(ref mRef, o);
            Vector512.ConditionalSelect(valid, nextScale, sc).StoreUnsafe(ref sRef, o);
            Vector512.ConditionalSelect(valid, c + one, c).StoreUnsafe(ref cRef, o);
        }

        return i;
    }

    /// <summary>Processes whole 256-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int ScoreAndUpdateVector256(
        ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> count, Span<float> residual, float clip, int warmUpVisits)
    {
        AssertSameLengths(x, alpha, mean, scale, count, residual);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float sRef = ref MemoryMarshal.GetReference(scale);
        ref float cRef = ref MemoryMarshal.GetReference(count);
        ref float rRef = ref MemoryMarshal.GetReference(residual);
        var zero = Vector256<float>.Zero;
        var one = Vector256<float>.One;
        var infinity = Vector256.Create(float.PositiveInfinity);
        var absoluteFloor = Vector256.Create(AbsoluteFloor);
        var relativeFloor = Vector256.Create(RelativeFloor);
        var consistency = Vector256.Create(RobustEwma.NormalConsistency);
        var clipV = Vector256.Create(clip);
        var warmUp = Vector256.Create((float)warmUpVisits);
        var largest = Vector256.Create(float.MaxValue);

        int i = 0;
        for (int last = x.Length - Vector256<float>.Count; i <= last; i += Vector256<float>.Count)
        {
            nuint o = (nuint)i;
            var xi = Vector256.LoadUnsafe(ref xRef, o);
            var m = Vector256.LoadUnsafe(ref mRef, o);
            var sc = Vector256.LoadUnsafe(ref sRef, o);
            var c = Vector256.LoadUnsafe(ref cRef, o);
            var a = Vector256.LoadUnsafe(ref aRef, o);

            var meanWeight = Vector256.Max(a, one / (c + one));
            var scaleWeight = Vector256.ConditionalSelect(Vector256.Equals(c, zero), zero, Vector256.Max(a, one / c));
            var warm = Vector256.GreaterThanOrEqual(c, warmUp);

            var s = Vector256.Max(sc, absoluteFloor + relativeFloor * Vector256.Abs(m));
            var d = xi - m;
            var limit = Vector256.ConditionalSelect(warm, clipV * s, infinity);
            var r = Vector256.Min(Vector256.Max(d, -limit), limit);
            var nextMean = m + meanWeight * r;
            var nextScale = sc + scaleWeight * (Vector256.Abs(r) * consistency - sc);

            var valid = Vector256.IsFinite(xi) & Vector256.IsFinite(nextMean) & Vector256.IsFinite(nextScale);
            Vector256.ConditionalSelect(valid & warm, Vector256.Min(Vector256.Max(d / s, -largest), largest), zero).StoreUnsafe(ref rRef, o);
            Vector256.ConditionalSelect(valid, nextMean, m).StoreUnsafe(ref mRef, o);
            Vector256.ConditionalSelect(valid, nextScale, sc).StoreUnsafe(ref sRef, o);
            Vector256.ConditionalSelect(valid, c + one, c).StoreUnsafe(ref cRef, o);
        }

        return i;
    }

    /// <summary>Processes whole 128-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int ScoreAndUpdateVector128(
        ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> count, Span<float> residual, float clip, int warmUpVisits)
    {
        AssertSameLengths(x, alpha, mean, scale, count, residual);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float sRef = ref MemoryMarshal.GetReference(scale);
        ref float cRef = ref MemoryMarshal.GetReference(count);
        ref float rRef = ref MemoryMarshal.GetReference(residual);
        var zero = Vector128<float>.Zero;
        var one = Vector128<float>.One;
        var infinity = Vector128.Create(float.PositiveInfinity);
        var absoluteFloor = Vector128.Create(AbsoluteFloor);
        var relativeFloor = Vector128.Create(RelativeFloor);
        var consistency = Vector128.Create(RobustEwma.NormalConsistency);
        var clipV = Vector128.Create(clip);
        var warmUp = Vector128.Create((float)warmUpVisits);
        var largest = Vector128.Create(float.MaxValue);

        int i = 0;
        for (int last = x.Length - Vector128<float>.Count; i <= last; i += Vector128<float>.Count)
        {
            nuint o = (nuint)i;
            var xi = Vector128.LoadUnsafe(ref xRef, o);
            var m = Vector128.LoadUnsafe(ref mRef, o);
            var sc = Vector128.LoadUnsafe(ref sRef, o);
            var c = Vector128.LoadUnsafe(ref cRef, o);
            var a = Vector128.LoadUnsafe(ref aRef, o);

            var meanWeight = Vector128.Max(a, one / (c + one));
            var scaleWeight = Vector128.ConditionalSelect(Vector128.Equals(c, zero), zero, Vector128.Max(a, one / c));
            var warm = Vector128.GreaterThanOrEqual(c, warmUp);

            var s = Vector128.Max(sc, absoluteFloor + relativeFloor * Vector128.Abs(m));
            var d = xi - m;
            var limit = Vector128.ConditionalSelect(warm, clipV * s, infinity);
            var r = Vector128.Min(Vector128.Max(d, -limit), limit);
            var nextMean = m + meanWeight * r;
            var nextScale = sc + scaleWeight * (Vector128.Abs(r) * consistency - sc);

            var valid = Vector128.IsFinite(xi) & Vector128.IsFinite(nextMean) & Vector128.IsFinite(nextScale);
            Vector128.ConditionalSelect(valid & warm, Vector128.Min(Vector128.Max(d / s, -largest), largest), zero).StoreUnsafe(ref rRef, o);
            Vector128.ConditionalSelect(valid, nextMean, m).StoreUnsafe(ref mRef, o);
            Vector128.ConditionalSelect(valid, nextScale, sc).StoreUnsafe(ref sRef, o);
            Vector128.ConditionalSelect(valid, c + one, c).StoreUnsafe(ref cRef, o);
        }

        return i;
    }

    private static long FloorMod(long value, long period)
    {
        long r = value % period;
        return r < 0 ? r + period : r;
    }

    private static void ThrowIfLengthDiffers(int length, int expected, string paramName)
    {
        if (length != expected)
        {
            throw new ArgumentException($"Length {length} differs from the length of x, {expected}.", paramName);
        }
    }

    [Conditional("DEBUG")]
    private static void AssertSameLengths(
        ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> count, Span<float> residual) =>
        Debug.Assert(
            alpha.Length == x.Length && mean.Length == x.Length && scale.Length == x.Length && count.Length == x.Length && residual.Length == x.Length,
            "Lengths are validated by the caller.");
}
