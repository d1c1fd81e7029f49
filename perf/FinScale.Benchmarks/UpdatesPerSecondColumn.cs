using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FinScale.Benchmarks;

/// <summary>Series updates per second: the Series parameter divided by the mean time per call.</summary>
public sealed class UpdatesPerSecondColumn : IColumn
{
    /// <summary>Column identity.</summary>
    public string Id => nameof(UpdatesPerSecondColumn);

    /// <summary>Header text.</summary>
    public string ColumnName => "Updates/s";

    /// <summary>Shown even when every row has the same value.</summary>
    public bool AlwaysShow => true;

    /// <summary>A statistic of the measurements.</summary>
    public ColumnCategory Category => ColumnCategory.Statistics;

    /// <summary>After the built-in statistics.</summary>
    public int PriorityInCategory => 10;

    /// <summary>Numeric, so it aligns right.</summary>
    public bool IsNumeric => true;

    /// <summary>A plain number, not a time or size.</summary>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <summary>Legend line.</summary>
    public string Legend => "Series updated per second (Series / Mean), in G = 1e9";

    /// <summary>The value for one benchmark case.</summary>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <summary>The value for one benchmark case, in the given style.</summary>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNs is not > 0 || benchmarkCase.Parameters["Series"] is not int series)
        {
            return "?";
        }

        return (series / meanNs.Value).ToString("0.000 G", CultureInfo.InvariantCulture);
    }

    /// <summary>Never a default value.</summary>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <summary>Available whenever the benchmarks have a Series parameter.</summary>
    public bool IsAvailable(Summary summary) => true;
}
