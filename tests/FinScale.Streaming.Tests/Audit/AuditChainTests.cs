using System.Text;
using FinScale.Contracts;
using FinScale.Streaming.Audit;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Tests.Avro;

namespace FinScale.Streaming.Tests.Audit;

public class AuditChainTests
{
    private readonly AvroSerde<RemediationDecision> _serde = new AvroSerdes().RemediationDecision;

    /// <summary>Writes <paramref name="count"/> decisions through a chain as the decision stage does; returns (partition, offset, bytes) per record.</summary>
    private List<(int Partition, long Offset, byte[] Value)> Write(int count, int partitions = 3, string chain = "run-1")
    {
        var audit = new AuditChain(partitions, chain);
        var offsets = new long[partitions];
        var topic = new List<(int, long, byte[])>();
        for (var i = 0; i < count; i++)
        {
            var key = Encoding.UTF8.GetBytes($"Pod/payments/p-{i % 5}");
            var p = audit.PartitionOf(key);
            var linked = audit.Link(TestRecords.Decision() with { DecisionId = $"d-{i}" }, p);
            var bytes = _serde.Serialize(linked);
            audit.Advance(p, bytes);
            topic.Add((p, offsets[p]++, bytes));
        }

        return topic;
    }

    private AuditBreak? Verify(IEnumerable<(int Partition, long Offset, byte[] Value)> records)
    {
        var v = new AuditVerifier();
        foreach (var (p, o, bytes) in records)
            v.Add(p, o, bytes, _serde.Deserialize(bytes));
        return v.Verify();
    }

    [Fact]
    public void Verify_UntouchedTopic_EveryLinkHolds()
    {
        var topic = Write(40);
        Assert.Null(Verify(topic));
        Assert.Contains(topic, r => r.Partition != topic[0].Partition); // several partitions, each its own chain
    }

    [Fact]
    public void Link_FirstRecordOfEachPartition_NamesNoPredecessorAndTheNextNamesItsHash()
    {
        var topic = Write(10);
        foreach (var partition in topic.GroupBy(r => r.Partition))
        {
            var records = partition.Select(r => _serde.Deserialize(r.Value)).ToList();
            Assert.Null(records[0].PrevHash);
            for (var i = 1; i < records.Count; i++)
                Assert.Equal(AuditChain.Hash(partition.ElementAt(i - 1).Value), records[i].PrevHash);
        }
    }

    [Fact]
    public void Verify_RecordRemoved_ReportsTheRecordAfterTheGap()
    {
        var topic = Write(30);
        var victim = topic.Where(r => r.Partition == topic[0].Partition).ElementAt(2);

        var broken = Verify(topic.Where(r => r != victim));

        Assert.NotNull(broken);
        Assert.Equal(victim.Partition, broken.Partition);
        Assert.Equal(victim.Offset + 1, broken.Offset);
        Assert.Contains("altered or removed", broken.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RecordAltered_ReportsTheRecordAfterIt()
    {
        var topic = Write(30);
        var index = topic.FindIndex(r => r.Partition == topic[0].Partition && r.Offset == 1);
        var original = _serde.Deserialize(topic[index].Value);
        topic[index] = topic[index] with { Value = _serde.Serialize(original with { Outcome = DecisionOutcome.Executed, Reason = "nothing to see" }) };

        var broken = Verify(topic);

        Assert.NotNull(broken);
        Assert.Equal(topic[index].Partition, broken.Partition);
        Assert.Equal(2, broken.Offset);
    }

    [Fact]
    public void Verify_ForgedRecordInserted_ReportsTheFork()
    {
        var topic = Write(10, partitions: 1);
        var forged = _serde.Deserialize(topic[3].Value) with { DecisionId = "forged", Outcome = DecisionOutcome.Executed };
        topic.Add((0, topic.Count, _serde.Serialize(forged)));

        var broken = Verify(topic);

        Assert.NotNull(broken);
        Assert.Equal(10, broken.Offset);
        Assert.Contains("same predecessor", broken.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TwoWritersAndRetentionTrimmedStart_AreNotBreaks()
    {
        var first = Write(12, partitions: 1, chain: "run-1");
        var second = Write(12, partitions: 1, chain: "run-2").Select(r => r with { Offset = r.Offset + 12 });

        // Retention deleted the first four records: the earliest one read names a predecessor that is gone.
        Assert.Null(Verify(first.Concat(second).Where(r => r.Offset >= 4)));
    }
}
