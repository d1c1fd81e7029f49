using System.Text.Json.Nodes;

namespace FinScale.Testing.Kubernetes;

/// <summary>The three patch formats the API server accepts, over JsonNode documents.</summary>
internal static class JsonPatching
{
    /// <summary>RFC 7386 JSON merge patch: objects merge recursively, null removes, anything else replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject o ? o : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonObject && result[key] is JsonObject existing)
            {
                Merge(existing, value);
            }
            else
            {
                result[key] = value.DeepClone();
            }
        }

        return result;
    }

    /// <summary>Strategic merge patch, for the maps these executors patch: like a merge patch (lists replace, no
    /// <c>$patch</c> directives; enough for annotations, replicas and unschedulable).</summary>
    public static JsonNode? StrategicMerge(JsonNode? target, JsonNode? patch) => Merge(target, patch);

    /// <summary>RFC 6902 JSON patch (add, replace, remove, test). Throws <see cref="PatchException"/> on a failed test or bad path.</summary>
    public static JsonNode Apply(JsonNode target, JsonArray operations)
    {
        foreach (var op in operations)
        {
            var kind = op?["op"]?.GetValue<string>() ?? throw new PatchException(422, "operation without op");
            var path = op["path"]?.GetValue<string>() ?? throw new PatchException(422, "operation without path");
            var tokens = path.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
            var parent = Navigate(target, tokens[..^1]);
            var last = tokens[^1];
            switch (kind)
            {
                case "test":
                    var actual = Child(parent, last);
                    if (!JsonNode.DeepEquals(actual, op["value"]))
                    {
                        throw new PatchException(path == "/metadata/resourceVersion" ? 409 : 422, $"test failed at {path}");
                    }

                    break;
                case "remove":
                    if (parent is JsonObject po)
                    {
                        if (!po.Remove(last))
                        {
                            throw new PatchException(422, $"nothing to remove at {path}");
                        }
                    }
                    else if (parent is JsonArray pa)
                    {
                        pa.RemoveAt(Index(pa, last, false));
                    }

                    break;
                case "add":
                case "replace":
                    var value = op["value"]?.DeepClone();
                    if (parent is JsonObject obj)
                    {
                        if (kind == "replace" && !obj.ContainsKey(last))
                        {
                            throw new PatchException(422, $"nothing to replace at {path}");
                        }

                        obj[last] = value;
                    }
                    else if (parent is JsonArray arr)
                    {
                        if (kind == "add")
                        {
                            if (last == "-")
                            {
                                arr.Add(value);
                            }
                            else
                            {
                                arr.Insert(Index(arr, last, true), value);
                            }
                        }
                        else
                        {
                            arr[Index(arr, last, false)] = value;
                        }
                    }
                    else
                    {
                        throw new PatchException(422, $"no container at {path}");
                    }

                    break;
                default:
                    throw new PatchException(422, $"unsupported op {kind}");
            }
        }

        return target;
    }

    private static JsonNode Navigate(JsonNode node, IEnumerable<string> tokens)
    {
        foreach (var token in tokens)
        {
            node = Child(node, token) ?? throw new PatchException(422, $"no such path element {token}");
        }

        return node;
    }

    private static JsonNode? Child(JsonNode node, string token) => node switch
    {
        JsonObject o => o[token],
        JsonArray a => a[Index(a, token, false)],
        _ => throw new PatchException(422, $"cannot descend into a value at {token}"),
    };

    private static int Index(JsonArray array, string token, bool allowEnd)
    {
        if (!int.TryParse(token, out var i) || i < 0 || i > array.Count || (!allowEnd && i == array.Count))
        {
            throw new PatchException(422, $"bad array index {token}");
        }

        return i;
    }
}

/// <summary>A patch the server refuses, with the status it answers.</summary>
internal sealed class PatchException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
