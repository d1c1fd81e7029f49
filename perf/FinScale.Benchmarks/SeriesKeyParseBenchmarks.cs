using BenchmarkDotNet.Attributes;
using FinScale.Contracts;

namespace FinScale.Benchmarks;

/// <summary>
/// Reading a series key back from its text, as a shard does each time an anomaly opens (the catalog keeps keys as UTF-8
/// text, not as objects): ~18,600 times within a second in a storm at a million series. The key is a pod's histogram
/// series of <c>finscale bench</c> (9 attributes, 250 characters); the baseline copies the text, the least a parse
/// that returns strings must do.
/// </summary>
[MemoryDiagnoser]
public class SeriesKeyParseBenchmarks
{
    private string _text = "";

    /// <summary>Builds the key's text.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WellKnownAttributes.ServiceName] = "svc-00012",
            [WellKnownAttributes.ServiceVersion] = "1.4.2",
            [WellKnownAttributes.Namespace] = "payments",
            [WellKnownAttributes.Deployment] = "svc-00012",
            [WellKnownAttributes.PodName] = "bench-00012-0000612",
            [WellKnownAttributes.NodeName] = "node-36",
            ["host.arch"] = "amd64",
            ["telemetry.sdk.language"] = "dotnet",
            ["http.route"] = "/v1/captures",
        };
        _text = SeriesKey.Create("http.server.request.duration.rate", attributes).Text;
    }

    /// <summary>A copy of the text.</summary>
    [Benchmark(Baseline = true)]
    public string CopyText() => new(_text.AsSpan());

    /// <summary>The key parsed, its canonical form checked.</summary>
    [Benchmark]
    public SeriesKey Parse() => SeriesKey.Parse(_text);
}
