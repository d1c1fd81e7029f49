namespace FinScale.Detection.Nab;

/// <summary>
/// An application profile of NAB (<c>config/profiles.json</c>): the weights of a detected window, a false
/// positive and a missed window.
/// </summary>
/// <param name="Name">The profile's name as NAB writes it in <c>thresholds.json</c>.</param>
/// <param name="TruePositiveWeight">A_TP: what the earliest possible detection of a window earns.</param>
/// <param name="FalsePositiveWeight">A_FP: what a false positive far from any window costs.</param>
/// <param name="FalseNegativeWeight">A_FN: what a window with no detection costs.</param>
public sealed record NabProfile(string Name, double TruePositiveWeight, double FalsePositiveWeight, double FalseNegativeWeight)
{
    /// <summary>NAB's <c>standard</c> profile: A_TP = 1, A_FP = 0.11, A_FN = 1.</summary>
    public static NabProfile Standard { get; } = new("standard", 1.0, 0.11, 1.0);

    /// <summary>NAB's <c>reward_low_FP_rate</c> profile: false positives cost twice as much (A_FP = 0.22).</summary>
    public static NabProfile RewardLowFalsePositiveRate { get; } = new("reward_low_FP_rate", 1.0, 0.22, 1.0);

    /// <summary>NAB's <c>reward_low_FN_rate</c> profile: a missed window costs twice as much (A_FN = 2).</summary>
    public static NabProfile RewardLowFalseNegativeRate { get; } = new("reward_low_FN_rate", 1.0, 0.11, 2.0);

    /// <summary>The three NAB profiles, in the order NAB reports them.</summary>
    public static IReadOnlyList<NabProfile> All { get; } = [Standard, RewardLowFalsePositiveRate, RewardLowFalseNegativeRate];
}
