using FinScale.Remediation.Policy;

namespace FinScale.Remediation.Tests.Policy;

public class PolicyDurationTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 15 * 60)]
    [InlineData("2h", 2 * 3600)]
    [InlineData("1d", 86400)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("PT15M", 15 * 60)]
    [InlineData("pt15m", 15 * 60)]
    [InlineData("P1DT2H", 86400 + 7200)]
    [InlineData(" 5m ", 300)]
    public void TryParse_UnitOrIso8601_ReturnsTheDuration(string text, int seconds)
    {
        Assert.True(PolicyDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Fact]
    public void TryParse_Milliseconds_AreNotReadAsMinutes()
    {
        Assert.True(PolicyDuration.TryParse("500ms", out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(500), value);
    }

    [Theory]
    [InlineData("15")]       // a bare number: the unit is never guessed
    [InlineData("")]
    [InlineData("m")]
    [InlineData("15 m")]
    [InlineData("15min")]
    [InlineData("PT")]
    [InlineData("soon")]
    [InlineData("99999999999999d")]
    public void TryParse_NotADuration_ReturnsFalse(string text)
    {
        Assert.False(PolicyDuration.TryParse(text, out _));
    }
}
