using System.Text;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Detection;
using FinScale.Remediation;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Policy;
using FinScale.Streaming.Audit;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Pipeline;
using FinScale.Streaming.Prescale;
using FinScale.Streaming.Replay;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinScale.IntegrationTests.Infrastructure;

/// <summary>One test's world: its own topics on a cluster, a producer of samples and readers of every output topic.</summary>
public sealed class PipelineHarness : IDisposable
{
    private readonly IKafkaTestCluster _cluster;

    private PipelineHarness(IKafkaTestCluster cluster, TopicOptions topics, KafkaEndpoint endpoint)
    {
        _cluster = cluster;
        Topics = topics;
        Endpoint = endpoint;
    }

    public TopicOptions Topics { get; }

    public KafkaEndpoint Endpoint { get; }

    public AvroSerdes Serdes { get; } = new();

    /// <summary>
    /// A harness with topics of its own. With <paramref name="avroOnly"/> its runs read only the Avro metrics topic (the
    /// OTLP topics blanked): the sticky assignor balances partition counts over all subscribed topics, so with empty OTLP
    /// topics subscribed too, one member of a group could own only partitions that carry nothing.
    /// </summary>
    public static async Task<PipelineHarness> CreateAsync(IKafkaTestCluster cluster, int partitions = 3, bool avroOnly = false)
    {
        var topics = UniqueTopics();
        foreach (var t in topics.PipelineTopics.Append(topics.State).Append(topics.Intents))
            await cluster.CreateTopicAsync(t, partitions);
        if (avroOnly)
        {
            topics.OtlpMetrics = string.Empty;
            topics.OtlpSpans = string.Empty;
        }

        var endpoint = KafkaEndpoint.Open(new KafkaOptions { BootstrapServers = cluster.BootstrapServers, SessionTimeout = TimeSpan.FromSeconds(6) });
        return new PipelineHarness(cluster, topics, endpoint);
    }

    /// <summary>Topic names of their own (a random suffix) for every topic a run reads or writes; nothing is created.</summary>
    public static TopicOptions UniqueTopics()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        return new TopicOptions
        {
            Metrics = $"metrics-{id}",
            Anomalies = $"anomalies-{id}",
            Audit = $"audit-{id}",
            DeadLetter = $"dlq-{id}",
            OtlpMetrics = $"otlp-metrics-{id}",
            OtlpSpans = $"otlp-spans-{id}",
            State = $"state-{id}",
            Intents = $"intents-{id}",
        };
    }

    /// <summary>The <c>FINSCALE_Topics__*</c> variables that point a <c>finscale run</c> child at this harness's topics, plus <paramref name="more"/>.</summary>
    public Dictionary<string, string> TopicEnvironment(IEnumerable<KeyValuePair<string, string>>? more = null)
    {
        var t = Topics;
        var environment = new Dictionary<string, string>
        {
            ["FINSCALE_Topics__Metrics"] = t.Metrics,
            ["FINSCALE_Topics__OtlpMetrics"] = t.OtlpMetrics,
            ["FINSCALE_Topics__OtlpSpans"] = t.OtlpSpans,
            ["FINSCALE_Topics__Anomalies"] = t.Anomalies,
            ["FINSCALE_Topics__Audit"] = t.Audit,
            ["FINSCALE_Topics__Intents"] = t.Intents,
            ["FINSCALE_Topics__DeadLetter"] = t.DeadLetter,
            ["FINSCALE_Topics__State"] = t.State,
        };
        foreach (var (key, value) in more ?? [])
            environment[key] = value;
        return environment;
    }

    public async Task PublishAsync(IReadOnlyList<MetricSample> samples)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(Endpoint.ProducerConfig("test")).Build();
        await new MetricReplayer(producer, Serdes.MetricSample, TimeProvider.System).PublishAsync(samples, Topics.Metrics, ReplaySpeed.Max, null, CancellationToken.None);
    }

    public void PublishRaw(IEnumerable<byte[]> values)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(Endpoint.ProducerConfig("test-raw")).Build();
        foreach (var v in values)
            producer.Produce(Topics.Metrics, new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes("raw"), Value = v });
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>Produces raw records (key, value) to <paramref name="topic"/>.</summary>
    public void PublishRaw(string topic, IEnumerable<(byte[]? Key, byte[] Value)> records)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(Endpoint.ProducerConfig("test-raw")).Build();
        foreach (var (k, v) in records)
            producer.Produce(topic, new Message<byte[]?, byte[]> { Key = k, Value = v });
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>Runs the pipeline as group <paramref name="group"/> until its input is idle.</summary>
    public async Task<PipelineStats> RunAsync(
        string group,
        TimeSpan? idle = null,
        OtlpOptions? otlp = null,
        RemediationPolicyDocument? policy = null,
        IClusterViewProvider? cluster = null,
        IRemediationExecutor? executor = null,
        PrescaleSettings? prescale = null,
        PrescaleBoard? board = null,
        TimeSpan? checkpointInterval = null,
        IPipelineObserver? observer = null)
    {
        var pipeline = Create(group, idle ?? TimeSpan.FromSeconds(2), otlp, policy, cluster, executor, prescale, board, checkpointInterval);
        pipeline.Observer = observer;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await pipeline.RunAsync(timeout.Token);
        return pipeline.Stats;
    }

    /// <summary>A pipeline of group <paramref name="group"/> that runs until its caller stops it (no idle stop), for tests that watch its counters live.</summary>
    public MetricsPipeline CreatePipeline(string group) => Create(group, null, null, null, null, null, null, null, null);

    private MetricsPipeline Create(
        string group,
        TimeSpan? idle,
        OtlpOptions? otlp,
        RemediationPolicyDocument? policy,
        IClusterViewProvider? cluster,
        IRemediationExecutor? executor,
        PrescaleSettings? prescale,
        PrescaleBoard? board,
        TimeSpan? checkpointInterval)
    {
        return new MetricsPipeline(
            Endpoint,
            new PipelineSettings
            {
                Kafka = new KafkaOptions { BootstrapServers = _cluster.BootstrapServers, GroupId = group, SessionTimeout = TimeSpan.FromSeconds(6) },
                Topics = Topics,
                Pipeline = new PipelineOptions { Shards = 2, UntilIdle = idle, CheckpointInterval = checkpointInterval ?? new PipelineOptions().CheckpointInterval },
                Otlp = otlp ?? new OtlpOptions(),
                Prescale = prescale ?? new PrescaleSettings(),
                PrescaleBoard = board,
                Decisions = new DecisionSettings(
                    policy ?? TestPolicy,
                    new DiagnosisOptions(),
                    cluster ?? StaticClusterViewProvider.Unknown,
                    new PolicyOptions { FlushAfter = TimeSpan.FromMilliseconds(300), RetryAfter = TimeSpan.FromMilliseconds(200) }),
            },
            Serdes,
            executor ?? new ShadowExecutor(),
            TimeProvider.System,
            NullLogger<MetricsPipeline>.Instance);
    }

    /// <summary>The shipped default policy with the test namespaces allowed.</summary>
    public static RemediationPolicyDocument TestPolicy { get; } =
        PolicyLoader.Default with { Guards = PolicyLoader.Default.Guards with { AllowedNamespaces = ["payments", "shop"] } };

    /// <summary>The anomaly episodes opened (the anomalies topic without the episodes' ends).</summary>
    public async Task<List<TopicRecord<Anomaly>>> ReadAnomaliesAsync() =>
        [.. (await ReadAsync(Topics.Anomalies, Serdes.Anomaly)).Where(r => r.Value.State == AnomalyState.Open)];

    /// <summary>The ends of anomaly episodes on the anomalies topic.</summary>
    public async Task<List<TopicRecord<Anomaly>>> ReadResolutionsAsync() =>
        [.. (await ReadAsync(Topics.Anomalies, Serdes.Anomaly)).Where(r => r.Value.State == AnomalyState.Resolved)];

    /// <summary>The decisions on the audit topic.</summary>
    public Task<List<TopicRecord<RemediationDecision>>> ReadDecisionsAsync() => ReadAsync(Topics.Audit, Serdes.RemediationDecision);

    /// <summary>The intents topic's records in order, per partition: (decision id, the intent or null for its tombstone).</summary>
    public async Task<List<(string DecisionId, RemediationDecision? Intent)>> ReadIntentsAsync()
    {
        var list = new List<(string, RemediationDecision?)>();
        await foreach (var r in Reader.ReadAsync(Topics.Intents, true, TimeSpan.FromSeconds(1.5), CancellationToken.None))
        {
            var value = r.Message.Value is { Length: > 0 } v ? await Serdes.RemediationDecision.DeserializeAsync(v, CancellationToken.None) : null;
            list.Add((Encoding.UTF8.GetString(r.Message.Key!), value));
        }

        return list;
    }

    /// <summary>The dead-letter topic's raw records with their headers.</summary>
    public Task<List<ConsumeResult<byte[]?, byte[]>>> ReadDeadLettersAsync() => ReadRawAsync(Topics.DeadLetter);

    /// <summary>A topic's raw records, from the beginning.</summary>
    public async Task<List<ConsumeResult<byte[]?, byte[]>>> ReadRawAsync(string topic)
    {
        var list = new List<ConsumeResult<byte[]?, byte[]>>();
        await foreach (var r in Reader.ReadAsync(topic, true, TimeSpan.FromSeconds(1.5), CancellationToken.None))
            list.Add(r);
        return list;
    }

    public void Dispose() => Endpoint.Dispose();

    private TopicReader Reader => new(Endpoint, TimeProvider.System);

    private async Task<List<TopicRecord<T>>> ReadAsync<T>(string topic, AvroSerde<T> serde)
    {
        var list = new List<TopicRecord<T>>();
        await foreach (var r in Reader.ReadAsync(topic, serde, true, TimeSpan.FromSeconds(1.5), null, CancellationToken.None))
            list.Add(r);
        return list;
    }
}
