using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Embedded;

namespace FinScale.Streaming.Kafka;

/// <summary>
/// The Kafka cluster a command talks to: the one named by <see cref="KafkaOptions.BootstrapServers"/>,
/// or an embedded broker started in-process when none is named. Builds client configurations and
/// creates topics in the way each kind of cluster supports.
/// </summary>
public sealed class KafkaEndpoint : IDisposable
{
    private readonly KafkaOptions _options;
    private readonly EmbeddedKafkaCluster? _embedded;

    private KafkaEndpoint(KafkaOptions options, string bootstrapServers, EmbeddedKafkaCluster? embedded)
    {
        _options = options;
        BootstrapServers = bootstrapServers;
        _embedded = embedded;
    }

    /// <summary>The resolved <c>host:port</c> list.</summary>
    public string BootstrapServers { get; }

    /// <summary>True when this endpoint started an embedded broker it owns.</summary>
    public bool IsEmbedded => _embedded is not null;

    /// <summary>The embedded cluster, when one was started (for fault injection in tests).</summary>
    public EmbeddedKafkaCluster? Embedded => _embedded;

    /// <summary>Resolves the cluster: starts the embedded broker when no bootstrap servers are configured.</summary>
    public static KafkaEndpoint Open(KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.BootstrapServers))
            return new KafkaEndpoint(options, options.BootstrapServers.Trim(), embedded: null);
        var cluster = EmbeddedKafkaCluster.Start(options.EmbeddedBrokers);
        return new KafkaEndpoint(options, cluster.BootstrapServers, cluster);
    }

    /// <summary>
    /// Fails within <see cref="KafkaOptions.ConnectTimeout"/> with a message naming the address when
    /// no broker answers, instead of librdkafka's default of retrying forever.
    /// </summary>
    public void EnsureReachable()
    {
        using var admin = CreateAdminClient();
        try
        {
            var metadata = admin.GetMetadata(_options.ConnectTimeout);
            if (metadata.Brokers.Count == 0)
                throw new KafkaUnreachableException($"Kafka at {BootstrapServers} answered with no brokers");
        }
        catch (KafkaException ex)
        {
            throw new KafkaUnreachableException(
                $"cannot reach Kafka at {BootstrapServers} within {_options.ConnectTimeout.TotalSeconds:0.#} s: {ex.Error.Reason}", ex);
        }
    }

    /// <summary>
    /// The configuration the audit topic is created with: kept for ever (<c>retention.ms=-1</c>) and never compacted, since
    /// it is the evidence of every decision and its hash chain breaks if a record goes. Applied only when FinScale creates
    /// the topic; an existing topic keeps its own settings.
    /// </summary>
    public static IReadOnlyDictionary<string, string> AuditTopicConfigs { get; } =
        new Dictionary<string, string> { ["retention.ms"] = "-1", ["cleanup.policy"] = "delete" };

    /// <summary>Creates the topics <c>finscale run</c> reads and writes that are missing: the audit topic with <see cref="AuditTopicConfigs"/>.</summary>
    public async Task EnsurePipelineTopicsAsync(TopicOptions topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        await EnsureTopicsAsync([topics.Audit], topics.Partitions, topics.ReplicationFactor, cancellationToken, new Dictionary<string, string>(AuditTopicConfigs));
        await EnsureTopicsAsync(topics.PipelineTopics.Where(t => !string.Equals(t, topics.Audit, StringComparison.Ordinal)), topics.Partitions, topics.ReplicationFactor, cancellationToken);
    }

    /// <summary>Creates any of <paramref name="topics"/> that do not exist yet, with <paramref name="configs"/> (e.g. <c>cleanup.policy=compact</c>) on a real cluster.</summary>
    public async Task EnsureTopicsAsync(IEnumerable<string> topics, int partitions, short replicationFactor, CancellationToken cancellationToken, Dictionary<string, string>? configs = null)
    {
        var wanted = topics.Distinct(StringComparer.Ordinal).ToList();
        if (_embedded is not null)
        {
            // The embedded broker does not implement CreateTopics; its own API creates them.
            foreach (var topic in wanted)
                _embedded.TryCreateTopic(topic, partitions);
            return;
        }

        using var admin = CreateAdminClient();
        var existing = admin.GetMetadata(_options.ConnectTimeout).Topics
            .Where(t => t.Error.Code == ErrorCode.NoError)
            .Select(t => t.Topic)
            .ToHashSet(StringComparer.Ordinal);
        var missing = wanted.Where(t => !existing.Contains(t))
            .Select(t => new TopicSpecification { Name = t, NumPartitions = partitions, ReplicationFactor = replicationFactor, Configs = configs })
            .ToList();
        if (missing.Count == 0)
            return;
        try
        {
            await admin.CreateTopicsAsync(missing).WaitAsync(cancellationToken);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another instance created them first: that is what we wanted.
        }
    }

    /// <summary>A producer configuration for this cluster: idempotent, acks=all, so retries never reorder or duplicate.</summary>
    public ProducerConfig ProducerConfig(string clientIdSuffix)
    {
        var config = new ProducerConfig(Common(clientIdSuffix))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
            Partitioner = Partitioner.Murmur2Random, // the Java client's partitioner: the same key lands on the same partition whoever produces it
            MessageTimeoutMs = 60_000,
        };
        return config;
    }

    /// <summary>A consumer configuration for this cluster with at-least-once offsets: stored only after processing.</summary>
    public ConsumerConfig ConsumerConfig(string groupId, string clientIdSuffix)
    {
        return new ConsumerConfig(Common(clientIdSuffix))
        {
            GroupId = groupId,
            EnableAutoOffsetStore = false,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 1000,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = (int)Math.Max(100, _options.SessionTimeout.TotalMilliseconds / 5),
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
    }

    /// <summary>An admin client for this cluster.</summary>
    public IAdminClient CreateAdminClient() =>
        new AdminClientBuilder(Common("admin")).Build();

    /// <summary>Stops the embedded broker if this endpoint started one.</summary>
    public void Dispose() => _embedded?.Dispose();

    private Dictionary<string, string> Common(string clientIdSuffix)
    {
        var config = new Dictionary<string, string>(_options.Properties, StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = BootstrapServers,
            ["client.id"] = $"{_options.ClientId}-{clientIdSuffix}",
            ["socket.connection.setup.timeout.ms"] = ((int)_options.ConnectTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (_embedded is not null)
        {
            // The embedded broker offers only PLAINTEXT; ignore security settings meant for a real cluster.
            config["security.protocol"] = "plaintext";
        }

        return config;
    }
}
