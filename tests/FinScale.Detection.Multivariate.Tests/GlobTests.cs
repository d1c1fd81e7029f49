namespace FinScale.Detection.Multivariate.Tests;

public class GlobTests
{
    [Theory]
    [InlineData("*duration.p99", "http.server.request.duration.p99", true)]
    [InlineData("*duration.p99", "http.server.request.duration.p90", false)]
    [InlineData("*.calls", "traces.span.metrics.calls", true)]
    [InlineData("*.calls", "calls", false)]
    [InlineData("k8s.*.cpu.*", "k8s.pod.cpu.utilization", true)]
    [InlineData("exact", "exact", true)]
    [InlineData("exact", "exactly", false)]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    public void IsMatch_Pattern_MatchesTheWholeName(string pattern, string text, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, text));
}
