using Avro;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>
/// The decision mapper writes audit records' bytes itself (a storm's traffic-surge decision carries a reference per
/// anomaly, thousands in all); the contract's tests plus every enum value and a null reference.
/// </summary>
public sealed class RemediationDecisionBodyWriterTests : AvroBodyWriterContract<RemediationDecision>
{
    protected override RecordSchema Schema => AvroSchemas.RemediationDecision;

    protected override IReadOnlyList<RecordSchema> EarlierVersions => AvroSchemas.RemediationDecisionHistory;

    protected override (int Count, Func<Random, RemediationDecision> Next) Generated => (1_500, RandomRecords.Decision);

    protected override RemediationDecision Sample => TestRecords.Decision() with
    {
        Anomalies = [new AnomalyRef("a1b2c3", "http.server.duration.p99{service.name=\"checkout\"}", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")],
        Finding = "pod_fault",
        Chain = "audit-0",
        PrevHash = new string('a', 64),
    };

    protected override IAvroMapper<RemediationDecision> Mapper() => new RemediationDecisionMapper();

    protected override AvroSerde<RemediationDecision> PipelineSerde(AvroSerdes serdes) => serdes.RemediationDecision;

    [Fact]
    public void Serialize_AStormsAuditRecord_DoesNotPinItsScratchToTheThread()
    {
        // A traffic surge's decision references every anomaly of the storm: 20,000 references are over 1 MiB. The
        // thread's scratch grows to hold it, and is let go after, not kept for the thread's life.
        var serde = new AvroSerde<RemediationDecision>(Schema, new RemediationDecisionMapper());
        var refs = Enumerable.Range(0, 20_000)
            .Select(i => new AnomalyRef($"anomaly-{i:D8}", $"http.server.request.duration.rate{{k8s.pod.name=bench-{i:D7}}}", null, null))
            .ToList();
        var storm = Sample with { Anomalies = refs };
        var generic = new AvroSerde<RemediationDecision>(Schema, new GenericOnlyMapper<RemediationDecision>(new RemediationDecisionMapper()));

        var small = serde.Serialize(Sample);
        var kept = AvroSerde<RemediationDecision>.ScratchBytesOnThisThread;
        var big = serde.Serialize(storm);
        var afterBig = AvroSerde<RemediationDecision>.ScratchBytesOnThisThread;
        var again = serde.Serialize(Sample);

        Assert.InRange(kept, 1, AvroSerde<RemediationDecision>.KeptScratchBytes);
        Assert.True(big.Length > AvroSerde<RemediationDecision>.KeptScratchBytes, $"{big.Length} bytes");
        Assert.Equal(0, afterBig);
        Assert.InRange(AvroSerde<RemediationDecision>.ScratchBytesOnThisThread, 1, AvroSerde<RemediationDecision>.KeptScratchBytes);
        Assert.Equal(generic.Serialize(storm), big);
        Assert.Equal(small, again);
    }

    [Fact]
    public void Write_EveryEnumValue_IsTheGenericWritersOrdinal()
    {
        var mapper = new RemediationDecisionMapper();
        var output = new AvroBinaryWriter();
        foreach (var mode in Enum.GetValues<ExecutionMode>())
        {
            foreach (var action in Enum.GetValues<ActionKind>())
            {
                foreach (var outcome in Enum.GetValues<DecisionOutcome>())
                {
                    var decision = TestRecords.Decision(mode, action, outcome);
                    output.Clear();

                    mapper.Write(decision, output);

                    Assert.Equal(GenericBody(decision), output.Written.ToArray());
                }
            }
        }
    }

    [Fact]
    public void Write_NullReference_ThrowsNamingTheField()
    {
        var decision = TestRecords.Decision() with { Anomalies = [new AnomalyRef("a", null!, null)] };

        var ex = Assert.Throws<ArgumentException>(() => new RemediationDecisionMapper().Write(decision, new AvroBinaryWriter()));

        Assert.Contains("'anomalies.series'", ex.Message, StringComparison.Ordinal);
    }
}
