namespace FinScale.Testing.Kubernetes;

/// <summary>One request the fake API server received, in RBAC terms.</summary>
public sealed record ApiRequest(
    string Method,
    string Verb,
    string Group,
    string Version,
    string Resource,
    string? Subresource,
    string? Namespace,
    string? Name,
    bool DryRun,
    string? ContentType)
{
    /// <summary><c>resource</c> or <c>resource/subresource</c>, as RBAC rules name it.</summary>
    public string RbacResource => Subresource is null ? Resource : $"{Resource}/{Subresource}";
}
