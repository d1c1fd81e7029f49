using FinScale.Testing.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace FinScale.Kubernetes.Tests.Fakes;

/// <summary>The fake honours what the executors rely on, checked through the real client.</summary>
public sealed class FakeKubernetesApiServerTests : ExecutorTestBase
{
    [Fact]
    public async Task JsonPatch_TestOnStaleResourceVersion_Conflict()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        var patch = new V1Patch("""[{"op":"test","path":"/metadata/resourceVersion","value":"1"},{"op":"add","path":"/spec/unschedulable","value":true}]""", V1Patch.PatchType.JsonPatch);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.PatchNodeAsync(patch, "node-a"));

        Assert.Equal(409, (int)ex.Response.StatusCode);
        Assert.Null(Server.Get("", "nodes", null, "node-a")!["spec"]!["unschedulable"]);
    }

    [Fact]
    public async Task JsonPatch_CurrentResourceVersion_Applies()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        var version = (string?)Server.Get("", "nodes", null, "node-a")!["metadata"]!["resourceVersion"];
        var patch = new V1Patch($$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{version}}"},{"op":"add","path":"/spec/unschedulable","value":true}]""", V1Patch.PatchType.JsonPatch);

        var node = await Client.CoreV1.PatchNodeAsync(patch, "node-a");

        Assert.True(node.Spec.Unschedulable);
        Assert.NotEqual(version, node.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task MergePatch_StaleResourceVersion_Conflict()
    {
        Server.Add("", "nodes", KubernetesObjects.Node("node-a"));
        var patch = new V1Patch("""{"metadata":{"resourceVersion":"1"},"spec":{"unschedulable":true}}""", V1Patch.PatchType.MergePatch);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.PatchNodeAsync(patch, "node-a"));

        Assert.Equal(409, (int)ex.Response.StatusCode);
    }

    [Fact]
    public async Task Get_Missing_NotFound()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedPodAsync("nope", Ns));

        Assert.Equal(404, (int)ex.Response.StatusCode);
    }
}
