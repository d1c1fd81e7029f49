using System.Diagnostics.Metrics;
using FinScale.Kubernetes.Istio;
using FinScale.Remediation.Cluster;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes.Cluster;

/// <summary>Keeps a current <see cref="ClusterView"/> by listing pods, nodes, deployments, ReplicaSets, Istio
/// VirtualServices and DestinationRules every <see cref="ClusterViewOptions.RefreshInterval"/> (list and relist, no
/// watch: a 30-second-old view is fresh enough for decisions that also pass cooldown guards, and a relist cannot miss
/// an event). A refresh that fails keeps the previous snapshot, logs and is counted. Reads only; runs on every replica,
/// leader or not.</summary>
public sealed class ClusterViewSource : BackgroundService
{
    /// <summary>Name of the <see cref="Meter"/> the source reports on.</summary>
    public const string MeterName = "FinScale.Kubernetes";

    private readonly IKubernetes _client;
    private readonly ClusterViewOptions _options;
    private readonly KubernetesCaller _caller;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter<long>? _refreshCounter;
    private readonly Lock _publishGate = new();
    private ClusterView _current = ClusterView.Empty;
    private long _started;
    private long _published;
    private long _succeeded;
    private long _failed;

    /// <summary>Creates the source over <paramref name="client"/>, with the retries and timeouts of
    /// <paramref name="options"/> and what to list from its <see cref="KubernetesActionOptions.ClusterView"/>.</summary>
    public ClusterViewSource(IKubernetes client, IOptions<KubernetesActionOptions> options, TimeProvider timeProvider, ILogger<ClusterViewSource>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _options = options.Value.ClusterView;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _caller = new KubernetesCaller(options.Value, timeProvider, _logger);
        _refreshCounter = meterFactory?.Create(MeterName).CreateCounter<long>("finscale.cluster_view.refreshes", description: "Lists of the cluster, by outcome (ok, failed).");
    }

    /// <summary>The latest snapshot; <see cref="ClusterView.Empty"/> until the first list succeeds (every snapshot a
    /// list produced has <see cref="ClusterView.AsOf"/> set, so a null AsOf means "not listed yet"). Never null, never
    /// changes under the reader (a refresh replaces it whole).</summary>
    public ClusterView Current => Volatile.Read(ref _current);

    /// <summary>Refreshes that replaced the snapshot.</summary>
    public long SucceededRefreshes => Interlocked.Read(ref _succeeded);

    /// <summary>Refreshes that failed and kept the previous snapshot.</summary>
    public long FailedRefreshes => Interlocked.Read(ref _failed);

    /// <summary>Lists the cluster now and, when every list succeeds, replaces <see cref="Current"/>. Returns false (and
    /// keeps the previous snapshot) when a list fails; a cancelled <paramref name="cancellationToken"/> throws.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        // Two refreshes may overlap (the loop and a caller); the one started later wins, whichever ends first.
        var sequence = Interlocked.Increment(ref _started);
        var lists = new Lists();
        string? failure;
        try
        {
            failure = await ListEverythingAsync(lists, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An answer the client cannot read (a malformed custom object, say) fails this refresh, not the host.
            failure = $"{ex.GetType().Name}: {ex.Message}";
        }

        if (failure is not null)
        {
            var failed = Interlocked.Increment(ref _failed);
            _refreshCounter?.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            var asOf = Current.AsOf?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "none (empty view)";
            ClusterViewLog.RefreshFailed(_logger, failure, failed, asOf);
            return false;
        }

        var view = ClusterViewBuilder.Build(lists.Pods, lists.Nodes, lists.Deployments, lists.ReplicaSets, lists.VirtualServices, lists.DestinationRules, _time.GetUtcNow());
        if (!Publish(sequence, view))
        {
            return false;
        }

        Interlocked.Increment(ref _succeeded);
        _refreshCounter?.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
        ClusterViewLog.Refreshed(_logger, view.Pods.Count, view.Nodes.Count, view.Workloads.Count, view.VirtualServices.Count);
        return true;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RefreshInterval, _time);
        try
        {
            do
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    /// <summary>Replaces the snapshot unless a refresh started later already published one.</summary>
    private bool Publish(long sequence, ClusterView view)
    {
        lock (_publishGate)
        {
            if (sequence < _published)
            {
                return false;
            }

            _published = sequence;
            Volatile.Write(ref _current, view);
            return true;
        }
    }

    /// <summary>Lists every kind into <paramref name="into"/>; returns the first failure, or null.</summary>
    private async Task<string?> ListEverythingAsync(Lists into, CancellationToken cancellationToken)
    {
        var pageSize = _options.PageSize;
        return await ListPerNamespaceAsync(
                "pods",
                into.Pods,
                (ns, cont, t) => ns is null
                    ? _client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: cont, limit: pageSize, cancellationToken: t)
                    : _client.CoreV1.ListNamespacedPodAsync(ns, continueParameter: cont, limit: pageSize, cancellationToken: t),
                l => (l.Items, l.Metadata?.ContinueProperty),
                cancellationToken).ConfigureAwait(false)
            ?? await ListAsync(
                "nodes",
                into.Nodes,
                (cont, t) => _client.CoreV1.ListNodeAsync(continueParameter: cont, limit: pageSize, cancellationToken: t),
                l => (l.Items, l.Metadata?.ContinueProperty),
                cancellationToken).ConfigureAwait(false)
            ?? await ListPerNamespaceAsync(
                "deployments",
                into.Deployments,
                (ns, cont, t) => ns is null
                    ? _client.AppsV1.ListDeploymentForAllNamespacesAsync(continueParameter: cont, limit: pageSize, cancellationToken: t)
                    : _client.AppsV1.ListNamespacedDeploymentAsync(ns, continueParameter: cont, limit: pageSize, cancellationToken: t),
                l => (l.Items, l.Metadata?.ContinueProperty),
                cancellationToken).ConfigureAwait(false)
            ?? await ListPerNamespaceAsync(
                "replicasets",
                into.ReplicaSets,
                (ns, cont, t) => ns is null
                    ? _client.AppsV1.ListReplicaSetForAllNamespacesAsync(continueParameter: cont, limit: pageSize, cancellationToken: t)
                    : _client.AppsV1.ListNamespacedReplicaSetAsync(ns, continueParameter: cont, limit: pageSize, cancellationToken: t),
                l => (l.Items, l.Metadata?.ContinueProperty),
                cancellationToken).ConfigureAwait(false)
            ?? await ListIstioAsync(VirtualService.Plural, into.VirtualServices, cancellationToken).ConfigureAwait(false)
            ?? await ListIstioAsync(DestinationRule.Plural, into.DestinationRules, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists across all namespaces, or each configured namespace in turn; returns the first failure, or null.</summary>
    private async Task<string?> ListPerNamespaceAsync<T, TList>(
        string what,
        List<T> into,
        Func<string?, string?, CancellationToken, Task<TList>> page,
        Func<TList, (IList<T>? Items, string? Continue)> parts,
        CancellationToken cancellationToken,
        bool absentIsEmpty = false)
    {
        if (_options.Namespaces.Count == 0)
        {
            return await ListAsync(what, into, (cont, t) => page(null, cont, t), parts, cancellationToken, absentIsEmpty).ConfigureAwait(false);
        }

        foreach (var ns in _options.Namespaces.Distinct(StringComparer.Ordinal))
        {
            if (await ListAsync($"{what} in {ns}", into, (cont, t) => page(ns, cont, t), parts, cancellationToken, absentIsEmpty).ConfigureAwait(false) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    /// <summary>Lists every page of one list into <paramref name="into"/>; returns the failure, or null.</summary>
    private async Task<string?> ListAsync<T, TList>(
        string what,
        List<T> into,
        Func<string?, CancellationToken, Task<TList>> page,
        Func<TList, (IList<T>? Items, string? Continue)> parts,
        CancellationToken cancellationToken,
        bool absentIsEmpty = false)
    {
        string? cont = null;
        do
        {
            var token = cont;
            var result = await _caller.CallAsync(t => page(token, t), cancellationToken).ConfigureAwait(false);
            if (!result.Ok)
            {
                // A resource that is not served (Istio not installed) has nothing to route: empty, not an error.
                return absentIsEmpty && result.HttpStatus == 404 ? null
                    : result.HttpStatus == 0 ? $"list {what}: {result.Message}"
                    : $"list {what}: HTTP {result.HttpStatus}: {result.Message}";
            }

            var (items, next) = parts(result.Value!);
            into.AddRange(items ?? []);
            cont = string.IsNullOrEmpty(next) ? null : next;
        }
        while (cont is not null);

        return null;
    }

    /// <summary>Lists an Istio <c>networking.istio.io/v1</c> resource; a cluster without it lists nothing.</summary>
    private Task<string?> ListIstioAsync<T>(string plural, List<T> into, CancellationToken cancellationToken)
    {
        var pageSize = _options.PageSize;
        return ListPerNamespaceAsync<T, CustomObjectList<T>>(
            plural,
            into,
            (ns, cont, t) => ns is null
                ? _client.CustomObjects.ListClusterCustomObjectAsync<CustomObjectList<T>>(VirtualService.Group, VirtualService.Version, plural, continueParameter: cont, limit: pageSize, cancellationToken: t)
                : _client.CustomObjects.ListNamespacedCustomObjectAsync<CustomObjectList<T>>(VirtualService.Group, VirtualService.Version, ns, plural, continueParameter: cont, limit: pageSize, cancellationToken: t),
            l => (l.Items, l.Metadata?.ContinueProperty),
            cancellationToken,
            absentIsEmpty: true);
    }

    /// <summary>What one refresh lists.</summary>
    private sealed class Lists
    {
        public List<V1Pod> Pods { get; } = [];

        public List<V1Node> Nodes { get; } = [];

        public List<V1Deployment> Deployments { get; } = [];

        public List<V1ReplicaSet> ReplicaSets { get; } = [];

        public List<VirtualService> VirtualServices { get; } = [];

        public List<DestinationRule> DestinationRules { get; } = [];
    }
}
