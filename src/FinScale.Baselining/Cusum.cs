using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FinScale.Baselining;

/// <summary>
/// Two-sided CUSUM level-shift statistic over standardised residuals (z-scores), for many series at once:
/// S⁺ = max(0, S⁺ + z − k) and S⁻ = max(0, S⁻ − z − k), with drift allowance k.
/// </summary>
/// <remarks>
/// <para>
/// The statistic reported per series is signed: S⁺ when S⁺ ≥ S⁻ (an upward shift), otherwise −S⁻. When
/// max(S⁺, S⁻) exceeds the threshold h the shift is taken as accepted: the statistic is reported and both sums restart
/// from 0, so a series that has shifted is watched for its next shift, not re-alarmed on every point of the new level.
/// Pass <see cref="float.PositiveInfinity"/> as h to never restart, and write 0 into a series' sums to restart it by hand.
/// With k = 0.5 and h = 5, the usual choice for z-scores, a 1-sigma shift is found after about 10 points on average
/// and stationary noise raises a false alarm about once in 470 points (two-sided).
/// </para>
/// <para>
/// Non-finite input: a NaN or infinite z leaves the sums as they were (the threshold still applies to them), so the
/// sums never become NaN or negative whatever z holds. With a finite threshold they stay finite too: a sum that
/// overflows to infinity exceeds the threshold and restarts.
/// </para>
/// <para>
/// Every path performs the same float operations in the same order, without fused multiply-add, so the vector paths
/// and the scalar reference agree to the last bit. <c>upper</c>, <c>lower</c> and <c>statistic</c> must not overlap one another.
/// </para>
/// </remarks>
public static class Cusum
{
    /// <summary>Folds z[i] into the upper and lower sums of series i and writes its signed statistic, restarting sums past the threshold.</summary>
    /// <param name="z">The standardised residuals.</param>
    /// <param name="upper">Per series, S⁺, the evidence of an upward shift; non-negative, updated in place.</param>
    /// <param name="lower">Per series, S⁻, the evidence of a downward shift; non-negative, updated in place.</param>
    /// <param name="statistic">Receives S⁺ if S⁺ ≥ S⁻, else −S⁻, from the sums after z and before any restart.</param>
    /// <param name="drift">k, the shift per point (in z units) the sums forgive; finite and non-negative, typically half the shift to detect.</param>
    /// <param name="threshold">h: a series whose larger sum exceeds it restarts from 0; positive, or +infinity for never.</param>
    public static void Update(ReadOnlySpan<float> z, Span<float> upper, Span<float> lower, Span<float> statistic, float drift, float threshold)
    {
        int n = z.Length;
        ThrowIfLengthDiffers(upper.Length, n, nameof(upper));
        ThrowIfLengthDiffers(lower.Length, n, nameof(lower));
        ThrowIfLengthDiffers(statistic.Length, n, nameof(statistic));
        // An infinite or NaN drift would turn every sum into NaN; a negative one lets noise accumulate without bound.
        if (!float.IsFinite(drift) || drift < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(drift), drift, "Drift must be a finite, non-negative number of scales.");
        }

        if (float.IsNaN(threshold) || threshold <= 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Threshold must be positive (or +infinity for never).");
        }

        int done = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            done = UpdateVector512(z, upper, lower, statistic, drift, threshold);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            done = UpdateVector256(z, upper, lower, statistic, drift, threshold);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            done = UpdateVector128(z, upper, lower, statistic, drift, threshold);
        }

        // The tail stays scalar: the state is updated in place, so an overlapping last vector would update twice.
        UpdateScalar(z[done..], upper[done..], lower[done..], statistic[done..], drift, threshold);
    }

    /// <summary>The readable reference: updates every element one at a time.</summary>
    internal static void UpdateScalar(ReadOnlySpan<float> z, Span<float> upper, Span<float> lower, Span<float> statistic, float drift, float threshold)
    {
        for (int i = 0; i < z.Length; i++)
        {
            float zi = z[i];
            float up = upper[i];
            float lo = lower[i];
            if (float.IsFinite(zi))
            {
                up = MathF.Max(0f, up + zi - drift);
                lo = MathF.Max(0f, lo - zi - drift);
            }

            statistic[i] = up >= lo ? up : -lo;
            bool accepted = MathF.Max(up, lo) > threshold;
            upper[i] = accepted ? 0f : up;
            lower[i] = accepted ? 0f : lo;
        }
    }

    /// <summary>Processes whole 512-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int UpdateVector512(ReadOnlySpan<float> z, Span<float> upper, Span<float> lower, Span<float> statistic, float drift, float threshold)
    {
        AssertSameLengths(z, upper, lower, statistic);
        ref float zRef = ref MemoryMarshal.GetReference(z);
        ref float uRef = ref MemoryMarshal.GetReference(upper);
        ref float lRef = ref MemoryMarshal.GetReference(lower);
        ref float sRef = ref MemoryMarshal.GetReference(statistic);
        var zero = Vector512<float>.Zero;
        var k = Vector512.Create(drift);
        var h = Vector512.Create(threshold);

        int i = 0;
        for (int last = z.Length - Vector512<float>.Count; i <= last; i += Vector512<float>.Count)
        {
            nuint o = (nuint)i;
            var zi = Vector512.LoadUnsafe(ref zRef, o);
            var up = Vector512.LoadUnsafe(ref uRef, o);
            var lo = Vector512.LoadUnsafe(ref lRef, o);
            var finite = Vector512.IsFinite(zi);
            up = Vector512.ConditionalSelect(finite, Vector512.Max(zero, up + zi - k), up);
            lo = Vector512.ConditionalSelect(finite, Vector512.Max(zero, lo - zi - k), lo);

            Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(up, lo), up, -lo).StoreUnsafe(ref sRef, o);
            var accepted = Vector512.GreaterThan(Vector512.Max(up, lo), h);
            Vector512.ConditionalSelect(accepted, zero, up).StoreUnsafe(ref uRef, o);
            Vector512.ConditionalSelect(accepted, zero, lo).StoreUnsafe(ref lRef, o);
        }

        return i;
    }

    /// <summary>Processes whole 256-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int UpdateVector256(ReadOnlySpan<float> z, Span<float> upper, Span<float> lower, Span<float> statistic, float drift, float threshold)
    {
        AssertSameLengths(z, upper, lower, statistic);
        ref float zRef = ref MemoryMarshal.GetReference(z);
        ref float uRef = ref MemoryMarshal.GetReference(upper);
        ref float lRef = ref MemoryMarshal.GetReference(lower);
        ref float sRef = ref MemoryMarshal.GetReference(statistic);
        var zero = Vector256<float>.Zero;
        var k = Vector256.Create(drift);
        var h = Vector256.Create(threshold);

        int i = 0;
        for (int last = z.Length - Vector256<float>.Count; i <= last; i += Vector256<float>.Count)
        {
            nuint o = (nuint)i;
            var zi = Vector256.LoadUnsafe(ref zRef, o);
            var up = Vector256.LoadUnsafe(ref uRef, o);
            var lo = Vector256.LoadUnsafe(ref lRef, o);
            var finite = Vector256.IsFinite(zi);
            up = Vector256.ConditionalSelect(finite, Vector256.Max(zero, up + zi - k), up);
            lo = Vector256.ConditionalSelect(finite, Vector256.Max(zero, lo - zi - k), lo);

            Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(up, lo), up, -lo).StoreUnsafe(ref sRef, o);
            var accepted = Vector256.GreaterThan(Vector256.Max(up, lo), h);
            Vector256.ConditionalSelect(accepted, zero, up).StoreUnsafe(ref uRef, o);
            Vector256.ConditionalSelect(accepted, zero, lo).StoreUnsafe(ref lRef, o);
        }

        return i;
    }

    /// <summary>Processes whole 128-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int UpdateVector128(ReadOnlySpan<float> z, Span<float> upper, Span<float> lower, Span<float> statistic, float drift, float threshold)
    {
        AssertSameLengths(z, upper, lower, statistic);
        ref float zRef = ref MemoryMarshal.GetReference(z);
        ref float uRef = ref MemoryMarshal.GetReference(upper);
        ref float lRef = ref MemoryMarshal.GetReference(lower);
        ref float sRef = ref MemoryMarshal.GetReference(statistic);
        var zero = Vector128<float>.Zero;
        var k = Vector128.Create(drift);
        var h = Vector128.Create(threshold);

        int i = 0;
        for (int last = z.Length - Vector128<float>.Count; i <= last; i += Vector128<float>.Count)
        {
            nuint o = (nuint)i;
            var zi = Vector128.LoadUnsafe(ref zRef, o);
            var up = Vector128.LoadUnsafe(ref uRef, o);
            var lo = Vector128.LoadUnsafe(ref lRef, o);
            var finite = Vector128.IsFinite(zi);
            up = Vector128.ConditionalSelect(finite, Vector128.Max(zero, up + zi - k), up);
            lo = Vector128.ConditionalSelect(finite, Vector128.Max(zero, lo - zi - k), lo);

            Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(up, lo), up, -lo).StoreUnsafe(ref sRef, o);
            var accepted = Vector128.GreaterThan(Vector128.Max(up, lo), h);
            Vector128.ConditionalSelect(accepted, zero, up).StoreUnsafe(ref uRef, o);
            Vector128.ConditionalSelect(accepted, zero, lo).StoreUnsafe(ref lRef, o);
        }

        return i;
    }

    private static void ThrowIfLengthDiffers(int length, int expected, string paramName)
    {
        if (length != expected)
        {
            throw new ArgumentException($"Length {length} differs from the length of z, {expected}.", paramName);
        }
    }

    [Conditional("DEBUG")]
    private static void AssertSameLengths(ReadOnlySpan<float> z, Span<float> upper, Span<float> lower, Span<float> statistic) =>
        Debug.Assert(upper.Length == z.Length && lower.Length == z.Length && statistic.Length == z.Length, "Lengths are validated by the caller.");
}
