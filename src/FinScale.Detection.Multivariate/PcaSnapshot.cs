namespace FinScale.Detection.Multivariate;

/// <summary>
/// One trained model of one group, frozen: the scaler fitted with it, ML.NET's principal directions and training mean
/// (in standardised units), and the calibration of its errors on the vectors it was trained on.
/// </summary>
internal sealed class PcaSnapshot
{
    private readonly double[][] _directions;
    private readonly double[] _mean;

    public PcaSnapshot(RobustScaler scaler, double[][] directions, double[] mean, long trainedThroughMs, long version)
    {
        Scaler = scaler;
        _directions = directions;
        _mean = mean;
        TrainedThroughMs = trainedThroughMs;
        Version = version;
        Calibration = null!; // set by Calibrate before the snapshot is used
    }

    public RobustScaler Scaler { get; }

    /// <summary>Event time of the newest vector the model was trained on.</summary>
    public long TrainedThroughMs { get; }

    /// <summary>1 for a group's first model, counting up.</summary>
    public long Version { get; }

    /// <summary>Where the training vectors' own errors fall, to turn a new vector's error into a tail probability.</summary>
    public TailCalibration Calibration { get; private set; }

    public int Dimension => _mean.Length;

    /// <summary>Calibrates on the errors of the <paramref name="count"/> standardised training rows (row-major).</summary>
    public void Calibrate(ReadOnlySpan<double> standardisedRows, int count)
    {
        var d = _mean.Length;
        var errors = new double[count];
        Span<double> residual = stackalloc double[d];
        for (var i = 0; i < count; i++)
            errors[i] = Residual(standardisedRows.Slice(i * d, d), residual, out _);
        Calibration = TailCalibration.Fit(errors);
    }

    /// <summary>
    /// Standardises <paramref name="x"/> into <paramref name="z"/>, writes the reconstruction residual per feature into
    /// <paramref name="residual"/> (the part of z − mean outside the principal subspace), and returns its norm.
    /// <paramref name="normalized"/> receives ML.NET's own score for the vector: that norm over the distance from the mean.
    /// </summary>
    public double Evaluate(ReadOnlySpan<double> x, Span<double> z, Span<double> residual, out double normalized)
    {
        Scaler.Standardise(x, z);
        return Residual(z, residual, out normalized);
    }

    /// <summary>As <see cref="Evaluate"/> for a vector already standardised.</summary>
    public double Residual(ReadOnlySpan<double> z, Span<double> residual, out double normalized)
    {
        var d = _mean.Length;
        double centred2 = 0;
        for (var j = 0; j < d; j++)
        {
            residual[j] = z[j] - _mean[j];
            centred2 += residual[j] * residual[j];
        }

        foreach (var u in _directions)
        {
            double dot = 0;
            for (var j = 0; j < d; j++)
                dot += u[j] * (z[j] - _mean[j]);
            for (var j = 0; j < d; j++)
                residual[j] -= dot * u[j];
        }

        double error2 = 0;
        for (var j = 0; j < d; j++)
            error2 += residual[j] * residual[j];
        var error = Math.Sqrt(error2);
        normalized = centred2 > 0 ? Math.Min(1.0, Math.Sqrt(error2 / centred2)) : 0;
        return error;
    }
}
