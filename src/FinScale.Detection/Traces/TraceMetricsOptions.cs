using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace FinScale.Detection.Traces;

/// <summary>How spans become RED metrics and service-graph edges (<see cref="TraceMetricsAggregator{TToken}"/>).</summary>
/// <remarks>All durations are event time: they are measured against span end times, never the wall clock.</remarks>
public sealed class TraceMetricsOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Traces";

    /// <summary>Most histogram bounds accepted (the per-window state is one count per bucket per key).</summary>
    public const int MaxDurationBounds = 64;

    /// <summary>
    /// The Collector's spanmetrics connector default explicit bounds, in ms:
    /// 2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000.
    /// </summary>
    public static IReadOnlyList<double> DefaultDurationBoundsMs { get; } =
        Array.AsReadOnly(new double[] { 2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1_000, 1_400, 2_000, 5_000, 10_000, 15_000 });

    /// <summary>Length of one aggregation window (whole milliseconds); a span belongs to the window holding its end time.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long after its end (by the watermark, the largest span end seen) a window still takes spans before it is emitted.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Upper bounds of the duration histogram buckets in ms, strictly increasing; null means
    /// <see cref="DefaultDurationBoundsMs"/>. (Null by default because the configuration binder appends to an
    /// array that already has elements instead of replacing it.)
    /// </summary>
    public double[]? DurationBoundsMs { get; set; }

    /// <summary>
    /// How long (event time, from the end of the window holding it) a client or server span waits for the other
    /// half of its pair before it expires.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ServiceGraphWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most unpaired client/server spans held while they wait; past it new ones skip the service graph and are counted.</summary>
    [Range(1, 10_000_000)]
    public int MaxPendingSpans { get; set; } = 100_000;

    /// <summary>Whether to emit the instance-level RED series (adding pod, node, version and deployment) next to the service-level ones.</summary>
    public bool EmitInstanceSeries { get; set; } = true;

    /// <summary>The histogram bounds in effect: <see cref="DurationBoundsMs"/>, or the defaults when it is null.</summary>
    public IReadOnlyList<double> EffectiveDurationBoundsMs => DurationBoundsMs ?? DefaultDurationBoundsMs;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Ranges are the attributes' job here; this adds what they cannot say.
        foreach (var (member, message) in Problems(includeRanges: false))
            yield return new ValidationResult(message, [member]);
    }

    /// <summary>Throws when the options are out of range or inconsistent (for callers that bypass the options pipeline).</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the key.</exception>
    internal void ThrowIfInvalid()
    {
        var problems = Problems(includeRanges: true).Select(p => $"{Section}:{p.Member}: {p.Message}").ToList();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), "options");
    }

    private IEnumerable<(string Member, string Message)> Problems(bool includeRanges)
    {
        if (includeRanges)
        {
            if (Window < TimeSpan.FromSeconds(1) || Window > TimeSpan.FromHours(1))
                yield return (nameof(Window), "must be between 00:00:01 and 01:00:00");
            if (AllowedLateness < TimeSpan.Zero || AllowedLateness > TimeSpan.FromHours(1))
                yield return (nameof(AllowedLateness), "must be between 00:00:00 and 01:00:00");
            if (ServiceGraphWait < TimeSpan.Zero || ServiceGraphWait > TimeSpan.FromHours(1))
                yield return (nameof(ServiceGraphWait), "must be between 00:00:00 and 01:00:00");
            if (MaxPendingSpans is < 1 or > 10_000_000)
                yield return (nameof(MaxPendingSpans), "must be between 1 and 10000000");
        }

        if (Window.Ticks % TimeSpan.TicksPerMillisecond != 0)
            yield return (nameof(Window), "must be a whole number of milliseconds");

        var bounds = EffectiveDurationBoundsMs;
        if (bounds.Count > MaxDurationBounds)
            yield return (nameof(DurationBoundsMs), string.Create(CultureInfo.InvariantCulture, $"at most {MaxDurationBounds} bounds"));
        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]) || bounds[i] <= 0)
            {
                yield return (nameof(DurationBoundsMs), string.Create(CultureInfo.InvariantCulture, $"bound {i} ({bounds[i]}) must be finite and positive"));
                yield break;
            }

            if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                yield return (nameof(DurationBoundsMs), string.Create(CultureInfo.InvariantCulture, $"bounds must be strictly increasing (bound {i} is {bounds[i]}, after {bounds[i - 1]})"));
                yield break;
            }
        }
    }
}
