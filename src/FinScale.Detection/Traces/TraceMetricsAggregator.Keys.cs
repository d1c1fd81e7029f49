using FinScale.Contracts;

namespace FinScale.Detection.Traces;

/// <content>Aggregation keys: interned into the catalog once per key (not per window) and looked up per span without building text.</content>
public sealed partial class TraceMetricsAggregator<TToken>
{
    private const string UnknownService = "unknown_service";

    private readonly SeriesKeyBuilder _keyBuilder = new();

    /// <summary>Resource objects seen (value equality) to their instance; the decoder shares one object per resource, so the last one is checked by reference first.</summary>
    private readonly Dictionary<SpanResource, InstanceNode> _resources = [];

    /// <summary>Instances by their normalized identity, so resources differing only in null versus empty share series.</summary>
    private readonly Dictionary<InstanceId, InstanceNode> _instances = [];

    private readonly Dictionary<ServiceId, ServiceNode> _services = [];

    /// <summary>RED keys by id (the id a window slot refers to).</summary>
    private readonly List<RedKey> _redKeys = [];

    private readonly Dictionary<EdgeId, EdgeKey> _edgeIds = [];

    /// <summary>Edge keys by id.</summary>
    private readonly List<EdgeKey> _edgeKeys = [];

    private SpanResource? _lastResource;
    private InstanceNode? _lastInstance;

    private static string? Present(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private InstanceNode InstanceFor(SpanResource resource)
    {
        if (ReferenceEquals(resource, _lastResource))
            return _lastInstance!;
        if (!_resources.TryGetValue(resource, out var node))
        {
            var id = new InstanceId(
                Present(resource.ServiceName) ?? UnknownService,
                Present(resource.Namespace),
                Present(resource.Deployment),
                Present(resource.Pod),
                Present(resource.Node),
                Present(resource.Version));
            if (!_instances.TryGetValue(id, out node))
            {
                var serviceId = new ServiceId(id.Service, id.Namespace);
                if (!_services.TryGetValue(serviceId, out var service))
                {
                    service = new ServiceNode(serviceId);
                    _services.Add(serviceId, service);
                }

                // Without any instance attribute the instance series would be the service series itself.
                var distinct = _emitInstances && (id.Deployment ?? id.Pod ?? id.Node ?? id.Version) is not null;
                node = new InstanceNode(id, service, distinct);
                _instances.Add(id, node);
            }

            _resources.Add(resource, node);
        }

        _lastResource = resource;
        _lastInstance = node;
        return node;
    }

    /// <summary>The keys a span of this resource, name, kind and status counts into. Keys the catalog refused entirely are not cached (memory stays bounded by the catalog's cap); they are retried per span.</summary>
    private Op OpFor(SpanResource resource, string name, SpanKind kind, SpanStatus status)
    {
        var node = InstanceFor(resource);
        var opId = new OpId(name, kind, status);
        if (node.Ops.TryGetValue(opId, out var op))
            return op;

        var service = node.Service;
        if (!service.Keys.TryGetValue(opId, out var serviceKey))
        {
            serviceKey = CreateRedKey(service.Id, null, opId, service.Groups);
            if (serviceKey is not null)
                service.Keys.Add(opId, serviceKey);
        }

        var instanceKey = node.Distinct ? CreateRedKey(service.Id, node.Id, opId, node.Groups) : null;
        op = new Op(serviceKey, instanceKey);
        if (serviceKey is not null || instanceKey is not null)
            node.Ops.Add(opId, op);
        return op;
    }

    private RedKey? CreateRedKey(ServiceId service, InstanceId? instance, OpId op, Dictionary<(string, SpanKind), ErrorGroup> groups)
    {
        StartIdentity(service, instance, op.Name, op.Kind);
        _keyBuilder.Add(TraceMetricNames.StatusCodeAttribute, TraceMetricNames.StatusText(op.Status));
        var calls = Intern(TraceMetricNames.Calls);
        var mean = Intern(TraceMetricNames.DurationMean);
        var p50 = Intern(TraceMetricNames.DurationP50);
        var p90 = Intern(TraceMetricNames.DurationP90);
        var p99 = Intern(TraceMetricNames.DurationP99);
        if (calls < 0 && mean < 0 && p50 < 0 && p90 < 0 && p99 < 0)
            return null;

        if (!groups.TryGetValue((op.Name, op.Kind), out var group))
        {
            StartIdentity(service, instance, op.Name, op.Kind);
            group = new ErrorGroup(Intern(TraceMetricNames.ErrorRatio));
            groups.Add((op.Name, op.Kind), group);
        }

        var key = new RedKey(_redKeys.Count, op.Status, calls, mean, p50, p90, p99, group);
        _redKeys.Add(key);
        return key;
    }

    /// <summary>Sets the builder's attributes to the RED identity (no status, no metric yet).</summary>
    private void StartIdentity(ServiceId service, InstanceId? instance, string name, SpanKind kind)
    {
        var b = _keyBuilder;
        b.Clear();
        b.Add(WellKnownAttributes.ServiceName, service.Service);
        if (service.Namespace is not null)
            b.Add(WellKnownAttributes.Namespace, service.Namespace);
        b.Add(TraceMetricNames.SpanNameAttribute, name);
        b.Add(TraceMetricNames.SpanKindAttribute, TraceMetricNames.KindText(kind));
        if (instance is { } i)
        {
            if (i.Pod is not null)
                b.Add(WellKnownAttributes.PodName, i.Pod);
            if (i.Node is not null)
                b.Add(WellKnownAttributes.NodeName, i.Node);
            if (i.Version is not null)
                b.Add(WellKnownAttributes.ServiceVersion, i.Version);
            if (i.Deployment is not null)
                b.Add(WellKnownAttributes.Deployment, i.Deployment);
        }
    }

    private EdgeKey? EdgeFor(in EdgeId id)
    {
        if (_edgeIds.TryGetValue(id, out var key))
            return key;
        var b = _keyBuilder;
        b.Clear();
        b.Add(TraceMetricNames.ClientAttribute, id.Client);
        b.Add(TraceMetricNames.ServerAttribute, id.Server);
        if (id.ClientNamespace is not null)
            b.Add(TraceMetricNames.ClientNamespaceAttribute, id.ClientNamespace);
        if (id.ServerNamespace is not null)
            b.Add(TraceMetricNames.ServerNamespaceAttribute, id.ServerNamespace);
        if (id.Connection is { } connection)
            b.Add(TraceMetricNames.ConnectionTypeAttribute, connection);
        var calls = Intern(TraceMetricNames.GraphCalls);
        var failed = Intern(TraceMetricNames.GraphFailed);
        var serverP99 = Intern(TraceMetricNames.GraphServerDurationP99);
        var clientP99 = Intern(TraceMetricNames.GraphClientDurationP99);
        var serverMean = Intern(TraceMetricNames.GraphServerDurationMean);
        if (calls < 0 && failed < 0 && serverP99 < 0 && clientP99 < 0 && serverMean < 0)
            return null;
        key = new EdgeKey(_edgeKeys.Count, calls, failed, serverP99, clientP99, serverMean);
        _edgeKeys.Add(key);
        _edgeIds.Add(id, key);
        return key;
    }

    private int Intern(string metric)
    {
        _keyBuilder.SetMetric(metric);
        var id = _catalog.GetOrAdd(_keyBuilder.Build());
        if (id < 0)
            _seriesRefused++;
        return id;
    }

    /// <summary>service.name and namespace: the service-level identity.</summary>
    private readonly record struct ServiceId(string Service, string? Namespace);

    /// <summary>Every identifying resource attribute, absent ones null.</summary>
    private readonly record struct InstanceId(string Service, string? Namespace, string? Deployment, string? Pod, string? Node, string? Version);

    /// <summary>What a span adds to the key besides its resource.</summary>
    private readonly record struct OpId(string Name, SpanKind Kind, SpanStatus Status);

    /// <summary>One service-graph edge; <see cref="Connection"/> is null for a plain client/server pair.</summary>
    private readonly record struct EdgeId(string Client, string? ClientNamespace, string Server, string? ServerNamespace, string? Connection);

    /// <summary>The keys of one (resource, name, kind, status); either may be null when not emitted or refused.</summary>
    private sealed record Op(RedKey? Service, RedKey? Instance);

    private sealed class ServiceNode(ServiceId id)
    {
        public ServiceId Id { get; } = id;

        public Dictionary<OpId, RedKey> Keys { get; } = [];

        public Dictionary<(string, SpanKind), ErrorGroup> Groups { get; } = [];
    }

    private sealed class InstanceNode(InstanceId id, ServiceNode service, bool distinct)
    {
        public InstanceId Id { get; } = id;

        public ServiceNode Service { get; } = service;

        /// <summary>Whether instance-level series are emitted for it (enabled and it has an instance attribute).</summary>
        public bool Distinct { get; } = distinct;

        public Dictionary<OpId, Op> Ops { get; } = [];

        public Dictionary<(string, SpanKind), ErrorGroup> Groups { get; } = [];
    }

    /// <summary>One RED aggregation key with its series ids (-1 where refused).</summary>
    private sealed class RedKey(int id, SpanStatus status, int calls, int mean, int p50, int p90, int p99, ErrorGroup group)
    {
        public readonly int Id = id;
        public readonly SpanStatus Status = status;
        public readonly int Calls = calls;
        public readonly int Mean = mean;
        public readonly int P50 = p50;
        public readonly int P90 = p90;
        public readonly int P99 = p99;
        public readonly ErrorGroup Group = group;
        public long CachedWindow = long.MinValue;
        public int CachedSlot;
    }

    /// <summary>The keys of every status of one (identity, name, kind): one error-ratio series, summed at emission.</summary>
    private sealed class ErrorGroup(int ratio)
    {
        public readonly int Ratio = ratio;
        public long Stamp;
        public long Calls;
        public long Errors;

        /// <summary>Duration and ids of the slowest span of the window over the group's keys (scratch, like the sums).</summary>
        public (double Ms, SpanRef Example)? Slowest;

        /// <summary>Likewise over its ERROR keys only: the error ratio's example when the window had an error.</summary>
        public (double Ms, SpanRef Example)? SlowestError;
    }

    /// <summary>One edge key with its series ids (-1 where refused).</summary>
    private sealed class EdgeKey(int id, int calls, int failed, int serverP99, int clientP99, int serverMean)
    {
        public readonly int Id = id;
        public readonly int Calls = calls;
        public readonly int Failed = failed;
        public readonly int ServerP99 = serverP99;
        public readonly int ClientP99 = clientP99;
        public readonly int ServerMean = serverMean;
        public long CachedWindow = long.MinValue;
        public int CachedSlot;
    }
}
