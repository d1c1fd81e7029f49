using System.Collections.Immutable;

namespace FinScale.Forecasting.Prescale;

/// <summary>One past raw recommendation.</summary>
/// <param name="At">When it was made.</param>
/// <param name="Replicas">The raw (unstabilised) replica count.</param>
public readonly record struct TimedReplicas(DateTimeOffset At, int Replicas);

/// <summary>The raw recommendations within the stabilisation windows; immutable, each recommendation returns the next one.</summary>
/// <param name="Entries">Oldest first.</param>
public sealed record RecommendationHistory(ImmutableArray<TimedReplicas> Entries)
{
    /// <summary>No history.</summary>
    public static RecommendationHistory Empty { get; } = new(ImmutableArray<TimedReplicas>.Empty);

    /// <summary>This history plus <paramref name="entry"/>, without entries older than <paramref name="keep"/> before it.</summary>
    public RecommendationHistory Add(TimedReplicas entry, TimeSpan keep)
    {
        var entries = Entries.IsDefault ? ImmutableArray<TimedReplicas>.Empty : Entries;
        var cutoff = entry.At - keep;
        var first = 0;
        while (first < entries.Length && entries[first].At < cutoff)
            first++;
        var builder = ImmutableArray.CreateBuilder<TimedReplicas>(entries.Length - first + 1);
        for (var i = first; i < entries.Length; i++)
            builder.Add(entries[i]);
        builder.Add(entry);
        return new RecommendationHistory(builder.MoveToImmutable());
    }
}
