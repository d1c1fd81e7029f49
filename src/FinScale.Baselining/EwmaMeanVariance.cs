using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FinScale.Baselining;

/// <summary>Exponentially weighted mean and variance for many series at once, in West's incremental form.</summary>
/// <remarks>
/// Every path performs the same float operations in the same order, without fused multiply-add, so the vector paths
/// and the scalar reference agree to the last bit. <c>mean</c> and <c>variance</c> must not overlap.
/// </remarks>
public static class EwmaMeanVariance
{
    /// <summary>Folds x[i] into the exponentially weighted mean and variance of series i, with smoothing factor alpha[i].</summary>
    public static void Update(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> variance)
    {
        int n = x.Length;
        ThrowIfLengthDiffers(alpha.Length, n, nameof(alpha));
        ThrowIfLengthDiffers(mean.Length, n, nameof(mean));
        ThrowIfLengthDiffers(variance.Length, n, nameof(variance));

        int done = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            done = UpdateVector512(x, alpha, mean, variance);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            done = UpdateVector256(x, alpha, mean, variance);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            done = UpdateVector128(x, alpha, mean, variance);
        }

        // The tail stays scalar: the state is updated in place, so an overlapping last vector would update twice.
        UpdateScalar(x[done..], alpha[done..], mean[done..], variance[done..]);
    }

    /// <summary>The readable reference: updates every element one at a time.</summary>
    internal static void UpdateScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> variance)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float a = alpha[i];
            float d = x[i] - mean[i];
            float increment = a * d;
            mean[i] += increment;
            // West's form uses the residual before and after the mean moves (d and d*(1-alpha)), which keeps the
            // variance non-negative without the cancellation of E[x^2] - E[x]^2.
            variance[i] = (1f - a) * (variance[i] + d * increment);
        }
    }

    /// <summary>Processes whole 512-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int UpdateVector512(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> variance)
    {
        AssertSameLengths(x, alpha, mean, variance);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float vRef = ref MemoryMarshal.GetReference(variance);
        var one = Vector512<float>.One;

        int i = 0;
        for (int last = x.Length - Vector512<float>.Count; i <= last; i += Vector512<float>.Count)
        {
            nuint o = (nuint)i;
            var a = Vector512.LoadUnsafe(ref aRef, o);
            var m = Vector512.LoadUnsafe(ref mRef, o);
            var d = Vector512.LoadUnsafe(ref xRef, o) - m;
            var increment = a * d;
            (m + increment).StoreUnsafe(ref mRef, o);
            ((one - a) * (Vector512.LoadUnsafe(ref vRef, o) + d * increment)).StoreUnsafe(ref vRef, o);
        }

        return i;
    }

    /// <summary>Processes whole 256-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int UpdateVector256(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> variance)
    {
        AssertSameLengths(x, alpha, mean, variance);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float vRef = ref MemoryMarshal.GetReference(variance);
        var one = Vector256<float>.One;

        int i = 0;
        for (int last = x.Length - Vector256<float>.Count; i <= last; i += Vector256<float>.Count)
        {
            nuint o = (nuint)i;
            var a = Vector256.LoadUnsafe(ref aRef, o);
            var m = Vector256.LoadUnsafe(ref mRef, o);
            var d = Vector256.LoadUnsafe(ref xRef, o) - m;
            var increment = a * d;
            (m + increment).StoreUnsafe(ref mRef, o);
            ((one - a) * (Vector256.LoadUnsafe(ref vRef, o) + d * increment)).StoreUnsafe(ref vRef, o);
        }

        return i;
    }

    /// <summary>Processes whole 128-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int UpdateVector128(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> variance)
    {
        AssertSameLengths(x, alpha, mean, variance);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float vRef = ref MemoryMarshal.GetReference(variance);
        var one = Vector128<float>.One;

        int i = 0;
        for (int last = x.Length - Vector128<float>.Count; i <= last; i += Vector128<float>.Count)
        {
            nuint o = (nuint)i;
            var a = Vector128.LoadUnsafe(ref aRef, o);
            var m = Vector128.LoadUnsafe(ref mRef, o);
            var d = Vector128.LoadUnsafe(ref xRef, o) - m;
            var increment = a * d;
            (m + increment).StoreUnsafe(ref mRef, o);
            ((one - a) * (Vector128.LoadUnsafe(ref vRef, o) + d * increment)).StoreUnsafe(ref vRef, o);
        }

        return i;
    }

    private static void ThrowIfLengthDiffers(int length, int expected, string paramName)
    {
        if (length != expected)
        {
            throw new ArgumentException($"Length {length} differs from the length of x, {expected}.", paramName);
        }
    }

    [Conditional("DEBUG")]
    private static void AssertSameLengths(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> variance) =>
        Debug.Assert(alpha.Length == x.Length && mean.Length == x.Length && variance.Length == x.Length, "Lengths are validated by the caller.");
}
