namespace FinScale.Contracts;

/// <summary>OpenTelemetry semantic-convention attribute keys that identify where a series comes from.</summary>
public static class WellKnownAttributes
{
    /// <summary>The logical service.</summary>
    public const string ServiceName = "service.name";

    /// <summary>The release of the service; tells a canary from stable.</summary>
    public const string ServiceVersion = "service.version";

    /// <summary>The Kubernetes namespace.</summary>
    public const string Namespace = "k8s.namespace.name";

    /// <summary>The Kubernetes deployment that owns the pod.</summary>
    public const string Deployment = "k8s.deployment.name";

    /// <summary>The Kubernetes pod; present on pod-level series only.</summary>
    public const string PodName = "k8s.pod.name";

    /// <summary>The Kubernetes node the pod runs on.</summary>
    public const string NodeName = "k8s.node.name";
}
