using FinScale.Testing.Kubernetes;
using k8s;

namespace FinScale.Kubernetes.Tests;

/// <summary>A fresh fake API server and a real client per test; short retry delays.</summary>
public abstract class ExecutorTestBase : IAsyncLifetime
{
    protected const string Ns = "payments";

    private IKubernetes? _client;
    private FakeKubernetesApiServer? _server;

    protected FakeKubernetesApiServer Server => _server ?? throw new InvalidOperationException("not started");

    protected IKubernetes Client => _client ?? throw new InvalidOperationException("not started");

    protected static TimeProvider Time => TimeProvider.System;

    internal static KubernetesActionOptions FastOptions(int maxAttempts = 3, TimeSpan? attemptTimeout = null) => new()
    {
        MaxAttempts = maxAttempts,
        AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(5),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartAsync();
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
