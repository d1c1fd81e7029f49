using MathNet.Numerics.Distributions;

namespace FinScale.Forecasting;

/// <summary>
/// An online forecaster for one series. Feed it observations in time order with <see cref="Observe"/>; ask for
/// <see cref="Forecast"/> at any point. It infers the sampling step, detects daily/weekly (or the data's own) periods, and
/// picks a model by the history it has: simple exponential smoothing with less than a day, seasonal-naive with one to two
/// days, Holt-Winters (double-seasonal when a weekly season is found) after that, re-detecting and re-fitting once per
/// <see cref="ForecasterOptions.RefitEvery"/>. Bad input (gaps, repeated or backwards timestamps, NaN, flat lines) is
/// reported in <see cref="Warnings"/> and never throws. Not thread-safe: one instance per series, one writer.
/// </summary>
public sealed class SeasonalForecaster
{
    private const int StepInferenceSamples = 25;
    private const int MaxWarnings = 200;
    private const double SesAlpha = 0.5;

    private readonly ForecasterOptions _options;
    private readonly CalendarEffects _calendar;
    private readonly ErrorTracker _errors;
    private readonly List<ForecastWarning> _warnings = [];
    private readonly Dictionary<ForecastWarningKind, long> _warningCounts = [];
    private readonly List<(long Ts, double Value)> _warmup = [];
    private readonly List<double> _history = [];
    private readonly double _z;

    private long _stepMs;
    private long _anchorMs;
    private long _historyStartSlot;
    private long _lastSlot = long.MinValue;
    private long _lastTimestamp = long.MinValue;
    private long _slotsSinceRefit;
    private int _maxHistorySlots;
    private int _daySlots;

    private HoltWintersModel? _hw;
    private double _sesLevel = double.NaN;
    private double _sesMae;
    private double _naiveMae;
    private long _scored;
    private ForecastModelKind _model = ForecastModelKind.Warmup;
    private string _reason = "waiting for enough observations to infer the sampling step";

    /// <summary>Creates a forecaster; <paramref name="options"/> null takes the defaults.</summary>
    public SeasonalForecaster(ForecasterOptions? options = null)
    {
        _options = options ?? new ForecasterOptions();
        _calendar = new CalendarEffects(_options.Calendar);
        _errors = new ErrorTracker(_options.TrackedHorizons, _options.IntervalCoverage);
        _z = Normal.InvCDF(0, 1, (1 + Math.Clamp(_options.IntervalCoverage, 0.01, 0.999)) / 2);
        if (_options.Step is { } step && step > TimeSpan.Zero)
            SetStep((long)step.TotalMilliseconds);
    }

    /// <summary>The sampling step, once known.</summary>
    public TimeSpan? Step => _stepMs > 0 ? TimeSpan.FromMilliseconds(_stepMs) : null;

    /// <summary>The model now in use.</summary>
    public ForecastModelKind Model => _model;

    /// <summary>The periods found at the last re-fit (none before two days of history).</summary>
    public PeriodDetection Periods { get; private set; } = PeriodDetection.None;

    /// <summary>The first warnings (at most 200 are kept; <see cref="WarningCounts"/> counts them all).</summary>
    public IReadOnlyList<ForecastWarning> Warnings => _warnings;

    /// <summary>How many warnings of each kind were raised.</summary>
    public IReadOnlyDictionary<ForecastWarningKind, long> WarningCounts => _warningCounts;

    /// <summary>Observations accepted (on distinct slots), not counting filled gaps.</summary>
    public long Observations { get; private set; }

    /// <summary>The model, its parameters and why it was chosen, in one line.</summary>
    public string Description => (_model switch
    {
        ForecastModelKind.HoltWinters or ForecastModelKind.DoubleSeasonalHoltWinters when _hw is not null =>
            FormattableString.Invariant($"{_reason}; α={_hw.Alpha} γ={_hw.Gamma} δ={_hw.Delta} φ={_hw.Phi:F2}; {_calendar.Describe()}"),
        _ => _reason,
    }) + _errors.RelativeAtOneStep switch
    {
        true => "; interval from errors relative to the forecast",
        false => "; interval from absolute errors",
        null => "; interval: too few errors yet (a wide default)",
    };

    /// <summary>Takes one observation. Out-of-order, repeated and non-finite values are reported and skipped.</summary>
    /// <param name="timestampMs">Unix milliseconds.</param>
    /// <param name="value">The observed value.</param>
    public void Observe(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            Warn(ForecastWarningKind.NonFiniteValue, timestampMs, $"value {value} ignored");
            return;
        }

        if (_stepMs == 0)
        {
            ObserveWarmup(timestampMs, value);
            return;
        }

        Ingest(timestampMs, value);
    }

    /// <summary>The forecast for the next <paramref name="horizonSteps"/> steps after the last observation.</summary>
    public Forecast Forecast(int horizonSteps)
    {
        horizonSteps = Math.Max(1, horizonSteps);
        var points = new ForecastPoint[horizonSteps];
        if (_stepMs == 0 || _lastSlot == long.MinValue)
        {
            // Warm-up: the mean of what was seen, the interval its range (or nothing at all, around zero).
            var values = _warmup.Select(w => w.Value).ToArray();
            var mean = values.Length == 0 ? 0 : values.Average();
            var lo = values.Length == 0 ? 0 : values.Min();
            var hi = values.Length == 0 ? 0 : values.Max();
            var step = _stepMs > 0 ? _stepMs : GuessStep();
            var last = _warmup.Count == 0 ? 0 : _warmup[^1].Ts;
            for (var h = 1; h <= horizonSteps; h++)
                points[h - 1] = new ForecastPoint(last + h * step, mean, lo, hi);
            return new Forecast(points, _model, Description);
        }

        Span<double> means = horizonSteps <= 256 ? stackalloc double[horizonSteps] : new double[horizonSteps];
        Means(means);
        for (var h = 1; h <= horizonSteps; h++)
        {
            var mean = means[h - 1];
            var (qLo, qHi, relative) = _errors.Quantiles(h) ?? (-_z * 0.5, _z * 0.5, true);
            var scale = relative ? _errors.Scale(mean) : 1;
            var lower = mean + qLo * scale;
            var upper = mean + qHi * scale;
            if (_options.NonNegative)
            {
                lower = Math.Max(0, lower);
                upper = Math.Max(0, upper);
            }

            points[h - 1] = new ForecastPoint(TimestampOf(_lastSlot + h), mean, Math.Min(lower, mean), Math.Max(upper, mean));
        }

        return new Forecast(points, _model, Description);
    }

    /// <summary>The forecast from the last observation through <paramref name="untilMs"/> (at least one step).</summary>
    public Forecast ForecastUntil(long untilMs)
    {
        if (_stepMs == 0 || _lastSlot == long.MinValue)
            return Forecast(1);
        var steps = (int)Math.Clamp((untilMs - TimestampOf(_lastSlot) + _stepMs - 1) / _stepMs, 1, 100_000);
        return Forecast(steps);
    }

    private long TimestampOf(long slot) => _anchorMs + slot * _stepMs;

    private long GuessStep() => InferStep(_warmup.Select(w => w.Ts).ToList());

    /// <summary>
    /// The sampling step of timestamps <paramref name="ts"/> (in order): the interval the most others fall within 15 % of
    /// (jitter), the smaller on a tie, refined by a least-squares fit of the timestamps on their step numbers, then put on
    /// a divisor of a day when one is within 2 %. Missed samples only lengthen some intervals, so they do not move it; the
    /// median of all intervals did (a 10-minute trace with gaps among its first samples read as 19 minutes, which fits no
    /// day: no daily season).
    /// </summary>
    internal static long InferStep(IReadOnlyList<long> ts)
    {
        var diffs = new List<long>();
        for (var i = 1; i < ts.Count; i++)
        {
            if (ts[i] > ts[i - 1])
                diffs.Add(ts[i] - ts[i - 1]);
        }

        if (diffs.Count == 0)
            return 60_000;
        diffs.Sort();
        long best = diffs[0];
        var bestCount = 0;
        foreach (var d in diffs)
        {
            var count = diffs.Count(x => Math.Abs(x - d) <= 0.15 * d);
            if (count > bestCount)
            {
                (best, bestCount) = (d, count);
            }
        }

        var near = diffs.Where(x => Math.Abs(x - best) <= 0.15 * best).ToList();
        var rough = near[near.Count / 2];

        // Refined over the whole span: each timestamp's step number (the last one's plus its interval in rough steps, so
        // an error in the rough step does not add up), then the least-squares slope of time on step number. A timestamp's
        // jitter is then spread over the span rather than over one interval.
        var k = new double[ts.Count];
        var t = new double[ts.Count];
        for (var i = 1; i < ts.Count; i++)
        {
            k[i] = k[i - 1] + Math.Max(ts[i] > ts[i - 1] ? 1 : 0, Math.Round((ts[i] - ts[i - 1]) / (double)rough));
            t[i] = ts[i] - ts[0];
        }

        var slope = k[^1] > 0 ? MathNet.Numerics.Fit.Line(k, t).B : 0;
        var step = slope > 0 ? (long)Math.Round(slope) : rough;
        return OnDayDivisor(step);
    }

    /// <summary><paramref name="stepMs"/>, or the divisor of a day (in ms) nearest to it when that is within 2 % of it.</summary>
    private static long OnDayDivisor(long stepMs)
    {
        const long Day = 86_400_000;
        if (stepMs <= 0 || stepMs > Day)
            return stepMs;
        long nearest = 0;
        for (long q = 1; q * q <= Day; q++)
        {
            if (Day % q != 0)
                continue;
            foreach (var divisor in (ReadOnlySpan<long>)[q, Day / q])
            {
                if (nearest == 0 || Math.Abs(divisor - stepMs) < Math.Abs(nearest - stepMs))
                    nearest = divisor;
            }
        }

        return Math.Abs(nearest - stepMs) <= 0.02 * stepMs ? nearest : stepMs;
    }

    private void ObserveWarmup(long timestampMs, double value)
    {
        if (_warmup.Count > 0)
        {
            if (timestampMs < _lastTimestamp)
            {
                Warn(ForecastWarningKind.BackwardsTimestamp, timestampMs, $"timestamp before {_lastTimestamp}; value ignored");
                return;
            }

            if (timestampMs == _lastTimestamp)
            {
                Warn(ForecastWarningKind.RepeatedTimestamp, timestampMs, "repeated timestamp; first value kept");
                return;
            }
        }

        _warmup.Add((timestampMs, value));
        _lastTimestamp = timestampMs;
        if (_warmup.Count < StepInferenceSamples)
            return;

        SetStep(GuessStep());
        foreach (var (ts, v) in _warmup)
            Ingest(ts, v);
        _warmup.Clear();
    }

    private void SetStep(long stepMs)
    {
        _stepMs = Math.Max(1, stepMs);
        var day = TimeSpan.FromDays(1).TotalMilliseconds / _stepMs;
        _daySlots = Math.Abs(day - Math.Round(day)) < 1e-9 && day >= 2 ? (int)Math.Round(day) : 0;
        _maxHistorySlots = (int)Math.Clamp(_options.MaxHistory.TotalMilliseconds / _stepMs, 64, 200_000);
        _model = ForecastModelKind.SimpleExponentialSmoothing;
        _reason = "fallback: simple exponential smoothing (less than one day of history)";
    }

    private void Ingest(long timestampMs, double value)
    {
        if (_lastSlot == long.MinValue)
        {
            _anchorMs = timestampMs;
            _historyStartSlot = 0;
        }

        var offset = timestampMs - _anchorMs;
        var slot = (long)Math.Round(offset / (double)_stepMs, MidpointRounding.AwayFromZero);
        if (Math.Abs(offset - slot * _stepMs) > _stepMs / 4)
            Warn(ForecastWarningKind.IrregularTimestamp, timestampMs, $"off the {TimeSpan.FromMilliseconds(_stepMs)} grid; rounded to the nearest step");

        if (_lastSlot != long.MinValue)
        {
            if (slot < _lastSlot)
            {
                Warn(ForecastWarningKind.BackwardsTimestamp, timestampMs, "timestamp before the last one seen; value ignored");
                return;
            }

            if (slot == _lastSlot)
            {
                Warn(ForecastWarningKind.RepeatedTimestamp, timestampMs, "a second value for the same step; the first was kept");
                return;
            }

            var missing = slot - _lastSlot - 1;
            if (missing > _maxHistorySlots)
            {
                Warn(ForecastWarningKind.Reset, timestampMs, $"gap of {TimeSpan.FromMilliseconds(missing * _stepMs)} is longer than the history kept; model restarted");
                Restart(slot);
            }
            else if (missing > 0)
            {
                Warn(ForecastWarningKind.Gap, timestampMs, $"{missing} missing step(s) ({TimeSpan.FromMilliseconds(missing * _stepMs)}) filled with the forecast");
                Span<double> fill = stackalloc double[1];
                for (var s = _lastSlot + 1; s < slot; s++)
                {
                    Means(fill);
                    Append(s, fill[0], imputed: true);
                }
            }
        }
        else
        {
            _historyStartSlot = slot;
        }

        Observations++;
        Append(slot, value, imputed: false);
    }

    private void Restart(long slot)
    {
        _history.Clear();
        _historyStartSlot = slot;
        _hw = null;
        _sesLevel = double.NaN;
        _scored = 0;
        _sesMae = _naiveMae = 0;
        _slotsSinceRefit = 0;
        _errors.ForgetPending();
        _model = ForecastModelKind.SimpleExponentialSmoothing;
        _reason = "fallback: simple exponential smoothing (restarted after a long gap)";
        _lastSlot = long.MinValue;
    }

    private void Append(long slot, double value, bool imputed)
    {
        var ts = TimestampOf(slot);
        if (!imputed)
        {
            _errors.Observe(slot, value);
            ScoreFallbacks(slot, value);
        }

        if (_hw is not null)
        {
            var factor = _calendar.Factor(ts);
            if (!imputed)
                _calendar.Learn(ts, value, Math.Max(0, _hw.Forecast(_lastSlot, (int)(slot - _lastSlot))) * factor, CalendarRate());
            _hw.Update(slot, value / _calendar.Factor(ts));
        }

        _sesLevel = double.IsNaN(_sesLevel) ? value : _sesLevel + SesAlpha * (value - _sesLevel);
        if (_lastSlot == long.MinValue)
            _historyStartSlot = slot;
        _history.Add(value);
        _lastSlot = slot;
        if (_history.Count > _maxHistorySlots + _maxHistorySlots / 4)
        {
            var drop = _history.Count - _maxHistorySlots;
            _history.RemoveRange(0, drop);
            _historyStartSlot += drop;
        }

        _slotsSinceRefit++;
        var refitSlots = Math.Max(16, (long)(_options.RefitEvery.TotalMilliseconds / _stepMs));
        if (_daySlots > 0 && _history.Count < 2 * _daySlots)
            refitSlots = Math.Min(refitSlots, Math.Max(16, _daySlots / 8)); // short history: switch models promptly
        if (_slotsSinceRefit >= refitSlots)
            Refit();

        Span<double> means = stackalloc double[_errors.Horizons];
        Means(means);
        _errors.Remember(slot, means);
    }

    private double CalendarRate() => _daySlots > 0 ? Math.Min(0.1, 3.0 / _daySlots) : 0.05;

    private void ScoreFallbacks(long slot, double value)
    {
        // Running one-step MAE of SES and seasonal-naive: with one to two days of history the better one is used.
        if (double.IsNaN(_sesLevel))
            return;
        var window = Math.Max(16, _daySlots);
        _scored++;
        var weight = 1.0 / Math.Min(_scored, window);
        _sesMae += (Math.Abs(value - _sesLevel) - _sesMae) * weight;
        var lagged = Lagged(slot, _daySlots);
        if (lagged is { } naive)
            _naiveMae += (Math.Abs(value - naive) - _naiveMae) * weight;
    }

    private double? Lagged(long slot, int lag)
    {
        if (lag <= 0)
            return null;
        var index = slot - lag - _historyStartSlot;
        return index >= 0 && index < _history.Count ? _history[(int)index] : null;
    }

    private void Means(Span<double> means)
    {
        for (var h = 1; h <= means.Length; h++)
        {
            var slot = _lastSlot + h;
            double mean = _model switch
            {
                ForecastModelKind.HoltWinters or ForecastModelKind.DoubleSeasonalHoltWinters when _hw is not null =>
                    _hw.Forecast(_lastSlot, h) * _calendar.Factor(TimestampOf(slot)),
                ForecastModelKind.SeasonalNaive => Lagged(slot, _daySlots) ?? _sesLevel,
                _ => _sesLevel,
            };
            if (!double.IsFinite(mean))
                mean = double.IsFinite(_sesLevel) ? _sesLevel : 0;
            means[h - 1] = _options.NonNegative ? Math.Max(0, mean) : mean;
        }
    }

    private void Refit()
    {
        _slotsSinceRefit = 0;
        var n = _history.Count;
        var ts = TimestampOf(_lastSlot);
        var values = _history.ToArray();
        Periods = PeriodDetector.Detect(values, TimeSpan.FromMilliseconds(_stepMs), _options.MinSeasonalStrength);
        var days = n / (double)Math.Max(1, _daySlots);

        if (Periods.IsFlat)
        {
            _hw = null;
            _model = ForecastModelKind.SimpleExponentialSmoothing;
            _reason = "simple exponential smoothing: the history is a flat line";
            Warn(ForecastWarningKind.FlatLine, ts, $"the last {n} values are a flat line at {values[^1]}; forecasting that line");
            return;
        }

        if (Periods.Periods.Count > 0 && n >= 2 * Periods.Periods[0].Slots)
        {
            var first = Periods.Periods[0];
            var second = Periods.Periods.Count > 1 ? Periods.Periods[1].Slots : 0;
            _calendar.WeekendEnabled = Periods.Periods.All(p => p.Name != "weekly");
            var adjusted = new double[n];
            for (var i = 0; i < n; i++)
                adjusted[i] = values[i] / _calendar.Factor(TimestampOf(_historyStartSlot + i));
            _hw = HoltWintersModel.Fit(adjusted, _historyStartSlot, first.Slots, second);
            _model = second > 0 ? ForecastModelKind.DoubleSeasonalHoltWinters : ForecastModelKind.HoltWinters;
            _reason = (second > 0 ? "double-seasonal Holt-Winters" : "Holt-Winters") + $" on {Periods}";
            return;
        }

        _hw = null;
        if (_daySlots > 0 && n >= _daySlots && n < 2 * _daySlots && _naiveMae > 0 && _naiveMae < _sesMae)
        {
            _model = ForecastModelKind.SeasonalNaive;
            _reason = FormattableString.Invariant($"fallback: seasonal-naive on the daily lag ({days:F1} days of history < 2 seasons)");
            Warn(ForecastWarningKind.ShortHistory, ts, _reason);
        }
        else if (n < 2 * Math.Max(_daySlots, 1))
        {
            _model = ForecastModelKind.SimpleExponentialSmoothing;
            _reason = FormattableString.Invariant($"fallback: simple exponential smoothing ({days:F1} days of history < 2 seasons)");
            Warn(ForecastWarningKind.ShortHistory, ts, _reason);
        }
        else
        {
            _model = ForecastModelKind.SimpleExponentialSmoothing;
            _reason = $"simple exponential smoothing: no seasonal period found ({Periods})";
        }
    }

    private void Warn(ForecastWarningKind kind, long timestampMs, string message)
    {
        _warningCounts[kind] = _warningCounts.GetValueOrDefault(kind) + 1;
        if (_warnings.Count < MaxWarnings)
            _warnings.Add(new ForecastWarning(kind, timestampMs, message));
    }
}
