using FinScale.Streaming.Replay;

namespace FinScale.Streaming.Tests.Replay;

public sealed class ReplaySpeedTests
{
    [Theory]
    [InlineData("max")]
    [InlineData("MAX")]
    [InlineData(" max ")]
    public void TryParse_Max_IsMax(string text)
    {
        Assert.True(ReplaySpeed.TryParse(text, out var speed));

        Assert.True(speed.IsMax);
        Assert.Equal(ReplaySpeed.Max, speed);
        Assert.Equal("max", speed.ToString());
    }

    [Theory]
    [InlineData("60", 60.0, "60x")]
    [InlineData("0.5", 0.5, "0.5x")]
    [InlineData("1", 1.0, "1x")]
    [InlineData("1e3", 1000.0, "1000x")]
    public void TryParse_PositiveNumber_IsThatFactor(string text, double factor, string formatted)
    {
        Assert.True(ReplaySpeed.TryParse(text, out var speed));

        Assert.False(speed.IsMax);
        Assert.Equal(factor, speed.Factor);
        Assert.Equal(formatted, speed.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("-0.5")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("60x")]
    public void TryParse_Invalid_ReturnsFalse(string text)
    {
        Assert.False(ReplaySpeed.TryParse(text, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void TryParse_Missing_DefaultsToMax(string? text)
    {
        Assert.True(ReplaySpeed.TryParse(text, out var speed));

        Assert.True(speed.IsMax);
    }
}
