using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FinScale.Streaming.Embedded;

namespace FinScale.Streaming.Tests.Embedded;

/// <summary>Drives the librdkafka mock cluster over real localhost TCP with ordinary Confluent.Kafka clients.</summary>
public sealed class EmbeddedKafkaClusterTests
{
    // Generous upper bounds: every wait below ends as soon as its condition holds, these only stop a hang.
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ConsumeDeadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Start_BrokerCount_BootstrapServersListsOneEndpointPerBroker(int brokers)
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokers);

        var endpoints = cluster.BootstrapServers.Split(',');
        Assert.Equal(brokers, endpoints.Length);
        Assert.All(endpoints, e =>
        {
            var colon = e.LastIndexOf(':');
            Assert.True(colon > 0, $"'{e}' is not host:port");
            Assert.InRange(int.Parse(e[(colon + 1)..], CultureInfo.InvariantCulture), 1, 65535);
        });
        Assert.Equal(brokers, endpoints.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void Start_BrokerCountOutOfRange_ThrowsArgumentOutOfRange(int brokers)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedKafkaCluster.Start(brokers));
    }

    [Fact]
    public async Task Start_ThreeBrokers_DescribeClusterShowsThreeNodesAndControllerOne()
    {
        using var cluster = EmbeddedKafkaCluster.Start(3);
        using var admin = NewAdmin(cluster);

        var description = await admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = MetadataTimeout });

        Assert.Equal([1, 2, 3], description.Nodes.Select(n => n.Id).Order());
        Assert.Equal(1, description.Controller?.Id);
    }

    [Fact]
    public void CreateTopic_ThreePartitions_MetadataShowsThreePartitions()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var topic = NewTopicName();
        cluster.CreateTopic(topic, 3);
        using var admin = NewAdmin(cluster);

        var metadata = admin.GetMetadata(topic, MetadataTimeout);

        var t = Assert.Single(metadata.Topics);
        Assert.Equal(topic, t.Topic);
        Assert.Equal(ErrorCode.NoError, t.Error.Code);
        Assert.Equal([0, 1, 2], t.Partitions.Select(p => p.PartitionId).Order());
    }

    [Fact]
    public void CreateTopic_ExistingTopic_ThrowsInvalidOperationWithBrokerError()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var topic = NewTopicName();
        cluster.CreateTopic(topic, 1);

        var ex = Assert.Throws<InvalidOperationException>(() => cluster.CreateTopic(topic, 1));

        Assert.Contains("Topic already exists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetBrokerDown_UnknownBroker_ThrowsInvalidOperation()
    {
        using var cluster = EmbeddedKafkaCluster.Start(2);

        var ex = Assert.Throws<InvalidOperationException>(() => cluster.SetBrokerDown(99));

        Assert.Contains("Broker not available", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProduceConsume_HundredMessagesCommitted_SecondGroupMemberSeesNothingNew()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var topic = NewTopicName();
        cluster.CreateTopic(topic, 3);
        var group = "g-" + topic;

        using (var producer = new ProducerBuilder<string, string>(NewProducerConfig(cluster)).Build())
        {
            var sends = Enumerable.Range(0, 100).Select(i =>
                producer.ProduceAsync(topic, new Message<string, string> { Key = "k" + i, Value = "v" + i }));
            var results = await Task.WhenAll(sends);
            Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (var consumer = new ConsumerBuilder<string, string>(NewConsumerConfig(cluster, group)).Build())
        {
            consumer.Subscribe(topic);
            var clock = Stopwatch.StartNew();
            while (seen.Count < 100)
            {
                Assert.True(clock.Elapsed < ConsumeDeadline, $"only {seen.Count}/100 consumed in {ConsumeDeadline}");
                var cr = consumer.Consume(TimeSpan.FromMilliseconds(250));
                if (cr is null || cr.IsPartitionEOF)
                {
                    continue;
                }

                Assert.True(seen.Add(cr.Message.Value), $"duplicate {cr.Message.Value}");
                consumer.StoreOffset(cr);
            }

            consumer.Commit();
            var committed = consumer.Committed(TimeSpan.FromSeconds(5));
            Assert.Equal(100, committed.Sum(c => c.Offset.Value));
            consumer.Close();
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => "v" + i).ToHashSet(StringComparer.Ordinal), seen);

        // The second member starts from the committed offsets, so it hits end-of-partition on every
        // partition without receiving a record: proof without waiting for a quiet period.
        using (var second = new ConsumerBuilder<string, string>(NewConsumerConfig(cluster, group)).Build())
        {
            second.Subscribe(topic);
            var eof = new HashSet<int>();
            var clock = Stopwatch.StartNew();
            while (eof.Count < 3)
            {
                Assert.True(clock.Elapsed < ConsumeDeadline, $"EOF on only {eof.Count}/3 partitions in {ConsumeDeadline}");
                var cr = second.Consume(TimeSpan.FromMilliseconds(250));
                if (cr is null)
                {
                    continue;
                }

                Assert.True(cr.IsPartitionEOF, $"re-consumed {cr.Message?.Value} at {cr.TopicPartitionOffset}");
                eof.Add(cr.Partition.Value);
            }

            second.Close();
        }
    }

    [Fact]
    public async Task SetBrokerDown_SingleBroker_ProduceTimesOutUntilSetBrokerUp()
    {
        using var cluster = EmbeddedKafkaCluster.Start(1);
        var topic = NewTopicName();
        cluster.CreateTopic(topic, 1);

        var config = NewProducerConfig(cluster);
        config.MessageTimeoutMs = 2000;
        config.ReconnectBackoffMs = 50;
        config.ReconnectBackoffMaxMs = 250;
        // The outage is the point of this test: drop the client's expected "brokers are down" log lines.
        using var producer = new ProducerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();

        var before = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "before" });
        Assert.Equal(PersistenceStatus.Persisted, before.Status);

        cluster.SetBrokerDown(1);
        var clock = Stopwatch.StartNew();
        var down = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "during" }));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, down.Error.Code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"delivery failure took {clock.Elapsed}");

        cluster.SetBrokerUp(1);

        // Reconnecting takes a backoff or two; each attempt below fails within MessageTimeoutMs, so the
        // loop ends at the first delivery after the broker is back.
        DeliveryResult<string, string>? after = null;
        clock.Restart();
        while (after is null)
        {
            Assert.True(clock.Elapsed < ConsumeDeadline, "no delivery after SetBrokerUp");
            try
            {
                after = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "after" });
            }
            catch (ProduceException<string, string> e) when (e.Error.Code == ErrorCode.Local_MsgTimedOut)
            {
            }
        }

        Assert.Equal(PersistenceStatus.Persisted, after.Status);
        Assert.True(after.Offset.Value > before.Offset.Value);
    }

    [Fact]
    public void Dispose_CalledTwice_DoesNotThrow()
    {
        var cluster = EmbeddedKafkaCluster.Start(2);

        cluster.Dispose();
        var second = Record.Exception(cluster.Dispose);

        Assert.Null(second);
    }

    [Fact]
    public void CreateTopic_AfterDispose_ThrowsObjectDisposed()
    {
        var cluster = EmbeddedKafkaCluster.Start();
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic(NewTopicName(), 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerUp(1));
    }

    private static string NewTopicName() => "t-" + Guid.NewGuid().ToString("N");

    private static IAdminClient NewAdmin(EmbeddedKafkaCluster cluster) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();

    private static ProducerConfig NewProducerConfig(EmbeddedKafkaCluster cluster) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        Acks = Acks.All,
        LingerMs = 5,
    };

    private static ConsumerConfig NewConsumerConfig(EmbeddedKafkaCluster cluster, string group) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        EnablePartitionEof = true,
        // The mock delays a rebalance by session.timeout - 1 s; keep it short.
        SessionTimeoutMs = 6000,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
    };
}
