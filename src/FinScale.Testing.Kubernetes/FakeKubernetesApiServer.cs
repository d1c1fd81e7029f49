using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FinScale.Testing.Kubernetes;

/// <summary>An in-process Kubernetes API server (Kestrel on loopback) that keeps objects in memory with a
/// resourceVersion and answers what the executors, the cluster view and the lease lock call: GET, LIST (all namespaces or
/// one, with <c>limit</c>/<c>continue</c> paging and the list's resourceVersion), POST, PUT, PATCH (merge, strategic
/// merge, JSON patch), 404 for missing objects, 409 on a resourceVersion conflict, 429 for evictions a configured
/// PodDisruptionBudget blocks, <c>dryRun=All</c>, the deployment scale subresource, custom objects and Leases.
/// Faults (a status, a delay) can be injected for the next N matching requests. Every request is recorded.</summary>
public sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    /// <summary>Every request any fake server received in this test run (for the RBAC check).</summary>
    public static readonly ConcurrentQueue<ApiRequest> AllRequests = new();

    private readonly object _gate = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pdbBlocked = new(StringComparer.Ordinal);
    private readonly List<Fault> _faults = [];
    private readonly WebApplication _app;
    private long _resourceVersion = 1000;

    private FakeKubernetesApiServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the server listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The requests this server received, in order.</summary>
    public ConcurrentQueue<ApiRequest> Requests { get; } = new();

    /// <summary>The writes this server applied (2xx, not dry-run), in order, with the body each carried.</summary>
    public ConcurrentQueue<ApiWrite> Writes { get; } = new();

    /// <summary>Called (outside the server's lock) after each write was applied, with what <see cref="Writes"/> records.</summary>
    public Action<ApiWrite>? AfterWrite { get; set; }

    /// <summary>Called (under the server's lock) before each write is applied; tests use it to simulate a concurrent writer.</summary>
    public Action<ApiRequest>? BeforeWrite { get; set; }

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<FakeKubernetesApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeKubernetesApiServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeKubernetesApiServer(app, new Uri(address));
        return server;
    }

    /// <summary>A real KubernetesClient pointed at this server.</summary>
    public IKubernetes CreateClient() => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = BaseAddress.ToString() });

    /// <summary>Stores <paramref name="obj"/> (its metadata.name and namespace) under a fresh resourceVersion.</summary>
    public void Add(string group, string resource, JsonObject obj)
    {
        var meta = obj["metadata"]!.AsObject();
        var key = Key(group, resource, meta["namespace"]?.GetValue<string>(), meta["name"]!.GetValue<string>());
        lock (_gate)
        {
            meta["resourceVersion"] = NextResourceVersion();
            _objects[key] = obj;
        }
    }

    /// <summary>A copy of the stored object, or null.</summary>
    public JsonObject? Get(string group, string resource, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(Key(group, resource, ns, name), out var o) ? o.DeepClone().AsObject() : null;
        }
    }

    /// <summary>Changes a stored object as another writer would (bumping its resourceVersion). Callable from <see cref="BeforeWrite"/>.</summary>
    public void Mutate(string group, string resource, string? ns, string name, Action<JsonObject> change)
    {
        lock (_gate)
        {
            var o = _objects[Key(group, resource, ns, name)];
            change(o);
            o["metadata"]!["resourceVersion"] = NextResourceVersion();
        }
    }

    /// <summary>Removes a stored object.</summary>
    public void Remove(string group, string resource, string? ns, string name)
    {
        lock (_gate)
        {
            _objects.Remove(Key(group, resource, ns, name));
        }
    }

    /// <summary>Makes evictions of the pod fail with 429 as a PodDisruptionBudget named <paramref name="pdb"/> would.</summary>
    public void BlockEviction(string ns, string pod, string pdb)
    {
        lock (_gate)
        {
            _pdbBlocked[$"{ns}/{pod}"] = pdb;
        }
    }

    /// <summary>Lets evictions of the pod through again, as when its PodDisruptionBudget allows a disruption again.</summary>
    public void UnblockEviction(string ns, string pod)
    {
        lock (_gate)
        {
            _pdbBlocked.Remove($"{ns}/{pod}");
        }
    }

    /// <summary>The next <paramref name="times"/> requests matching <paramref name="match"/> wait <paramref name="delay"/>
    /// (if set) and then answer <paramref name="status"/> (if set) instead of being served.</summary>
    public void InjectFault(int times, int? status = null, TimeSpan? delay = null, Func<ApiRequest, bool>? match = null, string? retryAfter = null)
    {
        lock (_gate)
        {
            _faults.Add(new Fault(match ?? (_ => true), status, delay, retryAfter) { Remaining = times });
        }
    }

    /// <summary>The next <paramref name="times"/> requests matching <paramref name="match"/> are served (their change
    /// applied) but the answer is held back for <paramref name="delay"/>: a write that succeeded and whose answer was lost.</summary>
    public void DelayAnswer(int times, TimeSpan delay, Func<ApiRequest, bool>? match = null)
    {
        lock (_gate)
        {
            _faults.Add(new Fault(match ?? (_ => true), null, delay, null) { Remaining = times, AfterServe = true });
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string Key(string group, string resource, string? ns, string name) => $"{group}/{resource}/{ns}/{name}";

    private string NextResourceVersion() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private async Task HandleAsync(HttpContext context)
    {
        var request = Parse(context.Request);
        if (request is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"the server could not find the requested resource {context.Request.Path}");
            return;
        }

        Requests.Enqueue(request);
        AllRequests.Enqueue(request);

        Fault? fault;
        lock (_gate)
        {
            fault = _faults.FirstOrDefault(f => f.Remaining > 0 && f.Match(request));
            if (fault is not null)
            {
                fault.Remaining--;
            }
        }

        if (fault is { AfterServe: false, Delay: { } delay })
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (fault?.Status is { } injected)
        {
            if (fault.RetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = fault.RetryAfter;
            }

            await WriteStatusAsync(context, injected, injected == 429 ? "TooManyRequests" : "InternalError", $"injected {injected}");
            return;
        }

        string body;
        using (var reader = new StreamReader(context.Request.Body))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        (int Status, JsonNode Body) answer;
        try
        {
            lock (_gate)
            {
                answer = request.Verb == "list" ? List(request, context.Request.Query) : Serve(request, body);
            }
        }
        catch (PatchException ex)
        {
            answer = (ex.Status, Status(ex.Status, ex.Status == 409 ? "Conflict" : "Invalid", ex.Message));
        }

        if (request.Verb is "create" or "patch" or "update" && !request.DryRun && answer.Status is >= 200 and < 300)
        {
            var token = context.Request.Headers.Authorization.ToString();
            var write = new ApiWrite(request, answer.Status, body, token.StartsWith("Bearer ", StringComparison.Ordinal) ? token["Bearer ".Length..] : null);
            Writes.Enqueue(write);
            AfterWrite?.Invoke(write);
        }

        if (fault is { AfterServe: true, Delay: { } held })
        {
            try
            {
                await Task.Delay(held, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.Body.ToJsonString(), context.RequestAborted);
    }

    private (int, JsonNode) Serve(ApiRequest r, string body)
    {
        var key = Key(r.Group, r.Resource, r.Namespace, r.Name ?? string.Empty);
        _objects.TryGetValue(key, out var current);
        var what = $"{r.Resource}{(r.Group.Length == 0 ? string.Empty : "." + r.Group)} \"{r.Name}\"";

        if (r.Verb is "patch" or "update" or "create")
        {
            BeforeWrite?.Invoke(r);
            _objects.TryGetValue(key, out current);
        }

        switch (r.Verb, r.Subresource)
        {
            case ("create", "eviction"):
                if (current is null)
                {
                    return (404, Status(404, "NotFound", $"pods \"{r.Name}\" not found"));
                }

                if (_pdbBlocked.TryGetValue($"{r.Namespace}/{r.Name}", out var pdb))
                {
                    var status = Status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.");
                    status["details"] = new JsonObject
                    {
                        ["causes"] = new JsonArray(new JsonObject { ["reason"] = "DisruptionBudget", ["message"] = $"The disruption budget {pdb} needs 1 healthy pods and has 1 currently" }),
                    };
                    return (429, status);
                }

                if (!r.DryRun)
                {
                    _objects.Remove(key);
                }

                var ok = Status(201, string.Empty, string.Empty);
                ok["status"] = "Success";
                return (201, ok);

            case ("get", null):
                return current is null ? NotFound(what) : (200, current.DeepClone());

            case ("get", "scale"):
                return current is null ? NotFound(what) : (200, ScaleOf(current));

            case ("patch", "scale"):
            {
                if (current is null)
                {
                    return NotFound(what);
                }

                var scale = ApplyPatch(ScaleOf(current), body, r.ContentType);
                var replicas = scale["spec"]?["replicas"];
                if (replicas is null || !int.TryParse(replicas.ToJsonString(), out var n) || n < 0)
                {
                    return (422, Status(422, "Invalid", "spec.replicas: Invalid value: must be greater than or equal to 0"));
                }

                var updated = current.DeepClone().AsObject();
                updated["spec"]!["replicas"] = n;
                return (200, Store(key, updated, current, scale, r.DryRun, d => ScaleOf(d)));
            }

            case ("patch", null):
            {
                if (current is null)
                {
                    return NotFound(what);
                }

                var patched = ApplyPatch(current.DeepClone().AsObject(), body, r.ContentType);
                var invalid = Validate(patched);
                return invalid is not null
                    ? (422, Status(422, "Invalid", invalid))
                    : (200, Store(key, patched, current, patched, r.DryRun, d => d.DeepClone()));
            }

            case ("update", null):
            {
                if (current is null)
                {
                    return NotFound(what);
                }

                var replacement = JsonNode.Parse(body)!.AsObject();
                return (200, Store(key, replacement, current, replacement, r.DryRun, d => d.DeepClone()));
            }

            case ("create", null):
            {
                var created = JsonNode.Parse(body)!.AsObject();
                var meta = created["metadata"]!.AsObject();
                var name = meta["name"]!.GetValue<string>();
                key = Key(r.Group, r.Resource, r.Namespace, name);
                if (_objects.ContainsKey(key))
                {
                    return (409, Status(409, "AlreadyExists", $"{r.Resource} \"{name}\" already exists"));
                }

                meta["namespace"] = r.Namespace;
                meta["resourceVersion"] = r.DryRun ? "0" : NextResourceVersion();
                meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
                if (!r.DryRun)
                {
                    _objects[key] = created;
                }

                return (201, created.DeepClone());
            }

            default:
                return (405, Status(405, "MethodNotAllowed", $"{r.Method} {r.RbacResource} is not served by the fake"));
        }
    }

    /// <summary>A list of every stored object of the request's resource (in its namespace, when it names one), ordered
    /// by namespace and name; <c>limit</c> pages it and <c>continue</c> (an offset here) resumes.</summary>
    private (int, JsonNode) List(ApiRequest r, IQueryCollection query)
    {
        var prefix = r.Namespace is null ? $"{r.Group}/{r.Resource}/" : $"{r.Group}/{r.Resource}/{r.Namespace}/";
        var all = _objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Value)
            .ToList();
        var offset = int.TryParse(query["continue"], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        var page = all.Skip(offset).Take(limit).ToList();
        var meta = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (offset + page.Count < all.Count)
        {
            meta["continue"] = (offset + page.Count).ToString(CultureInfo.InvariantCulture);
        }

        var items = new JsonArray();
        foreach (var item in page)
        {
            items.Add(item.DeepClone());
        }

        return (200, new JsonObject
        {
            ["apiVersion"] = r.Group.Length == 0 ? r.Version : $"{r.Group}/{r.Version}",
            ["kind"] = "List",
            ["metadata"] = meta,
            ["items"] = items,
        });
    }

    /// <summary>Checks the resourceVersion the write carries (409 when stale), then stores the result unless dry-run.</summary>
    private JsonNode Store(string key, JsonObject updated, JsonObject current, JsonObject written, bool dryRun, Func<JsonObject, JsonNode> answer)
    {
        var sent = written["metadata"]?["resourceVersion"]?.GetValue<string>();
        var now = current["metadata"]!["resourceVersion"]!.GetValue<string>();
        if (sent is not null && sent != now)
        {
            throw new PatchException(409, $"Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again (sent {sent}, current {now})");
        }

        updated["metadata"]!["resourceVersion"] = dryRun ? now : NextResourceVersion();
        if (!dryRun)
        {
            _objects[key] = updated;
        }

        return answer(updated);
    }

    private static JsonObject ApplyPatch(JsonObject target, string body, string? contentType)
    {
        var patch = JsonNode.Parse(body);
        var media = contentType?.Split(';')[0].Trim();
        return media switch
        {
            "application/merge-patch+json" => JsonPatching.Merge(target, patch)!.AsObject(),
            "application/strategic-merge-patch+json" => JsonPatching.StrategicMerge(target, patch)!.AsObject(),
            "application/json-patch+json" => JsonPatching.Apply(target, patch!.AsArray()).AsObject(),
            _ => throw new PatchException(415, $"unsupported patch content type {contentType}"),
        };
    }

    /// <summary>The server-side validation these tests rely on.</summary>
    private static string? Validate(JsonObject o)
    {
        if (o["spec"]?["unschedulable"] is { } u && u.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
        {
            return "spec.unschedulable: must be a boolean";
        }

        foreach (var http in o["spec"]?["http"]?.AsArray() ?? [])
        {
            foreach (var d in http?["route"]?.AsArray() ?? [])
            {
                if (d?["weight"] is { } w && (w.GetValue<int>() is < 0 or > 100))
                {
                    return "spec.http.route.weight: must be between 0 and 100";
                }
            }
        }

        return null;
    }

    private static JsonObject ScaleOf(JsonObject deployment) => new()
    {
        ["kind"] = "Scale",
        ["apiVersion"] = "autoscaling/v1",
        ["metadata"] = new JsonObject
        {
            ["name"] = deployment["metadata"]!["name"]!.DeepClone(),
            ["namespace"] = deployment["metadata"]!["namespace"]?.DeepClone(),
            ["resourceVersion"] = deployment["metadata"]!["resourceVersion"]!.DeepClone(),
        },
        ["spec"] = new JsonObject { ["replicas"] = deployment["spec"]?["replicas"]?.DeepClone() ?? 1 },
        ["status"] = new JsonObject { ["replicas"] = deployment["status"]?["replicas"]?.DeepClone() ?? 0 },
    };

    private static (int, JsonNode) NotFound(string what) => (404, Status(404, "NotFound", $"{what} not found"));

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Status(code, reason, message).ToJsonString(), context.RequestAborted);
    }

    /// <summary>/api/v1/... and /apis/{group}/{version}/... into RBAC terms.</summary>
    private static ApiRequest? Parse(HttpRequest request)
    {
        var segments = (request.Path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        string[] rest;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, version, rest) = (string.Empty, segments[1], segments[2..]);
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            ns = rest[1];
            rest = rest[2..];
        }

        if (rest.Length == 0)
        {
            return null;
        }

        var name = rest.Length > 1 ? rest[1] : null;
        var sub = rest.Length > 2 ? rest[2] : null;
        var verb = request.Method switch
        {
            "GET" => name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
        var dryRun = string.Equals(request.Query["dryRun"], "All", StringComparison.Ordinal);
        return new ApiRequest(request.Method, verb, group, version, rest[0], sub, ns, name, dryRun, request.ContentType);
    }

    private sealed class Fault(Func<ApiRequest, bool> match, int? status, TimeSpan? delay, string? retryAfter)
    {
        public Func<ApiRequest, bool> Match { get; } = match;

        public int? Status { get; } = status;

        public TimeSpan? Delay { get; } = delay;

        public string? RetryAfter { get; } = retryAfter;

        public int Remaining { get; set; }

        public bool AfterServe { get; init; }
    }
}
