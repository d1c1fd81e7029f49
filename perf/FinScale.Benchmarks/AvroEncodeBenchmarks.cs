using Avro.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Benchmarks;

/// <summary>
/// The framed Avro bytes of the decision stage's two records, each by its mapper's own body writer against the
/// library's generic writer (the baseline of its category, measured in the same run): an anomaly with the attributes
/// a pod's histogram series carries (the stage writes ~18,600 within a second when a million series' histograms shift
/// at once), and the audit record of a traffic surge over 500 pods (a reference per anomaly of the finding).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AvroEncodeBenchmarks
{
    private readonly AvroSerde<Anomaly> _anomalyDirect = new(AvroSchemas.Anomaly, new AnomalyMapper());
    private readonly AvroSerde<Anomaly> _anomalyGeneric = new(AvroSchemas.Anomaly, new GenericOnly<Anomaly>(new AnomalyMapper()));
    private readonly AvroSerde<RemediationDecision> _decisionDirect = new(AvroSchemas.RemediationDecision, new RemediationDecisionMapper());
    private readonly AvroSerde<RemediationDecision> _decisionGeneric = new(AvroSchemas.RemediationDecision, new GenericOnly<RemediationDecision>(new RemediationDecisionMapper()));
    private Anomaly _anomaly = null!;
    private RemediationDecision _decision = null!;

    /// <summary>Builds the two records and checks that both writers write the same bytes.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WellKnownAttributes.ServiceName] = "payments-api",
            [WellKnownAttributes.PodName] = "payments-api-7d9f8c6b5-x2k4q",
            [WellKnownAttributes.Namespace] = "payments",
            [WellKnownAttributes.NodeName] = "node-17",
            [WellKnownAttributes.ServiceVersion] = "2.14.3",
            ["http.route"] = "/v1/authorisations",
        };
        var series = SeriesKey.Create("http.server.request.duration.rate", attributes).Text;
        _anomaly = new Anomaly("9f1c2a7e4b6d8f0a", series, "http.server.request.duration.rate", attributes,
            new DateTimeOffset(2026, 11, 29, 9, 30, 0, 125, TimeSpan.Zero), Observed: 412.5, Expected: 37.25, Score: 0.93, ZScore: 11.4, Detector: "ensemble")
        {
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            SpanId = "00f067aa0ba902b7",
        };
        _decision = new RemediationDecision("d-9f1c2a7e", "k-9f1c2a7e", _anomaly.EventTime, ExecutionMode.Shadow, ActionKind.Scale,
            new ActionTarget("payments", "Deployment", "payments-api"), DecisionOutcome.Recommended,
            "Throughput of payments/payments-api rose on 500 of 500 pods; scale deployment payments/payments-api from 500 to 750 replicas", null, _anomaly)
        {
            Anomalies = [.. Enumerable.Range(0, 500).Select(i => new AnomalyRef($"{i:x16}", series.Replace("x2k4q", $"{i:x5}", StringComparison.Ordinal), null))],
            Finding = "traffic_surge",
            Rule = "scale-on-surge",
        };
        if (!_anomalyDirect.WritesDirectly || !_anomalyDirect.Serialize(_anomaly).AsSpan().SequenceEqual(_anomalyGeneric.Serialize(_anomaly))
            || !_decisionDirect.WritesDirectly || !_decisionDirect.Serialize(_decision).AsSpan().SequenceEqual(_decisionGeneric.Serialize(_decision)))
            throw new InvalidOperationException("the direct writers must write the generic writer's bytes");
    }

    /// <summary>An anomaly through the library's <c>GenericDatumWriter</c>.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("anomaly")]
    public byte[] AnomalyGeneric() => _anomalyGeneric.Serialize(_anomaly);

    /// <summary>An anomaly through its mapper's <see cref="IAvroBodyWriter{T}"/>.</summary>
    [Benchmark]
    [BenchmarkCategory("anomaly")]
    public byte[] AnomalyDirect() => _anomalyDirect.Serialize(_anomaly);

    /// <summary>A surge's audit record through the library's <c>GenericDatumWriter</c>.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("decision, 500 refs")]
    public byte[] DecisionGeneric() => _decisionGeneric.Serialize(_decision);

    /// <summary>A surge's audit record through its mapper's <see cref="IAvroBodyWriter{T}"/>.</summary>
    [Benchmark]
    [BenchmarkCategory("decision, 500 refs")]
    public byte[] DecisionDirect() => _decisionDirect.Serialize(_decision);

    /// <summary>A mapper without its body writer: the serde writes through the generic writer.</summary>
    private sealed class GenericOnly<T>(IAvroMapper<T> inner) : IAvroMapper<T>
    {
        public GenericRecord ToAvro(T value) => inner.ToAvro(value);

        public T FromAvro(GenericRecord record) => inner.FromAvro(record);
    }
}
