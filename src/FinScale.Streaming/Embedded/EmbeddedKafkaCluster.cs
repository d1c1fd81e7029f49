using System.Globalization;

namespace FinScale.Streaming.Embedded;

/// <summary>An in-process Kafka broker (librdkafka's mock cluster) listening on localhost TCP for any Kafka client.</summary>
/// <remarks>
/// The mock speaks the real Kafka wire protocol, so Confluent.Kafka clients, kcat and other clients connect to
/// <see cref="BootstrapServers"/> as to a real cluster. It is a test double, not a broker: the admin API cannot
/// create or delete topics (use <see cref="CreateTopic"/>), unknown topics are auto-created with 4 partitions,
/// only the newest ~5 MiB per partition are kept (older data is dropped silently), a replication factor above
/// the broker count is silently capped, and ListConsumerGroups crashes the process. A group's first join waits
/// ~3 s (initial rebalance delay) and later rebalances about session.timeout.ms − 1 s, so keep that short in tests.
/// </remarks>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    /// <summary>The largest broker count <see cref="Start"/> accepts.</summary>
    public const int MaxBrokers = 16;

    private const int TopicAlreadyExists = 36; // RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS

    // The mock serves from threads owned by the rd_kafka_t it is created on. That handle is a producer
    // that never produces; its only job is to host the mock. log_level 3 (LOG_ERR) keeps it silent on
    // stderr in normal use (no NOTICE about the missing bootstrap.servers, no connection chatter) while
    // still printing real errors.
    private static readonly KeyValuePair<string, string>[] HostConfig =
    [
        new("client.id", "finscale-embedded-kafka"),
        new("log_level", "3"),
    ];

    private readonly Lock _gate = new();
    private IntPtr _rk;
    private IntPtr _mcluster;

    private EmbeddedKafkaCluster(IntPtr rk, IntPtr mcluster, string bootstrapServers)
    {
        _rk = rk;
        _mcluster = mcluster;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>Gets the comma-separated <c>host:port</c> list of the brokers, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a mock cluster with broker ids 1..<paramref name="brokers"/> and broker 1 as controller.</summary>
    public static unsafe EmbeddedKafkaCluster Start(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokers, MaxBrokers);

        var api = LibrdkafkaMock.Native;
        var rk = LibrdkafkaMock.NewProducer(HostConfig);
        var mcluster = api.MockClusterNew(rk, brokers);
        if (mcluster == IntPtr.Zero)
        {
            api.Destroy(rk);
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"rd_kafka_mock_cluster_new failed for {brokers} broker(s) (could not bind a localhost listener?)."));
        }

        // Metadata responses carry no controller until one is set, and admin requests that go to the
        // controller (DescribeConfigs, CreatePartitions, ...) then wait until they time out.
        api.MockSetControllerId(mcluster, 1);

        // A real broker delays a new group's first rebalance (group.initial.rebalance.delay.ms) to
        // gather members; on a local single-process broker that is 3 s of nothing, so join at once.
        if (api.MockGroupInitialRebalanceDelayMs != null)
            api.MockGroupInitialRebalanceDelayMs(mcluster, 0);

        var bootstraps = LibrdkafkaMock.ReadUtf8(api.MockClusterBootstraps(mcluster));
        return new EmbeddedKafkaCluster(rk, mcluster, bootstraps);
    }

    /// <summary>Creates <paramref name="topic"/> with the given partition count and replication factor.</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        if (!TryCreateTopic(topic, partitions, replicationFactor))
            throw new InvalidOperationException($"create topic '{topic}': Broker: Topic already exists (error {TopicAlreadyExists})");
    }

    /// <summary>Creates <paramref name="topic"/> unless it exists; false when it already did (its partitions are left as they are).</summary>
    public unsafe bool TryCreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);

        var name = LibrdkafkaMock.Utf8Z(topic);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_mcluster == IntPtr.Zero, this);
            int err;
            fixed (byte* p = name)
            {
                err = LibrdkafkaMock.Native.MockTopicCreate(_mcluster, p, partitions, replicationFactor);
            }

            if (err == TopicAlreadyExists)
                return false;
            ThrowOnError(err, $"create topic '{topic}' ({partitions} partitions, RF {replicationFactor})");
            return true;
        }
    }

    /// <summary>Disconnects broker <paramref name="brokerId"/> (-1: all) and refuses new connections to it, without a leader change.</summary>
    public unsafe void SetBrokerDown(int brokerId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_mcluster == IntPtr.Zero, this);
            ThrowOnError(LibrdkafkaMock.Native.MockBrokerSetDown(_mcluster, brokerId), $"set broker {brokerId} down");
        }
    }

    /// <summary>Lets broker <paramref name="brokerId"/> (-1: all) accept connections again.</summary>
    public unsafe void SetBrokerUp(int brokerId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_mcluster == IntPtr.Zero, this);
            ThrowOnError(LibrdkafkaMock.Native.MockBrokerSetUp(_mcluster, brokerId), $"set broker {brokerId} up");
        }
    }

    /// <summary>Stops the brokers and frees the native handles; safe to call more than once.</summary>
    public unsafe void Dispose()
    {
        lock (_gate)
        {
            if (_mcluster == IntPtr.Zero && _rk == IntPtr.Zero)
            {
                return;
            }

            try
            {
                var api = LibrdkafkaMock.Native;

                // The cluster first: it runs on threads of the rd_kafka_t, which must outlive it.
                if (_mcluster != IntPtr.Zero)
                {
                    api.MockClusterDestroy(_mcluster);
                }

                if (_rk != IntPtr.Zero)
                {
                    api.Destroy(_rk);
                }
            }
            catch (Exception)
            {
                // Dispose must not throw; native failures surface only as exceptions from binding, which
                // already succeeded in Start, so there is nothing useful to report here.
            }
            finally
            {
                _mcluster = IntPtr.Zero;
                _rk = IntPtr.Zero;
            }
        }
    }

    private static void ThrowOnError(int err, string what)
    {
        if (err != LibrdkafkaMock.NoError)
        {
            throw new InvalidOperationException($"Embedded Kafka could not {what}: {LibrdkafkaMock.ErrorText(err)}");
        }
    }
}
