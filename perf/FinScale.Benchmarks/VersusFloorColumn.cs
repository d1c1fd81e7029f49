using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FinScale.Benchmarks;

/// <summary>
/// Mean time per call divided by that of a memory floor (<see cref="KernelThroughputBenchmarks.MemoryCopy"/> or
/// <see cref="KernelThroughputBenchmarks.MemoryRead"/>) in the same class, parameters and job.
/// </summary>
public sealed class VersusFloorColumn : IColumn
{
    private readonly string _floorMethod;

    /// <summary>Creates the column comparing with the benchmark method named floorMethod.</summary>
    public VersusFloorColumn(string floorMethod, string legend)
    {
        _floorMethod = floorMethod;
        Legend = legend;
    }

    /// <summary>Column identity.</summary>
    public string Id => nameof(VersusFloorColumn) + "." + _floorMethod;

    /// <summary>Header text.</summary>
    public string ColumnName => "vs " + _floorMethod;

    /// <summary>Shown even when every row has the same value.</summary>
    public bool AlwaysShow => true;

    /// <summary>A statistic of the measurements.</summary>
    public ColumnCategory Category => ColumnCategory.Statistics;

    /// <summary>After Updates/s.</summary>
    public int PriorityInCategory => 11;

    /// <summary>Numeric, so it aligns right.</summary>
    public bool IsNumeric => true;

    /// <summary>A plain ratio.</summary>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <summary>Legend line.</summary>
    public string Legend { get; }

    /// <summary>The value for one benchmark case.</summary>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <summary>The value for one benchmark case, in the given style.</summary>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var floor = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.Type == benchmarkCase.Descriptor.Type
            && c.Descriptor.WorkloadMethod.Name == _floorMethod
            && c.Parameters.ValueInfo == benchmarkCase.Parameters.ValueInfo
            && c.Job == benchmarkCase.Job);
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        var floorMean = floor is null ? null : summary[floor]?.ResultStatistics?.Mean;
        return mean is > 0 && floorMean is > 0
            ? (mean.Value / floorMean.Value).ToString("0.00", CultureInfo.InvariantCulture)
            : "?";
    }

    /// <summary>Never a default value.</summary>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <summary>Available in summaries that measured the floor.</summary>
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => c.Descriptor.WorkloadMethod.Name == _floorMethod);
}
