namespace FinScale.Forecasting;

/// <summary>
/// Additive Holt-Winters without trend, with one or two seasons (Taylor's double-seasonal form) and an AR(1) correction
/// of the one-step error, which is what makes short-horizon forecasts beat seasonal-naive. No trend term: over a lead
/// time of minutes the level carries it, and a trend extrapolated over a season does more harm than good on load.
/// </summary>
internal sealed class HoltWintersModel
{
    private static readonly double[] Alphas = [0.05, 0.2, 0.5];
    private static readonly double[] Gammas = [0.05, 0.2, 0.4];
    private static readonly double[] Deltas = [0.05, 0.2];

    private const double HuberK = 4;

    private readonly double[] _season1;
    private long _updates;
    private double _mae;
    private readonly double[] _season2;
    private double _level;
    private double _lastResidual;

    private HoltWintersModel(int m1, int m2)
    {
        M1 = m1;
        M2 = m2;
        _season1 = new double[m1];
        _season2 = new double[Math.Max(m2, 0)];
    }

    /// <summary>Length of the first (shorter) season in steps.</summary>
    public int M1 { get; }

    /// <summary>Length of the second season in steps; 0 when single-seasonal.</summary>
    public int M2 { get; }

    /// <summary>Level smoothing.</summary>
    public double Alpha { get; private set; }

    /// <summary>First-season smoothing.</summary>
    public double Gamma { get; private set; }

    /// <summary>Second-season smoothing.</summary>
    public double Delta { get; private set; }

    /// <summary>AR(1) coefficient of the one-step error.</summary>
    public double Phi { get; private set; }

    /// <summary>Fits the smoothing parameters by a small grid (minimum one-step absolute error) on <paramref name="y"/>,
    /// whose first value is at slot <paramref name="firstSlot"/>, and returns the model in its state after the last value.</summary>
    public static HoltWintersModel Fit(ReadOnlySpan<double> y, long firstSlot, int m1, int m2)
    {
        var n = y.Length;
        var residuals = new double[n];
        var skip = Math.Min(n / 2, m2 > 0 ? m2 : m1);
        HoltWintersModel? best = null;
        var bestCost = double.PositiveInfinity;
        foreach (var alpha in Alphas)
        foreach (var gamma in Gammas)
        foreach (var delta in m2 > 0 ? Deltas : [0.0])
        {
            var model = Initialise(y, firstSlot, m1, m2);
            model.Alpha = alpha;
            model.Gamma = gamma;
            model.Delta = delta;
            for (var i = 0; i < n; i++)
                residuals[i] = model.Update(firstSlot + i, y[i]);

            // phi by least squares on the residuals; it does not feed back into the state, so it can be fitted after.
            double num = 0, den = 0;
            for (var i = skip + 1; i < n; i++)
            {
                num += residuals[i] * residuals[i - 1];
                den += residuals[i - 1] * residuals[i - 1];
            }

            var phi = den > 0 ? Math.Clamp(num / den, 0, 0.95) : 0;
            double cost = 0;
            for (var i = skip + 1; i < n; i++)
                cost += Math.Abs(residuals[i] - phi * residuals[i - 1]);
            if (cost < bestCost || best is null)
            {
                bestCost = cost;
                model.Phi = phi;
                best = model;
            }
        }

        return best!;
    }

    private static HoltWintersModel Initialise(ReadOnlySpan<double> y, long firstSlot, int m1, int m2)
    {
        var model = new HoltWintersModel(m1, m2);
        var n = y.Length;
        var cycles = Math.Max(1, Math.Min(n / m1, 4));
        double firstMean = 0;
        for (var k = 0; k < cycles; k++)
        {
            var len = Math.Min(m1, n - k * m1);
            if (len <= 0)
                break;
            double mean = 0;
            for (var j = 0; j < len; j++)
                mean += y[k * m1 + j];
            mean /= len;
            if (k == 0)
                firstMean = mean;
            for (var j = 0; j < len; j++)
                model._season1[Phase(firstSlot + k * m1 + j, m1)] += (y[k * m1 + j] - mean) / cycles;
        }

        model._level = firstMean;
        if (m2 > 0 && n >= m2)
        {
            var weeks = Math.Min(n / m2, 2);
            double mu = 0;
            for (var i = 0; i < weeks * m2; i++)
                mu += y[i];
            mu /= weeks * m2;
            for (var w = 0; w < weeks; w++)
            for (var j = 0; j < m2; j++)
            {
                var slot = firstSlot + w * m2 + j;
                model._season2[Phase(slot, m2)] += (y[w * m2 + j] - mu - model._season1[Phase(slot, m1)]) / weeks;
            }

            var centre = model._season2.Average();
            for (var j = 0; j < m2; j++)
                model._season2[j] -= centre;
            model._level = mu;
        }

        return model;
    }

    private static int Phase(long slot, int m) => (int)(((slot % m) + m) % m);

    /// <summary>The seasonal forecast of a slot without the error correction.</summary>
    public double Base(long slot) => _level + _season1[Phase(slot, M1)] + (M2 > 0 ? _season2[Phase(slot, M2)] : 0);

    /// <summary>The forecast <paramref name="h"/> steps after <paramref name="lastSlot"/>, the last slot seen.</summary>
    public double Forecast(long lastSlot, int h) => Base(lastSlot + h) + Math.Pow(Phi, h) * _lastResidual;

    /// <summary>Takes the value of <paramref name="slot"/> (the slot after the last one seen) and returns its base error.</summary>
    public double Update(long slot, double y)
    {
        var i1 = Phase(slot, M1);
        var s1 = _season1[i1];
        var s2 = M2 > 0 ? _season2[Phase(slot, M2)] : 0;
        var residual = y - (_level + s1 + s2);
        // Robust Holt-Winters (Gelper, Fried and Croux): the state learns from the residual clipped at a few mean absolute
        // errors, so one burst does not bend the level and a season slot for days; the AR(1) term still sees the raw
        // residual, which carries a burst that persists into the next steps.
        var clipped = _updates > 20 && _mae > 0 ? Math.Clamp(residual, -HuberK * _mae, HuberK * _mae) : residual;
        _updates++;
        _mae += (Math.Abs(clipped) - _mae) / Math.Min(_updates, 200);
        var yc = _level + s1 + s2 + clipped;
        var level = _level + Alpha * clipped;
        _season1[i1] = s1 + Gamma * (yc - level - s2 - s1);
        if (M2 > 0)
            _season2[Phase(slot, M2)] = s2 + Delta * (yc - level - s1 - s2);
        _level = level;
        _lastResidual = residual;
        return residual;
    }
}
