using Avro;
using Avro.Generic;
using Avro.IO;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>
/// The decision mapper writes audit records' bytes itself (a storm's traffic-surge decision carries a reference per
/// anomaly, thousands in all); the bytes must be the library's generic writer's exactly, for every kind of value.
/// </summary>
public sealed class RemediationDecisionBodyWriterTests
{
    private static readonly RecordSchema Schema = AvroSchemas.RemediationDecision;

    [Fact]
    public void Write_RandomDecisions_AreTheGenericWritersBytes()
    {
        var random = new Random(29112026);
        var mapper = new RemediationDecisionMapper();
        var output = new AvroBinaryWriter(16);
        for (var i = 0; i < 1_500; i++)
        {
            var decision = RandomRecords.Decision(random);
            output.Clear();

            mapper.Write(decision, output);

            var expected = GenericBody(decision);
            if (!output.Written.SequenceEqual(expected))
                Assert.Fail($"decision {i} ({decision.Mode}, {decision.Action}, {decision.Outcome}, {decision.Anomalies.Count} refs, target {(decision.Target is null ? "none" : "set")}): bytes differ");
        }
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
    public void Serde_ForTheShippedSchema_WritesDirectly_TheSameFramedBytes()
    {
        var direct = new AvroSerdes().RemediationDecision;
        var generic = new AvroSerde<RemediationDecision>(Schema, new GenericOnlyMapper<RemediationDecision>(new RemediationDecisionMapper()));
        var decision = TestRecords.Decision() with
        {
            Anomalies = [new AnomalyRef("a1b2c3", "http.server.duration.p99{service.name=\"checkout\"}", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")],
            Finding = "pod_fault",
            Chain = "audit-0",
            PrevHash = new string('a', 64),
        };

        Assert.True(direct.WritesDirectly);
        var bytes = direct.Serialize(decision);
        Assert.Equal(generic.Serialize(decision), bytes);
        Assert.Equal(decision.Anomalies, generic.Deserialize(bytes).Anomalies);
    }

    [Fact]
    public void Writes_EarlierVersions_AreRefused_SoTheGenericWriterWritesThem()
    {
        var mapper = new RemediationDecisionMapper();

        Assert.True(mapper.Writes(Schema));
        Assert.All(AvroSchemas.RemediationDecisionHistory, earlier => Assert.False(mapper.Writes(earlier)));
    }

    [Fact]
    public void Write_NullReference_ThrowsNamingTheField()
    {
        var decision = TestRecords.Decision() with { Anomalies = [new AnomalyRef("a", null!, null)] };

        var ex = Assert.Throws<ArgumentException>(() => new RemediationDecisionMapper().Write(decision, new AvroBinaryWriter()));

        Assert.Contains("'anomalies.series'", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] GenericBody(RemediationDecision decision)
    {
        using var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(Schema).Write(new RemediationDecisionMapper().ToAvro(decision), new BinaryEncoder(stream));
        return stream.ToArray();
    }
}
