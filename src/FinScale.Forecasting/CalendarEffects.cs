namespace FinScale.Forecasting;

/// <summary>
/// Multiplicative calendar factors (weekend, month-end, event day) learned online from the ratio of what was observed to
/// what the seasonal model expected on those days. With a weekly season in the model the weekend factor stays at 1:
/// the weekly season already holds it.
/// </summary>
internal sealed class CalendarEffects
{
    [Flags]
    private enum DayClass
    {
        None = 0,
        Weekend = 1,
        MonthEnd = 2,
        Event = 4,
    }

    private readonly CalendarOptions _options;
    private readonly HashSet<DateOnly> _events;
    private double _weekend = 1;
    private double _monthEnd = 1;
    private double _event;
    private DateOnly _cachedDay;
    private DayClass _cachedClass;
    private bool _hasCache;

    public CalendarEffects(CalendarOptions options)
    {
        _options = options;
        _events = [.. options.EventDays];
        _event = options.EventDayPriorFactor > 0 ? options.EventDayPriorFactor : 1;
    }

    /// <summary>Whether the weekend factor is learned (off when the model has a weekly season).</summary>
    public bool WeekendEnabled { get; set; } = true;

    /// <summary>The factor that multiplies the seasonal forecast at <paramref name="timestampMs"/>.</summary>
    public double Factor(long timestampMs)
    {
        if (!_options.Enabled)
            return 1;
        var c = Classify(timestampMs);
        var f = 1.0;
        if (WeekendEnabled && (c & DayClass.Weekend) != 0)
            f *= _weekend;
        if ((c & DayClass.MonthEnd) != 0)
            f *= _monthEnd;
        if ((c & DayClass.Event) != 0)
            f *= _event;
        return f;
    }

    /// <summary>Moves the factors of the day of <paramref name="timestampMs"/> towards observed / expected, by <paramref name="rate"/>.</summary>
    public void Learn(long timestampMs, double observed, double expected, double rate)
    {
        if (!_options.Enabled || expected <= 0 || observed < 0 || !double.IsFinite(observed))
            return;
        var c = Classify(timestampMs);
        if (c == DayClass.None)
            return;
        var ratio = Math.Clamp(observed / expected, 0.2, 5);
        var step = Math.Pow(ratio, rate);
        if (WeekendEnabled && (c & DayClass.Weekend) != 0)
            _weekend = Math.Clamp(_weekend * step, 0.05, 20);
        if ((c & DayClass.MonthEnd) != 0)
            _monthEnd = Math.Clamp(_monthEnd * step, 0.05, 20);
        if ((c & DayClass.Event) != 0)
            _event = Math.Clamp(_event * step, 0.05, 20);
    }

    /// <summary>The learned factors, for the model description.</summary>
    public string Describe() =>
        !_options.Enabled ? "calendar off" :
        FormattableString.Invariant($"calendar: weekend ×{(WeekendEnabled ? _weekend : 1):F2}{(WeekendEnabled ? "" : " (in weekly season)")}, month-end ×{_monthEnd:F2}, event days ×{_event:F2} ({_events.Count} configured)");

    private DayClass Classify(long timestampMs)
    {
        var local = DateTimeOffset.FromUnixTimeMilliseconds(timestampMs).ToOffset(_options.UtcOffset);
        var day = DateOnly.FromDateTime(local.DateTime);
        if (_hasCache && day == _cachedDay)
            return _cachedClass;
        var c = DayClass.None;
        if (!IsBusinessDay(day))
            c |= DayClass.Weekend;
        else if (IsMonthEnd(day))
            c |= DayClass.MonthEnd;
        if (_events.Contains(day))
            c |= DayClass.Event;
        _cachedDay = day;
        _cachedClass = c;
        _hasCache = true;
        return c;
    }

    private static bool IsBusinessDay(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    private bool IsMonthEnd(DateOnly day)
    {
        // Among the last MonthEndBusinessDays business days of the month?
        var remaining = 0;
        for (var d = day.AddDays(1); d.Month == day.Month; d = d.AddDays(1))
        {
            if (IsBusinessDay(d))
                remaining++;
        }

        return remaining < _options.MonthEndBusinessDays;
    }
}
