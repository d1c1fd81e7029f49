using FinScale.Remediation.Diagnosis;

namespace FinScale.Remediation.Tests.Diagnosis;

public class GlobTests
{
    [Theory]
    [InlineData("*", "")]
    [InlineData("*", "anything")]
    [InlineData("*.rate", "http.server.request.rate")]
    [InlineData("*duration*", "traces.span.metrics.duration.p99")]
    [InlineData("*request*count*", "http.server.request.body.count")]
    [InlineData("p??", "p99")]
    [InlineData("HTTP.*", "http.server")]
    [InlineData("a*b*c", "aXbYbZc")]
    [InlineData("**x", "x")]
    public void IsMatch_MatchingText_ReturnsTrue(string pattern, string text) => Assert.True(Glob.IsMatch(pattern, text));

    [Theory]
    [InlineData("", "x")]
    [InlineData("*.rate", "http.server.rate.p99")]
    [InlineData("p??", "p9")]
    [InlineData("p??", "p999")]
    [InlineData("a*b*c", "aXbYbZ")]
    [InlineData("abc", "ab")]
    public void IsMatch_OtherText_ReturnsFalse(string pattern, string text) => Assert.False(Glob.IsMatch(pattern, text));

    [Fact]
    public void IsMatch_ManyStarsOnLongMismatch_ReturnsQuickly()
    {
        // A backtracking matcher would explode here; the greedy walk stays linear in practice.
        var text = new string('a', 10_000);
        Assert.False(Glob.IsMatch("*a*a*a*a*a*a*a*b", text));
    }
}
