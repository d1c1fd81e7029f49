namespace FinScale.Baselining.Tests;

/// <summary>A batch of series with deliberately mixed regimes: zeros, flat, tiny, ordinary, huge and negative, and outliers.</summary>
public sealed class SeriesBatch
{
    private readonly float[] _center;
    private readonly float[] _spread;
    private readonly int[] _regime;

    private SeriesBatch(int length)
    {
        _center = new float[length];
        _spread = new float[length];
        _regime = new int[length];
        Alpha = new float[length];
        Mean = new float[length];
        Scale = new float[length];
    }

    public float[] Alpha { get; }

    public float[] Mean { get; }

    public float[] Scale { get; }

    public int Length => Alpha.Length;

    public static SeriesBatch Create(Random rng, int length)
    {
        var batch = new SeriesBatch(length);
        for (int i = 0; i < length; i++)
        {
            int regime = rng.Next(6);
            (float center, float spread) = regime switch
            {
                0 => (0f, 0f),                                                  // all zeros
                1 => (Signed(rng) * 50f, 0f),                                   // flat: x always equals the mean, scale 0
                2 => (Signed(rng) * 1e-3f, 1e-4f),                              // tiny values, near the absolute floor
                3 => (Signed(rng) * 100f, 0.1f + 10f * rng.NextSingle()),       // ordinary
                4 => (Signed(rng) * 3e6f, 1e3f),                                // huge, near the relative floor
                _ => (Signed(rng) * 20f, 1f),                                   // outliers drawn below
            };
            batch._regime[i] = regime;
            batch._center[i] = center;
            batch._spread[i] = spread;
            batch.Mean[i] = center;
            batch.Scale[i] = spread;
            // Mostly random smoothing factors, with the edges 0 (frozen) and 1 (memoryless) mixed in.
            batch.Alpha[i] = rng.Next(10) switch
            {
                0 => 0f,
                1 => 1f,
                _ => 0.001f + 0.999f * rng.NextSingle(),
            };
        }

        return batch;
    }

    public float[] NextPoints(Random rng)
    {
        var x = new float[Length];
        for (int i = 0; i < x.Length; i++)
        {
            float noise = _regime[i] == 5 && rng.Next(3) == 0
                ? Signed(rng) * 1000f                                           // a large outlier
                : Signed(rng);
            x[i] = _center[i] + _spread[i] * noise;
        }

        return x;
    }

    private static float Signed(Random rng) => 2f * rng.NextSingle() - 1f;
}
