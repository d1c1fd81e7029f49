namespace FinScale.Remediation.Planning;

/// <summary>When each series last reported, in event time: how the no-data guard tells a silent series from a healthy one.</summary>
public interface ISeriesLiveness
{
    /// <summary>Event time of the last point of <paramref name="series"/> (canonical key text), or null when unknown.</summary>
    DateTimeOffset? LastSeen(string series);
}
