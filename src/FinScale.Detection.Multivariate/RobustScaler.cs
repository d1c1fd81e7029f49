namespace FinScale.Detection.Multivariate;

/// <summary>
/// Per-feature location and scale of a training set: the median, and 1.4826 × the median absolute deviation (the
/// normal-consistent MAD), or 1.2533 × the mean absolute deviation when that is larger (a feature that is mostly one value
/// with occasional moves has a MAD of 0), never below a floor. Fitted with each model and frozen with it, so training and
/// scoring standardise alike.
/// </summary>
internal sealed class RobustScaler
{
    private const double MadConsistency = 1.4826;
    private const double MeanAbsConsistency = 1.2533;

    private RobustScaler(double[] median, double[] scale)
    {
        Median = median;
        Scale = scale;
    }

    /// <summary>Per-feature median of the training set.</summary>
    public double[] Median { get; }

    /// <summary>Per-feature robust scale of the training set.</summary>
    public double[] Scale { get; }

    /// <summary>Fits the scaler to <paramref name="count"/> row-major rows of <paramref name="dimension"/> values.</summary>
    public static RobustScaler Fit(ReadOnlySpan<double> rows, int count, int dimension, double minScale)
    {
        var median = new double[dimension];
        var scale = new double[dimension];
        var column = new double[count];
        for (var j = 0; j < dimension; j++)
        {
            for (var i = 0; i < count; i++)
                column[i] = rows[(i * dimension) + j];
            Array.Sort(column);
            var med = MedianOf(column);
            double meanAbs = 0;
            for (var i = 0; i < count; i++)
            {
                column[i] = Math.Abs(column[i] - med);
                meanAbs += column[i];
            }

            meanAbs /= count;
            Array.Sort(column);
            median[j] = med;
            scale[j] = Math.Max(Math.Max(MadConsistency * MedianOf(column), MeanAbsConsistency * meanAbs), Math.Max(minScale, double.Epsilon));
        }

        return new RobustScaler(median, scale);
    }

    /// <summary>Writes the standardised <paramref name="x"/> into <paramref name="z"/>.</summary>
    public void Standardise(ReadOnlySpan<double> x, Span<double> z)
    {
        for (var j = 0; j < x.Length; j++)
            z[j] = (x[j] - Median[j]) / Scale[j];
    }

    private static double MedianOf(double[] sorted)
    {
        var n = sorted.Length;
        return (n & 1) == 1 ? sorted[n / 2] : 0.5 * (sorted[(n / 2) - 1] + sorted[n / 2]);
    }
}
