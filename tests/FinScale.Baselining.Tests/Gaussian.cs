namespace FinScale.Baselining.Tests;

/// <summary>Normal draws from a seeded <see cref="Random"/> (Box-Muller), so statistical tests are deterministic.</summary>
public static class Gaussian
{
    public static float Next(Random rng, float mean, float sigma)
    {
        double u1 = 1.0 - rng.NextDouble();   // (0, 1]: keeps the log finite
        double u2 = rng.NextDouble();
        double standard = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return (float)(mean + sigma * standard);
    }
}
