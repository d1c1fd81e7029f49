namespace FinScale.Detection;

/// <summary>Maps a robust z-score to an anomaly score in [0, 1].</summary>
public static class AnomalyScore
{
    /// <summary>
    /// <c>1 - 2^-(z/zScale)^2</c>: 0 at z = 0, exactly 0.5 at |z| = <paramref name="zScale"/>,
    /// 0.94 at twice it; monotone in |z| and bounded, so scores compare across series.
    /// </summary>
    public static double FromZ(double z, double zScale)
    {
        if (double.IsNaN(z))
            return 0;
        var r = z / zScale;
        return 1.0 - Math.Pow(2.0, -(r * r));
    }
}
