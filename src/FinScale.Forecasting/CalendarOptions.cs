namespace FinScale.Forecasting;

/// <summary>Calendar effects a payments workload has: weekends, month-end payroll and known event days.</summary>
public sealed record CalendarOptions
{
    /// <summary>Whether calendar factors are learned and applied at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Offset of the business's local time from UTC; days (weekend, month-end) are cut at local midnight.</summary>
    public TimeSpan UtcOffset { get; init; } = TimeSpan.Zero;

    /// <summary>How many business days at the end of each month count as month-end (payroll, settlement).</summary>
    public int MonthEndBusinessDays { get; init; } = 1;

    /// <summary>Dates of known events (sales, market holidays, campaign launches); their factor is learned from past event days.</summary>
    public IReadOnlyList<DateOnly> EventDays { get; init; } = [];

    /// <summary>Prior multiplicative factor for an event day before any event day has been observed (1 = no prior).</summary>
    public double EventDayPriorFactor { get; init; } = 1.0;
}
