using System.Text.Json.Serialization;
using k8s.Models;

namespace FinScale.Kubernetes.Istio;

/// <summary>A page of a custom resource's list (<c>items</c> and the list metadata with <c>continue</c>).</summary>
/// <typeparam name="T">The typed model of an item.</typeparam>
public sealed class CustomObjectList<T>
{
    /// <summary>List metadata: resourceVersion and the continue token of the next page.</summary>
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    /// <summary>The objects of this page.</summary>
    [JsonPropertyName("items")]
    public List<T>? Items { get; set; }
}
