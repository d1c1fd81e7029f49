namespace FinScale.Testing.Kubernetes;

/// <summary>A write the fake API server applied: the request, the status it answered and the body it carried.</summary>
/// <param name="Request">The request.</param>
/// <param name="Status">The 2xx status answered.</param>
/// <param name="Body">The request body (a patch, an object, an Eviction).</param>
/// <param name="Client">The bearer token the client sent, if any: tells clients with different kubeconfigs apart.</param>
public sealed record ApiWrite(ApiRequest Request, int Status, string Body, string? Client = null);
