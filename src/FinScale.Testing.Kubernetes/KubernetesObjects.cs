using System.Text.Json.Nodes;

namespace FinScale.Testing.Kubernetes;

/// <summary>Builders of the objects tests store in <see cref="FakeKubernetesApiServer"/>, shaped as the API serves them.</summary>
public static class KubernetesObjects
{
    /// <summary>A pod with label <c>app=checkout</c>; optionally scheduled on <paramref name="node"/>, with extra
    /// <paramref name="labels"/>, owned by the ReplicaSet <paramref name="ownerReplicaSet"/>, and Ready or not.</summary>
    public static JsonObject Pod(string ns, string name, string? node = null, IReadOnlyDictionary<string, string>? labels = null, string? ownerReplicaSet = null, bool ready = true)
    {
        var meta = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = Map(labels ?? new Dictionary<string, string> { ["app"] = "checkout" }) };
        if (ownerReplicaSet is not null)
        {
            meta["ownerReferences"] = new JsonArray(Owner("apps/v1", "ReplicaSet", ownerReplicaSet));
        }

        var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "checkout:1" }) };
        if (node is not null)
        {
            spec["nodeName"] = node;
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = meta,
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            },
        };
    }

    /// <summary>A deployment whose pod template carries <c>app=</c><paramref name="name"/> (or <paramref name="templateLabels"/>).</summary>
    public static JsonObject Deployment(string ns, string name, int replicas, IReadOnlyDictionary<string, string>? templateLabels = null) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = Map(templateLabels ?? new Dictionary<string, string> { ["app"] = name }), ["annotations"] = new JsonObject { ["team"] = "payments" } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = name + ":1" }) },
            },
        },
        ["status"] = new JsonObject { ["replicas"] = replicas },
    };

    /// <summary>A ReplicaSet owned by the deployment <paramref name="ownerDeployment"/> (none when null).</summary>
    public static JsonObject ReplicaSet(string ns, string name, string? ownerDeployment)
    {
        var meta = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (ownerDeployment is not null)
        {
            meta["ownerReferences"] = new JsonArray(Owner("apps/v1", "Deployment", ownerDeployment));
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["replicas"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "checkout" } } },
        };
    }

    /// <summary>A node, cordoned when <paramref name="unschedulable"/>.</summary>
    public static JsonObject Node(string name, bool unschedulable = false)
    {
        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name } },
            ["spec"] = new JsonObject { ["podCIDR"] = "10.0.0.0/24" },
        };
        if (unschedulable)
        {
            node["spec"]!["unschedulable"] = true;
        }

        return node;
    }

    /// <summary>A VirtualService for host <paramref name="host"/> with one matched route (header match kept as an
    /// unmodelled field) over the subsets stable and canary.</summary>
    public static JsonObject VirtualService(string ns, string name, int stable = 90, int canary = 10, string host = "checkout") => new()
    {
        ["apiVersion"] = "networking.istio.io/v1",
        ["kind"] = "VirtualService",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["hosts"] = new JsonArray(host),
            ["http"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "primary",
                    ["match"] = new JsonArray(new JsonObject { ["uri"] = new JsonObject { ["prefix"] = "/pay" } }),
                    ["timeout"] = "5s",
                    ["route"] = new JsonArray(
                        new JsonObject { ["destination"] = new JsonObject { ["host"] = host, ["subset"] = "stable", ["port"] = new JsonObject { ["number"] = 8080 } }, ["weight"] = stable },
                        new JsonObject { ["destination"] = new JsonObject { ["host"] = host, ["subset"] = "canary" }, ["weight"] = canary }),
                }),
        },
    };

    /// <summary>A DestinationRule for <paramref name="host"/> whose subsets select pods by their <c>version</c> label
    /// (subset name → version).</summary>
    public static JsonObject DestinationRule(string ns, string name, string host, IReadOnlyDictionary<string, string> subsetVersions)
    {
        ArgumentNullException.ThrowIfNull(subsetVersions);
        var subsets = new JsonArray();
        foreach (var (subset, version) in subsetVersions)
        {
            subsets.Add(new JsonObject { ["name"] = subset, ["labels"] = new JsonObject { ["version"] = version } });
        }

        return new JsonObject
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = "DestinationRule",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["host"] = host, ["subsets"] = subsets },
        };
    }

    private static JsonObject Map(IReadOnlyDictionary<string, string> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values)
        {
            o[k] = v;
        }

        return o;
    }

    private static JsonObject Owner(string apiVersion, string kind, string name) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = name,
        ["uid"] = $"uid-{kind}-{name}",
        ["controller"] = true,
    };
}
