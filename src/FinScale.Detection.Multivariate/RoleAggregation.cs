namespace FinScale.Detection.Multivariate;

/// <summary>How the values of several series that feed one feature of one group, within one step, become the feature's value.</summary>
public enum RoleAggregation
{
    /// <summary>The value with the latest event time.</summary>
    Last,

    /// <summary>The mean of the series' values.</summary>
    Mean,

    /// <summary>The sum of the series' values (e.g. calls per second per status code or per pod into a service total).</summary>
    Sum,

    /// <summary>The largest value (e.g. the worst pod's or the worst operation's p99 latency).</summary>
    Max,

    /// <summary>The smallest value.</summary>
    Min,
}
