using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace FinScale.Kubernetes.Istio;

/// <summary>An Istio <c>networking.istio.io/v1</c> DestinationRule, as far as the cluster view needs it: which pod
/// labels (the version) each subset of a host selects. Read only.</summary>
public sealed class DestinationRule
{
    /// <summary>Plural resource name (group and version as <see cref="VirtualService"/>).</summary>
    public const string Plural = "destinationrules";

    /// <summary>Object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta? Metadata { get; set; }

    /// <summary>The host and its subsets.</summary>
    [JsonPropertyName("spec")]
    public DestinationRuleSpec? Spec { get; set; }

    /// <summary>Fields not modelled here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>The <c>spec</c> of a DestinationRule.</summary>
public sealed class DestinationRuleSpec
{
    /// <summary>The service host the rule applies to (short name or FQDN).</summary>
    [JsonPropertyName("host")]
    public string? Host { get; set; }

    /// <summary>Named subsets of the host's pods.</summary>
    [JsonPropertyName("subsets")]
    public List<DestinationRuleSubset>? Subsets { get; set; }

    /// <summary>Fields not modelled here (trafficPolicy, exportTo).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A subset: a name and the pod labels that select it.</summary>
public sealed class DestinationRuleSubset
{
    /// <summary>Subset name (e.g. <c>stable</c>, <c>canary</c>).</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>Pod labels the subset selects (typically <c>version</c>).</summary>
    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Fields not modelled here (trafficPolicy).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
