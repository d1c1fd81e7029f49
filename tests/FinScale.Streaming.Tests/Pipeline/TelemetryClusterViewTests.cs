using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

/// <summary>The cluster view read off the series keys when no cluster can be read, folded in chunks or all at once.</summary>
public class TelemetryClusterViewTests
{
    private static SeriesCatalog Catalog(int pods, int seriesPerPod)
    {
        var catalog = new SeriesCatalog(pods * seriesPerPod);
        for (var s = 0; s < seriesPerPod; s++)
        {
            for (var p = 0; p < pods; p++)
            {
                catalog.GetOrAdd(SeriesKey.Create("m" + s, new Dictionary<string, string>
                {
                    [WellKnownAttributes.Namespace] = "payments",
                    [WellKnownAttributes.PodName] = "api-" + p,
                    [WellKnownAttributes.NodeName] = "node-" + (p % 3),
                    [WellKnownAttributes.Deployment] = p < 6 ? "api" : "worker",
                    [WellKnownAttributes.ServiceName] = p < 6 ? "api" : "worker",
                }));
            }
        }

        return catalog;
    }

    [Fact]
    public void FoldSome_InChunks_GivesTheViewFoldingAllAtOnceGives()
    {
        var catalog = Catalog(pods: 10, seriesPerPod: 7);
        var chunked = new TelemetryClusterView(catalog);
        var calls = 0;
        Assert.Equal(70, chunked.Behind);
        while (!chunked.FoldSome(8))
            calls++;

        Assert.Equal(8, calls); // 70 series, 8 at a time: the ninth call catches up
        Assert.Equal(0, chunked.Behind);
        var a = chunked.Current;
        var b = new TelemetryClusterView(catalog).Current;
        Assert.Equal(b.Pods.OrderBy(p => p.Name), a.Pods.OrderBy(p => p.Name));
        Assert.Equal(10, a.Pods.Count);
        Assert.Equal(3, a.Nodes.Count);
        Assert.Equal([("api", 6), ("worker", 4)], a.Workloads.OrderBy(w => w.Name).Select(w => (w.Name, w.Replicas)));
        Assert.Equal("node-1", a.Pod("payments", "api-4")!.Node);
        Assert.Throws<ArgumentOutOfRangeException>(() => chunked.FoldSome(0));
    }

    [Fact]
    public void Current_AfterNewSeries_FoldsThemIn_AndIsRebuiltOnlyWhenSomethingWasFolded()
    {
        var catalog = new SeriesCatalog(10);
        var view = new TelemetryClusterView(catalog);
        catalog.GetOrAdd(SeriesKey.Create("m", new Dictionary<string, string> { [WellKnownAttributes.Namespace] = "ns", [WellKnownAttributes.PodName] = "a" }));
        var first = view.Current;
        Assert.Same(first, view.Current);

        catalog.GetOrAdd(SeriesKey.Create("m", new Dictionary<string, string> { [WellKnownAttributes.Namespace] = "ns", [WellKnownAttributes.PodName] = "b" }));
        Assert.Equal(1, view.Behind);
        Assert.True(view.FoldSome(100));
        var second = view.Current;

        Assert.NotSame(first, second);
        Assert.Equal(["a", "b"], second.Pods.Select(p => p.Name).Order());
    }
}
