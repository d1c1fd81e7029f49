using System.Runtime.Intrinsics;

namespace FinScale.Baselining.Tests;

/// <summary>The kernel paths this machine can run natively, and the tolerance every path must hold against the scalar reference.</summary>
public static class KernelPaths
{
    public const string Dispatch = "Dispatch";
    public const string Vector512Path = "Vector512";
    public const string Vector256Path = "Vector256";
    public const string Vector128Path = "Vector128";

    /// <summary>Longest batch the width comparisons cover; past a few vectors plus a tail nothing new is exercised.</summary>
    public const int MaxLength = 300;

    // Only hardware-accelerated widths are listed, so a run with DOTNET_EnableHWIntrinsic=0 reports fewer cases
    // rather than silently comparing software-emulated vectors; the dispatching entry point is always compared.
    public static TheoryData<string> Available()
    {
        var paths = new TheoryData<string> { Dispatch };
        if (Vector512.IsHardwareAccelerated)
        {
            paths.Add(Vector512Path);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            paths.Add(Vector256Path);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            paths.Add(Vector128Path);
        }

        return paths;
    }

    public static int Width(string path) => path switch
    {
        Vector512Path => Vector512<float>.Count,
        Vector256Path => Vector256<float>.Count,
        Vector128Path => Vector128<float>.Count,
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, "Not a fixed-width path."),
    };

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, int length, int step)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i];
            float a = actual[i];
            float tolerance = 1e-5f * MathF.Max(1f, MathF.Max(MathF.Abs(e), MathF.Abs(a)));
            if (!(MathF.Abs(e - a) <= tolerance))
            {
                Assert.Fail($"{what}[{i}] at length {length}, step {step}: expected {e:R}, got {a:R}.");
            }
        }
    }
}
