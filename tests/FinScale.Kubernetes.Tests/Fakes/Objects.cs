using System.Text.Json.Nodes;

namespace FinScale.Kubernetes.Tests.Fakes;

/// <summary>Builders of the objects the tests store in the fake server.</summary>
internal static class Objects
{
    public static JsonObject Pod(string ns, string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = "checkout" } },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "checkout:1" }) },
    };

    public static JsonObject Deployment(string ns, string name, int replicas) => new()
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
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name }, ["annotations"] = new JsonObject { ["team"] = "payments" } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = name + ":1" }) },
            },
        },
        ["status"] = new JsonObject { ["replicas"] = replicas },
    };

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

    /// <summary>A VirtualService with one matched route (header match kept as an unmodelled field) over stable and canary.</summary>
    public static JsonObject VirtualService(string ns, string name, int stable = 90, int canary = 10) => new()
    {
        ["apiVersion"] = "networking.istio.io/v1",
        ["kind"] = "VirtualService",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["hosts"] = new JsonArray("checkout"),
            ["http"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "primary",
                    ["match"] = new JsonArray(new JsonObject { ["uri"] = new JsonObject { ["prefix"] = "/pay" } }),
                    ["timeout"] = "5s",
                    ["route"] = new JsonArray(
                        new JsonObject { ["destination"] = new JsonObject { ["host"] = "checkout", ["subset"] = "stable", ["port"] = new JsonObject { ["number"] = 8080 } }, ["weight"] = stable },
                        new JsonObject { ["destination"] = new JsonObject { ["host"] = "checkout", ["subset"] = "canary" }, ["weight"] = canary }),
                }),
        },
    };
}
