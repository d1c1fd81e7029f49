using FinScale.Detection;

namespace FinScale.Detection.Tests;

public class AnomalyScoreTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(6, 0.5)]
    [InlineData(-6, 0.5)]
    [InlineData(12, 0.9375)]
    public void FromZ_KnownPoints_MapAsDocumented(double z, double expected) =>
        Assert.Equal(expected, AnomalyScore.FromZ(z, 6), 6);

    [Fact]
    public void FromZ_AnyZ_StaysInUnitIntervalAndIsMonotone()
    {
        var previous = -1.0;
        for (var z = 0.0; z < 1e4; z = (z * 1.5) + 0.01)
        {
            var s = AnomalyScore.FromZ(z, 6);
            Assert.InRange(s, 0, 1);
            Assert.True(s >= previous);
            previous = s;
        }

        Assert.Equal(0, AnomalyScore.FromZ(double.NaN, 6));
        Assert.Equal(1, AnomalyScore.FromZ(double.PositiveInfinity, 6));
    }
}
