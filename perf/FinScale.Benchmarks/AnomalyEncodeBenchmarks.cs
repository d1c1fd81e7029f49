using Avro.Generic;
using BenchmarkDotNet.Attributes;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Benchmarks;

/// <summary>
/// One anomaly record's framed Avro bytes, as the decision stage writes each anomaly (its one thread takes ~18,600 of
/// them within a second when a million series' histograms shift at once): the mapper's own body writer against the
/// library's generic writer (the baseline, measured in the same run), for an anomaly with the attributes a pod's
/// histogram series carries.
/// </summary>
[MemoryDiagnoser]
public class AnomalyEncodeBenchmarks
{
    private readonly AvroSerde<Anomaly> _direct = new(AvroSchemas.Anomaly, new AnomalyMapper());
    private readonly AvroSerde<Anomaly> _generic = new(AvroSchemas.Anomaly, new GenericOnly(new AnomalyMapper()));
    private Anomaly _anomaly = null!;

    /// <summary>An anomaly like those of the bench's storm: a pod's latency histogram series, with an exemplar's ids.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WellKnownAttributes.ServiceName] = "payments-api",
            [WellKnownAttributes.PodName] = "payments-api-7d9f8c6b5-x2k4q",
            ["k8s.namespace.name"] = "payments",
            ["k8s.node.name"] = "node-17",
            ["service.version"] = "2.14.3",
            ["http.route"] = "/v1/authorisations",
        };
        _anomaly = new Anomaly(
            "9f1c2a7e4b6d8f0a",
            "http.server.request.duration.rate{http.route=\"/v1/authorisations\",k8s.namespace.name=\"payments\",k8s.node.name=\"node-17\",k8s.pod.name=\"payments-api-7d9f8c6b5-x2k4q\",service.name=\"payments-api\",service.version=\"2.14.3\"}",
            "http.server.request.duration.rate",
            attributes,
            new DateTimeOffset(2026, 11, 29, 9, 30, 0, 125, TimeSpan.Zero),
            Observed: 412.5,
            Expected: 37.25,
            Score: 0.93,
            ZScore: 11.4,
            Detector: "ensemble")
        {
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            SpanId = "00f067aa0ba902b7",
        };
        if (!_direct.WritesDirectly || !_direct.Serialize(_anomaly).AsSpan().SequenceEqual(_generic.Serialize(_anomaly)))
            throw new InvalidOperationException("the direct writer must write the generic writer's bytes");
    }

    /// <summary>The library's <c>GenericDatumWriter</c> over the mapper's <c>GenericRecord</c>.</summary>
    [Benchmark(Baseline = true)]
    public byte[] Generic() => _generic.Serialize(_anomaly);

    /// <summary>The mapper's <see cref="IAvroBodyWriter{T}"/>.</summary>
    [Benchmark]
    public byte[] Direct() => _direct.Serialize(_anomaly);

    private sealed class GenericOnly(AnomalyMapper inner) : IAvroMapper<Anomaly>
    {
        public GenericRecord ToAvro(Anomaly value) => inner.ToAvro(value);

        public Anomaly FromAvro(GenericRecord record) => inner.FromAvro(record);
    }
}
