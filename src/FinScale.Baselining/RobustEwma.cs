using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FinScale.Baselining;

/// <summary>Robust online baseline for many series at once: a Huber-clipped EWMA mean and an EWMA of the clipped absolute deviation.</summary>
/// <remarks>
/// Every path performs the same float operations in the same order, without fused multiply-add, so the vector paths
/// and the scalar reference agree to the last bit. <c>mean</c>, <c>scale</c> and <c>z</c> must not overlap one another.
/// </remarks>
public static class RobustEwma
{
    /// <summary>sqrt(pi/2): turns the mean absolute deviation of normal data into its standard deviation.</summary>
    public const float NormalConsistency = 1.2533141f;

    // Floor on the scale: the absolute part keeps a flat series from dividing by zero, the relative part keeps a
    // series with huge values from reporting z-scores made of float rounding noise.
    private const float AbsoluteFloor = 1e-6f;
    private const float RelativeFloor = 1e-4f;

    /// <summary>Scores then updates a robust online baseline for n series at once (element i is one series).</summary>
    public static void ScoreAndUpdate(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> z, float clip)
    {
        int n = x.Length;
        ThrowIfLengthDiffers(alpha.Length, n, nameof(alpha));
        ThrowIfLengthDiffers(mean.Length, n, nameof(mean));
        ThrowIfLengthDiffers(scale.Length, n, nameof(scale));
        ThrowIfLengthDiffers(z.Length, n, nameof(z));
        // A negative or NaN clip would make the clamp bounds cross and poison every mean.
        if (float.IsNaN(clip) || clip < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(clip), clip, "Clip must be a non-negative number of scales.");
        }

        int done = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            done = ScoreAndUpdateVector512(x, alpha, mean, scale, z, clip);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            done = ScoreAndUpdateVector256(x, alpha, mean, scale, z, clip);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            done = ScoreAndUpdateVector128(x, alpha, mean, scale, z, clip);
        }

        // The tail stays scalar: the state is updated in place, so an overlapping last vector would update twice.
        ScoreAndUpdateScalar(x[done..], alpha[done..], mean[done..], scale[done..], z[done..], clip);
    }

    /// <summary>The readable reference: scores and updates every element one at a time.</summary>
    internal static void ScoreAndUpdateScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> z, float clip)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float m = mean[i];
            float sc = scale[i];
            float s = MathF.Max(sc, Epsilon(m));

            // Score first, from the state before x[i], so a point never explains itself away.
            float d = x[i] - m;
            z[i] = d / s;

            // Huber clip: an outlier moves the baseline by at most clip scales, however far out it is.
            float limit = clip * s;
            float r = MathF.Min(MathF.Max(d, -limit), limit);
            mean[i] = m + alpha[i] * r;
            scale[i] = sc + alpha[i] * (MathF.Abs(r) * NormalConsistency - sc);
        }
    }

    /// <summary>Processes whole 512-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int ScoreAndUpdateVector512(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> z, float clip)
    {
        AssertSameLengths(x, alpha, mean, scale, z);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float sRef = ref MemoryMarshal.GetReference(scale);
        ref float zRef = ref MemoryMarshal.GetReference(z);
        var absoluteFloor = Vector512.Create(AbsoluteFloor);
        var relativeFloor = Vector512.Create(RelativeFloor);
        var consistency = Vector512.Create(NormalConsistency);
        var clipV = Vector512.Create(clip);

        int i = 0;
        for (int last = x.Length - Vector512<float>.Count; i <= last; i += Vector512<float>.Count)
        {
            nuint o = (nuint)i;
            var m = Vector512.LoadUnsafe(ref mRef, o);
            var sc = Vector512.LoadUnsafe(ref sRef, o);
            var a = Vector512.LoadUnsafe(ref aRef, o);
            var s = Vector512.Max(sc, absoluteFloor + relativeFloor * Vector512.Abs(m));
            var d = Vector512.LoadUnsafe(ref xRef, o) - m;
            (d / s).StoreUnsafe(ref zRef, o);
            var limit = clipV * s;
            var r = Vector512.Min(Vector512.Max(d, -limit), limit);
            (m + a * r).StoreUnsafe(ref mRef, o);
            (sc + a * (Vector512.Abs(r) * consistency - sc)).StoreUnsafe(ref sRef, o);
        }

        return i;
    }

    /// <summary>Processes whole 256-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int ScoreAndUpdateVector256(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> z, float clip)
    {
        AssertSameLengths(x, alpha, mean, scale, z);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float sRef = ref MemoryMarshal.GetReference(scale);
        ref float zRef = ref MemoryMarshal.GetReference(z);
        var absoluteFloor = Vector256.Create(AbsoluteFloor);
        var relativeFloor = Vector256.Create(RelativeFloor);
        var consistency = Vector256.Create(NormalConsistency);
        var clipV = Vector256.Create(clip);

        int i = 0;
        for (int last = x.Length - Vector256<float>.Count; i <= last; i += Vector256<float>.Count)
        {
            nuint o = (nuint)i;
            var m = Vector256.LoadUnsafe(ref mRef, o);
            var sc = Vector256.LoadUnsafe(ref sRef, o);
            var a = Vector256.LoadUnsafe(ref aRef, o);
            var s = Vector256.Max(sc, absoluteFloor + relativeFloor * Vector256.Abs(m));
            var d = Vector256.LoadUnsafe(ref xRef, o) - m;
            (d / s).StoreUnsafe(ref zRef, o);
            var limit = clipV * s;
            var r = Vector256.Min(Vector256.Max(d, -limit), limit);
            (m + a * r).StoreUnsafe(ref mRef, o);
            (sc + a * (Vector256.Abs(r) * consistency - sc)).StoreUnsafe(ref sRef, o);
        }

        return i;
    }

    /// <summary>Processes whole 128-bit vectors from the start and returns how many elements it handled.</summary>
    internal static int ScoreAndUpdateVector128(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> z, float clip)
    {
        AssertSameLengths(x, alpha, mean, scale, z);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float aRef = ref MemoryMarshal.GetReference(alpha);
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float sRef = ref MemoryMarshal.GetReference(scale);
        ref float zRef = ref MemoryMarshal.GetReference(z);
        var absoluteFloor = Vector128.Create(AbsoluteFloor);
        var relativeFloor = Vector128.Create(RelativeFloor);
        var consistency = Vector128.Create(NormalConsistency);
        var clipV = Vector128.Create(clip);

        int i = 0;
        for (int last = x.Length - Vector128<float>.Count; i <= last; i += Vector128<float>.Count)
        {
            nuint o = (nuint)i;
            var m = Vector128.LoadUnsafe(ref mRef, o);
            var sc = Vector128.LoadUnsafe(ref sRef, o);
            var a = Vector128.LoadUnsafe(ref aRef, o);
            var s = Vector128.Max(sc, absoluteFloor + relativeFloor * Vector128.Abs(m));
            var d = Vector128.LoadUnsafe(ref xRef, o) - m;
            (d / s).StoreUnsafe(ref zRef, o);
            var limit = clipV * s;
            var r = Vector128.Min(Vector128.Max(d, -limit), limit);
            (m + a * r).StoreUnsafe(ref mRef, o);
            (sc + a * (Vector128.Abs(r) * consistency - sc)).StoreUnsafe(ref sRef, o);
        }

        return i;
    }

    private static float Epsilon(float mean) => AbsoluteFloor + RelativeFloor * MathF.Abs(mean);

    private static void ThrowIfLengthDiffers(int length, int expected, string paramName)
    {
        if (length != expected)
        {
            throw new ArgumentException($"Length {length} differs from the length of x, {expected}.", paramName);
        }
    }

    [Conditional("DEBUG")]
    private static void AssertSameLengths(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> mean, Span<float> scale, Span<float> z) =>
        Debug.Assert(alpha.Length == x.Length && mean.Length == x.Length && scale.Length == x.Length && z.Length == x.Length, "Lengths are validated by the caller.");
}
