using FinScale.Remediation.Policy;

namespace FinScale.Remediation.Planning;

/// <summary>Whether a change-freeze window is open at an instant.</summary>
public static class FreezeWindows
{
    /// <summary>
    /// The first window of <paramref name="windows"/> open at <paramref name="now"/> that freezes <paramref name="action"/>
    /// (every window freezes every action unless it lists the action in <see cref="FreezeWindow.AllowedActions"/>), or null.
    /// </summary>
    public static FreezeWindow? OpenAt(IEnumerable<FreezeWindow> windows, DateTimeOffset now, Contracts.ActionKind? action = null)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return windows.FirstOrDefault(w => (action is not { } a || !w.AllowedActions.Contains(a)) && IsOpen(w, now));
    }

    /// <summary>True when <paramref name="window"/> is open at <paramref name="now"/>.</summary>
    public static bool IsOpen(FreezeWindow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Start is { } start && window.End is { } end)
            return now >= start && now < end;
        if (window.From is not { } from || window.To is not { } to)
            return false;

        var local = TimeZoneInfo.ConvertTime(now, Zone(window.TimeZone));
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        if (from <= to)
            return time >= from && time < to && DayMatches(window, DateOnly.FromDateTime(local.DateTime));

        // Spans midnight: the evening part belongs to today, the early-morning part to yesterday's window.
        if (time >= from)
            return DayMatches(window, DateOnly.FromDateTime(local.DateTime));
        return time < to && DayMatches(window, DateOnly.FromDateTime(local.DateTime).AddDays(-1));
    }

    private static bool DayMatches(FreezeWindow w, DateOnly day)
    {
        if (w.Days.Count == 0 && w.DaysOfMonth.Count == 0)
            return true;
        if (w.Days.Contains(day.DayOfWeek))
            return true;
        var last = DateTime.DaysInMonth(day.Year, day.Month);
        foreach (var d in w.DaysOfMonth)
        {
            // 0 is the last day of the month, -1 the day before, and so on; positive days are calendar days.
            var actual = d > 0 ? d : last + d;
            if (actual == day.Day)
                return true;
        }

        return false;
    }

    private static TimeZoneInfo Zone(string id) =>
        string.IsNullOrEmpty(id) || id.Equals("UTC", StringComparison.OrdinalIgnoreCase) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(id);
}
