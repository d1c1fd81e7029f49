namespace FinScale.Detection.Multivariate;

/// <summary>
/// One feature of a group's vector: its name, the metric-name patterns of the series that feed it, and how several such
/// series of one group combine within a step.
/// </summary>
/// <param name="Name">The feature's name, as reported in scores (e.g. <see cref="Latency"/>).</param>
/// <param name="Patterns">
/// Metric-name patterns, matched against the whole metric name (ordinal, case-sensitive); <c>*</c> stands for any run of
/// characters, e.g. <c>*duration.p99</c>.
/// </param>
/// <param name="Aggregation">How the matching series of one group combine within one step.</param>
public sealed record FeatureRole(string Name, IReadOnlyList<string> Patterns, RoleAggregation Aggregation)
{
    /// <summary>Name of the latency feature.</summary>
    public const string Latency = "latency";

    /// <summary>Name of the error-rate feature.</summary>
    public const string ErrorRate = "error_rate";

    /// <summary>Name of the throughput feature.</summary>
    public const string Throughput = "throughput";

    /// <summary>Name of the saturation feature.</summary>
    public const string Saturation = "saturation";

    /// <summary>True when <paramref name="metric"/> matches one of the <see cref="Patterns"/>.</summary>
    public bool Matches(ReadOnlySpan<char> metric)
    {
        foreach (var pattern in Patterns)
        {
            if (Glob.IsMatch(pattern, metric))
                return true;
        }

        return false;
    }
}
