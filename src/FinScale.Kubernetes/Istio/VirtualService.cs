using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace FinScale.Kubernetes.Istio;

/// <summary>An Istio <c>networking.istio.io/v1</c> VirtualService, as far as traffic shifting needs it. Fields this
/// model does not name are kept in <c>Extra</c> and written back unchanged.</summary>
public sealed class VirtualService
{
    /// <summary>API group of the resource.</summary>
    public const string Group = "networking.istio.io";

    /// <summary>API version of the resource.</summary>
    public const string Version = "v1";

    /// <summary>Plural resource name.</summary>
    public const string Plural = "virtualservices";

    /// <summary><c>networking.istio.io/v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    /// <summary><c>VirtualService</c>.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary>Object metadata (name, namespace, resourceVersion).</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta? Metadata { get; set; }

    /// <summary>The routing specification.</summary>
    [JsonPropertyName("spec")]
    public VirtualServiceSpec? Spec { get; set; }

    /// <summary>Fields not modelled here, kept as they were read.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>The <c>spec</c> of a VirtualService.</summary>
public sealed class VirtualServiceSpec
{
    /// <summary>Hosts the routes apply to.</summary>
    [JsonPropertyName("hosts")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Hosts { get; set; }

    /// <summary>HTTP routes, in match order.</summary>
    [JsonPropertyName("http")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<HttpRoute>? Http { get; set; }

    /// <summary>Fields not modelled here (gateways, tcp, tls, exportTo), kept as they were read.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>One HTTP route: match conditions and weighted destinations.</summary>
public sealed class HttpRoute
{
    /// <summary>Name of the route, if any.</summary>
    [JsonPropertyName("name")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; set; }

    /// <summary>Destinations with their weights.</summary>
    [JsonPropertyName("route")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<HttpRouteDestination>? Route { get; set; }

    /// <summary>Fields not modelled here (match, retries, timeout, fault, ...), kept as they were read.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A destination of an HTTP route and the share of traffic it receives.</summary>
public sealed class HttpRouteDestination
{
    /// <summary>Where the traffic goes.</summary>
    [JsonPropertyName("destination")]
    public Destination? Destination { get; set; }

    /// <summary>Percentage of the route's traffic (0-100); absent means all of it for a single destination.</summary>
    [JsonPropertyName("weight")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Weight { get; set; }

    /// <summary>Fields not modelled here (headers), kept as they were read.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A service host and, optionally, a subset of it defined by a DestinationRule.</summary>
public sealed class Destination
{
    /// <summary>Service host name.</summary>
    [JsonPropertyName("host")]
    public string? Host { get; set; }

    /// <summary>Subset name (e.g. <c>stable</c>, <c>canary</c>).</summary>
    [JsonPropertyName("subset")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Subset { get; set; }

    /// <summary>Fields not modelled here (port), kept as they were read.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
