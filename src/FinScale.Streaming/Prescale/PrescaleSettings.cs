using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace FinScale.Streaming.Prescale;

/// <summary>
/// Predictive pre-scaling (<c>Prescale:*</c>): which deployments have their load forecast, and how a forecast becomes a
/// replica count. Without targets nothing is forecast and the detection path pays nothing.
/// </summary>
public sealed class PrescaleSettings : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Prescale";

    /// <summary>The deployments to pre-scale (<c>Prescale:Targets:0:Deployment</c>, ...).</summary>
    public List<PrescaleTarget> Targets { get; set; } = [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < Targets.Count; i++)
        {
            var t = Targets[i];
            string Key(string name) => string.Create(CultureInfo.InvariantCulture, $"Targets:{i}:{name}");
            if (string.IsNullOrWhiteSpace(t.Namespace))
                yield return new ValidationResult("is required", [Key(nameof(t.Namespace))]);
            if (string.IsNullOrWhiteSpace(t.Deployment))
                yield return new ValidationResult("is required", [Key(nameof(t.Deployment))]);
            if (string.IsNullOrWhiteSpace(t.Metric))
                yield return new ValidationResult($"is required: the per-pod load metric, e.g. http.server.request.rate", [Key(nameof(t.Metric))]);
            if (!(t.CapacityPerReplica > 0) || !double.IsFinite(t.CapacityPerReplica))
                yield return new ValidationResult($"must be a positive number (the load one replica serves), is {t.CapacityPerReplica.ToString(CultureInfo.InvariantCulture)}", [Key(nameof(t.CapacityPerReplica))]);
            if (t.Step < TimeSpan.FromSeconds(1) || t.Step > TimeSpan.FromHours(1))
                yield return new ValidationResult($"must be between 00:00:01 and 01:00:00, is {t.Step:c}", [Key(nameof(t.Step))]);
            if (t.StartupDelay < TimeSpan.Zero || t.Margin < TimeSpan.Zero)
                yield return new ValidationResult($"must not be negative (nor may Margin)", [Key(nameof(t.StartupDelay))]);
            if (t.ScaleDownStabilization < TimeSpan.Zero)
                yield return new ValidationResult("must not be negative", [Key(nameof(t.ScaleDownStabilization))]);
            if (t.MinReplicas < 1 || t.MaxReplicas < t.MinReplicas)
                yield return new ValidationResult($"({t.MinReplicas}) must be at least 1 and at most MaxReplicas ({t.MaxReplicas})", [Key(nameof(t.MinReplicas))]);
            if (t.WarmUpSteps < 0)
                yield return new ValidationResult("must not be negative", [Key(nameof(t.WarmUpSteps))]);
            if (!seen.Add((t.Namespace, t.Deployment)))
                yield return new ValidationResult($"{t.Namespace}/{t.Deployment} is listed twice", [Key(nameof(t.Deployment))]);
        }
    }
}

/// <summary>One deployment whose load is forecast and whose replicas are set ahead of it.</summary>
public sealed class PrescaleTarget
{
    /// <summary>Namespace of the deployment (matched against <c>k8s.namespace.name</c>).</summary>
    public string Namespace { get; set; } = string.Empty;

    /// <summary>The deployment to scale (matched against <c>k8s.deployment.name</c>, or <see cref="Service"/>).</summary>
    public string Deployment { get; set; } = string.Empty;

    /// <summary>The <c>service.name</c> whose series count too, for telemetry without a deployment attribute; defaults to <see cref="Deployment"/>.</summary>
    public string? Service { get; set; }

    /// <summary>The load metric, a per-pod rate or gauge (e.g. requests per second); the deployment's load is its sum over the pods.</summary>
    public string Metric { get; set; } = string.Empty;

    /// <summary>Load one replica serves at its target utilisation, in the metric's unit.</summary>
    public double CapacityPerReplica { get; set; }

    /// <summary>Length of one forecast step: the load is averaged per series over it, summed over series, and forecast per step.</summary>
    public TimeSpan Step { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a new pod takes to become ready; with <see cref="Margin"/> it is the lead time the forecast looks ahead.</summary>
    public TimeSpan StartupDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Added to <see cref="StartupDelay"/> so capacity is ready a little before the load.</summary>
    public TimeSpan Margin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Fewest replicas recommended.</summary>
    public int MinReplicas { get; set; } = 1;

    /// <summary>Most replicas recommended (the policy rule's max_replicas caps it again).</summary>
    public int MaxReplicas { get; set; } = 100;

    /// <summary>A scale-down takes the highest recommendation of this window (the HPA's default is 5 minutes).</summary>
    public TimeSpan ScaleDownStabilization { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Steps observed before a recommendation may become a decision (the board shows them from the first).</summary>
    public int WarmUpSteps { get; set; } = 10;

    /// <summary>The lead time: start-up delay plus margin.</summary>
    public TimeSpan Lead => StartupDelay + Margin;
}
