using System.ComponentModel.DataAnnotations;
using FinScale.Contracts;

namespace FinScale.Detection.Multivariate;

/// <summary>
/// Tuning of the multivariate detector: how series become one feature vector per group and step
/// (<see cref="ServiceFeatureWindow"/>), and how a randomized PCA model of recent normal vectors scores each new one
/// (<see cref="PcaServiceDetector"/>). Lists are comma-separated strings because the configuration binder appends to a
/// list that already has elements instead of replacing it.
/// </summary>
public sealed class MultivariateOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Detection:Multivariate";

    /// <summary>Width of one event-time step; a group gets at most one vector per step, holding the step's latest values.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Step { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after a step's end, by the group's watermark (the latest event time seen for it), the step still takes
    /// points before its vector is assembled; points older than a closed step are dropped and counted.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Attribute keys whose values name a group (comma-separated): <c>service.name</c> per service, add <c>k8s.pod.name</c> per pod. A series lacking one is left out and counted.</summary>
    [Required(AllowEmptyStrings = false)]
    public string GroupBy { get; set; } = WellKnownAttributes.ServiceName;

    /// <summary>
    /// Attribute keys (comma-separated) that leave a series out. The trace-derived RED series come once per service and
    /// again per instance (with <c>k8s.pod.name</c>); grouping per service while summing throughput would count calls
    /// twice, so set <c>k8s.pod.name</c> here, or group per pod.
    /// </summary>
    public string ExcludeSeriesWith { get; set; } = string.Empty;

    /// <summary>Metric-name patterns of the latency feature (comma-separated, <c>*</c> wildcards); empty leaves the feature out.</summary>
    public string Latency { get; set; } = "*duration.p99,*latency.p99";

    /// <summary>How several latency series of one group combine.</summary>
    public RoleAggregation LatencyAggregation { get; set; } = RoleAggregation.Max;

    /// <summary>Metric-name patterns of the error-rate feature.</summary>
    public string ErrorRate { get; set; } = "*error_ratio,*error.ratio";

    /// <summary>How several error-rate series of one group combine.</summary>
    public RoleAggregation ErrorRateAggregation { get; set; } = RoleAggregation.Max;

    /// <summary>Metric-name patterns of the throughput feature (a histogram's <c>.rate</c> is its count per second).</summary>
    public string Throughput { get; set; } = "*.calls,*duration.rate,*requests.rate";

    /// <summary>How several throughput series of one group combine.</summary>
    public RoleAggregation ThroughputAggregation { get; set; } = RoleAggregation.Sum;

    /// <summary>Metric-name patterns of the saturation feature (CPU or memory utilisation).</summary>
    public string Saturation { get; set; } = "*cpu.utilization,*memory.utilization";

    /// <summary>How several saturation series of one group combine.</summary>
    public RoleAggregation SaturationAggregation { get; set; } = RoleAggregation.Max;

    /// <summary>Features of a step that may be missing and imputed with their last value; a step missing more is skipped and counted.</summary>
    [Range(0, 16)]
    public int MaxMissingFeatures { get; set; } = 1;

    /// <summary>
    /// Principal components kept (the rank of the normal subspace): about the number of independent drivers of the
    /// features, e.g. 2 for load plus an unrelated error level. Must be below the number of features, so something is
    /// left to reconstruct.
    /// </summary>
    [Range(1, 15)]
    public int Rank { get; set; } = 2;

    /// <summary>
    /// The training buffer: the last this many normal vectors of a group (a ring; 720 one-minute steps is 12 hours). Memory
    /// per group is this times the features times 8 bytes, plus as many calibration values.
    /// </summary>
    [Range(10, 100_000)]
    public int TrainingWindow { get; set; } = 720;

    /// <summary>Vectors a group's buffer needs before its first model; until then it is warming up and nothing is scored.</summary>
    [Range(10, 100_000)]
    public int MinTrainingVectors { get; set; } = 120;

    /// <summary>A group's model is retrained after this many new vectors have entered its buffer (event-time steps, not wall time).</summary>
    [Range(1, 100_000)]
    public int RetrainEvery { get; set; } = 60;

    /// <summary>Seed of ML.NET's randomized PCA, so the same input always gives the same models and scores.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Score at or above which a vector is anomalous: it is flagged and kept out of the training buffer.</summary>
    [Range(0.01, 0.9999)]
    public double ScoreThreshold { get; set; } = 0.5;

    /// <summary>
    /// Rarity (−log10 of the tail probability among the training vectors' errors) that maps to a score of 0.5. With 720
    /// training vectors the empirical tail ends at a rarity of 2.86, so 4 means an error well past the largest the model
    /// was trained on (about 2.6 tail scales of its top tenth beyond it), not merely a new maximum.
    /// </summary>
    [Range(0.5, 20.0)]
    public double RarityAtHalf { get; set; } = 4.0;

    /// <summary>
    /// After this many anomalous vectors in a row, the rest of the run enters the buffer even though anomalous, so a
    /// lasting change becomes the new normal instead of alarming for ever.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxExcludedRun { get; set; } = 60;

    /// <summary>Smallest robust scale of a feature, in its own units, so a feature that barely moves (an error ratio of 0) is not blown up by noise below it.</summary>
    [Range(0.0, 1e9)]
    public double MinFeatureScale { get; set; } = 1e-3;

    /// <summary>Most distinct feature series tracked; past it new ones are refused and counted.</summary>
    [Range(1, 10_000_000)]
    public int MaxSeries { get; set; } = 100_000;

    /// <summary>Most groups tracked; series of further groups are refused and counted.</summary>
    [Range(1, 1_000_000)]
    public int MaxGroups { get; set; } = 10_000;

    /// <summary>The features in effect, in vector order (latency, error rate, throughput, saturation), leaving out those without patterns.</summary>
    public IReadOnlyList<FeatureRole> Roles()
    {
        var roles = new List<FeatureRole>(4);
        Add(FeatureRole.Latency, Latency, LatencyAggregation);
        Add(FeatureRole.ErrorRate, ErrorRate, ErrorRateAggregation);
        Add(FeatureRole.Throughput, Throughput, ThroughputAggregation);
        Add(FeatureRole.Saturation, Saturation, SaturationAggregation);
        return roles;

        void Add(string name, string? patterns, RoleAggregation aggregation)
        {
            var list = Split(patterns);
            if (list.Count > 0)
                roles.Add(new FeatureRole(name, list, aggregation));
        }
    }

    /// <summary>The <see cref="GroupBy"/> keys as a list.</summary>
    public IReadOnlyList<string> GroupByList => Split(GroupBy);

    /// <summary>The <see cref="ExcludeSeriesWith"/> keys as a list.</summary>
    public IReadOnlyList<string> ExcludeSeriesWithList => Split(ExcludeSeriesWith);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Ranges are the attributes' job; this adds what they cannot say.
        var features = Roles().Count;
        if (features < 2)
            yield return new ValidationResult($"needs at least 2 features with patterns, has {features}", [nameof(Latency), nameof(ErrorRate), nameof(Throughput), nameof(Saturation)]);
        if (Rank >= features)
            yield return new ValidationResult($"must be below the number of features ({features})", [nameof(Rank)]);
        if (MaxMissingFeatures >= features)
            yield return new ValidationResult($"must be below the number of features ({features})", [nameof(MaxMissingFeatures)]);
        if (MinTrainingVectors > TrainingWindow)
            yield return new ValidationResult($"must not exceed {nameof(TrainingWindow)} ({TrainingWindow})", [nameof(MinTrainingVectors)]);
        if (Step.Ticks % TimeSpan.TicksPerMillisecond != 0)
            yield return new ValidationResult("must be whole milliseconds", [nameof(Step)]);
        if (GroupByList.Count == 0)
            yield return new ValidationResult("names no attribute", [nameof(GroupBy)]);
        foreach (var role in Roles())
        {
            if (role.Patterns.Any(p => p.Contains('{', StringComparison.Ordinal)))
                yield return new ValidationResult("a pattern matches metric names only and cannot contain '{'", [PropertyOf(role.Name)]);
            if (!Enum.IsDefined(role.Aggregation))
                yield return new ValidationResult($"unknown aggregation {role.Aggregation}", [PropertyOf(role.Name) + "Aggregation"]);
        }
    }

    /// <summary>Throws when the options are out of range or inconsistent (for callers that bypass the options pipeline).</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the key.</exception>
    public void ThrowIfInvalid()
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
            return;
        var problems = results.Select(r => $"{Section}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}");
        throw new ArgumentException(string.Join("; ", problems), "options");
    }

    private static string PropertyOf(string roleName) => roleName switch
    {
        FeatureRole.Latency => nameof(Latency),
        FeatureRole.ErrorRate => nameof(ErrorRate),
        FeatureRole.Throughput => nameof(Throughput),
        _ => nameof(Saturation),
    };

    private static List<string> Split(string? list) =>
        string.IsNullOrWhiteSpace(list)
            ? []
            : [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
