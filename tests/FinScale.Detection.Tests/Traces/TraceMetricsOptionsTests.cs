using System.ComponentModel.DataAnnotations;
using FinScale.Detection.Traces;

namespace FinScale.Detection.Tests.Traces;

public class TraceMetricsOptionsTests
{
    [Fact]
    public void Defaults_AreValidAndUseTheSpanmetricsConnectorBuckets()
    {
        var o = new TraceMetricsOptions();
        Assert.Empty(Validate(o));
        Assert.Equal(TimeSpan.FromSeconds(10), o.Window);
        Assert.Equal(TimeSpan.FromSeconds(5), o.AllowedLateness);
        Assert.Equal(TimeSpan.FromSeconds(10), o.ServiceGraphWait);
        Assert.Equal(100_000, o.MaxPendingSpans);
        Assert.True(o.EmitInstanceSeries);
        Assert.Equal(new double[] { 2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000 }, o.EffectiveDurationBoundsMs);
        Assert.Equal("Traces", TraceMetricsOptions.Section);
    }

    [Theory]
    [InlineData(new double[] { 5, 1 })]
    [InlineData(new double[] { 1, 1 })]
    [InlineData(new double[] { -1, 1 })]
    [InlineData(new double[] { 1, double.PositiveInfinity })]
    public void Validate_BoundsNotStrictlyIncreasingPositiveAndFinite_FailsNamingTheMember(double[] bounds)
    {
        var results = Validate(new TraceMetricsOptions { DurationBoundsMs = bounds });
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(TraceMetricsOptions.DurationBoundsMs)));
    }

    [Fact]
    public void Validate_DurationsOutOfRange_Fail()
    {
        Assert.NotEmpty(Validate(new TraceMetricsOptions { Window = TimeSpan.FromMilliseconds(500) }));
        Assert.NotEmpty(Validate(new TraceMetricsOptions { Window = TimeSpan.FromTicks(TimeSpan.TicksPerSecond + 1) }));
        Assert.NotEmpty(Validate(new TraceMetricsOptions { AllowedLateness = TimeSpan.FromSeconds(-1) }));
        Assert.NotEmpty(Validate(new TraceMetricsOptions { ServiceGraphWait = TimeSpan.FromHours(2) }));
        Assert.NotEmpty(Validate(new TraceMetricsOptions { MaxPendingSpans = 0 }));
    }

    [Fact]
    public void Validate_OutOfRangeWindow_ReportsItOnce()
    {
        var results = Validate(new TraceMetricsOptions { Window = TimeSpan.FromHours(2) });
        Assert.Single(results);
        Assert.Contains(nameof(TraceMetricsOptions.Window), results[0].MemberNames);
    }

    [Fact]
    public void Validate_CustomBounds_AreUsed()
    {
        var o = new TraceMetricsOptions { DurationBoundsMs = [1, 5, 25] };
        Assert.Empty(Validate(o));
        Assert.Equal(new double[] { 1, 5, 25 }, o.EffectiveDurationBoundsMs);
    }

    private static List<ValidationResult> Validate(TraceMetricsOptions o)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(o, new ValidationContext(o), results, validateAllProperties: true);
        return results;
    }
}
