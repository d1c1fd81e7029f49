using FinScale.Remediation.Planning;
using FinScale.Remediation.Policy;

namespace FinScale.Remediation.Tests.Planning;

public class FreezeWindowsTests
{
    private static FreezeWindow Recurring(TimeOnly from, TimeOnly to, DayOfWeek[]? days = null, int[]? daysOfMonth = null, string zone = "UTC") =>
        new("w", null, null, days ?? [], daysOfMonth ?? [], from, to, zone);

    [Fact]
    public void IsOpen_OneOffWindow_IncludesStartExcludesEnd()
    {
        var start = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        var w = new FreezeWindow("black-friday", start, start.AddDays(3), [], [], null, null, "UTC");
        Assert.True(FreezeWindows.IsOpen(w, start));
        Assert.True(FreezeWindows.IsOpen(w, start.AddDays(3).AddTicks(-1)));
        Assert.False(FreezeWindows.IsOpen(w, start.AddDays(3)));
        Assert.False(FreezeWindows.IsOpen(w, start.AddTicks(-1)));
    }

    [Fact]
    public void OpenAt_WindowAllowingScale_FreezesEverythingElse()
    {
        var w = Recurring(new TimeOnly(17, 0), new TimeOnly(0, 0), daysOfMonth: [0, -1]) with { AllowedActions = [Contracts.ActionKind.Scale] };
        var monthEnd = new DateTimeOffset(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);

        Assert.Null(FreezeWindows.OpenAt([w], monthEnd, Contracts.ActionKind.Scale));
        Assert.Same(w, FreezeWindows.OpenAt([w], monthEnd, Contracts.ActionKind.RestartPod));
        Assert.Same(w, FreezeWindows.OpenAt([w], monthEnd));
    }

    [Fact]
    public void Load_ShippedPolicy_LetsPreScalingThroughTheMonthEndFreeze()
    {
        var w = Assert.Single(PolicyLoader.Default.Guards.FreezeWindows, w => w.Name == "month-end-close");
        Assert.Equal([Contracts.ActionKind.Scale], w.AllowedActions);
    }

    [Fact]
    public void IsOpen_LastDayOfMonth_CountsFromTheEnd()
    {
        var w = Recurring(new TimeOnly(18, 0), new TimeOnly(23, 0), daysOfMonth: [0]);
        Assert.True(FreezeWindows.IsOpen(w, new DateTimeOffset(2026, 2, 28, 19, 0, 0, TimeSpan.Zero)));
        Assert.False(FreezeWindows.IsOpen(w, new DateTimeOffset(2026, 2, 27, 19, 0, 0, TimeSpan.Zero)));
        Assert.True(FreezeWindows.IsOpen(w, new DateTimeOffset(2026, 1, 31, 19, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void IsOpen_WindowOverMidnight_BelongsToTheDayItStarts()
    {
        var w = Recurring(new TimeOnly(22, 0), new TimeOnly(2, 0), days: [DayOfWeek.Friday]);
        Assert.True(FreezeWindows.IsOpen(w, new DateTimeOffset(2026, 11, 27, 23, 0, 0, TimeSpan.Zero))); // Friday night
        Assert.True(FreezeWindows.IsOpen(w, new DateTimeOffset(2026, 11, 28, 1, 0, 0, TimeSpan.Zero))); // Saturday small hours
        Assert.False(FreezeWindows.IsOpen(w, new DateTimeOffset(2026, 11, 29, 1, 0, 0, TimeSpan.Zero))); // Sunday small hours
    }

    [Fact]
    public void IsOpen_TimeZone_IsLocalTime()
    {
        // 09:30 in New York is 14:30 UTC in November (EST, UTC-5).
        var w = Recurring(new TimeOnly(9, 25), new TimeOnly(9, 45), days: [DayOfWeek.Monday], zone: "America/New_York");
        Assert.True(FreezeWindows.IsOpen(w, new DateTimeOffset(2026, 11, 2, 14, 30, 0, TimeSpan.Zero)));
        Assert.False(FreezeWindows.IsOpen(w, new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero)));
    }
}
