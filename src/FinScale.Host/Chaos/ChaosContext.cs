using System.Globalization;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Streaming.Audit;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Embedded;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Replay;

namespace FinScale.Host.Chaos;

/// <summary>What every phase shares: the embedded broker, the simulated cluster, the codecs, the children's
/// configuration, and the ledger reads (committed offsets against the end of the input, the audit topic).</summary>
internal sealed class ChaosContext
{
    /// <summary>Partitions of every phase's topics.</summary>
    public const int Partitions = 4;

    private int _children;

    public ChaosContext(ChaosSettings settings, KafkaEndpoint endpoint, AvroSerdes serdes, ChaosCluster cluster, string workDirectory, TextWriter output, TimeProvider time)
    {
        Settings = settings;
        Endpoint = endpoint;
        Broker = endpoint.Embedded ?? throw new InvalidOperationException("finscale chaos needs the embedded broker (no Kafka:BootstrapServers)");
        Serdes = serdes;
        Cluster = cluster;
        WorkDirectory = workDirectory;
        Output = output;
        Time = time;
        Random = new Random(settings.Seed);
        PolicyPath = ChaosPolicy.Write(workDirectory);

        // The runs create the pipeline topics they miss through the admin API, which the embedded broker lacks: the
        // OTLP inputs they also subscribe to are created here (the phases' own topics in CreateTopics).
        Broker.TryCreateTopic(TopicNames.OtlpMetrics, Partitions);
        Broker.TryCreateTopic(TopicNames.OtlpSpans, Partitions);
    }

    public ChaosSettings Settings { get; }

    public KafkaEndpoint Endpoint { get; }

    /// <summary>The embedded broker, for taking its brokers down.</summary>
    public EmbeddedKafkaCluster Broker { get; }

    public AvroSerdes Serdes { get; }

    public ChaosCluster Cluster { get; }

    public string WorkDirectory { get; }

    public TextWriter Output { get; }

    public TimeProvider Time { get; }

    /// <summary>Every random choice of the run, from <see cref="ChaosSettings.Seed"/>.</summary>
    public Random Random { get; }

    public string PolicyPath { get; }

    /// <summary>Writes one report line.</summary>
    public void Report(string line)
    {
        Output.WriteLine(line);
        Output.Flush();
    }

    /// <summary>Creates the topics of phase <paramref name="phase"/>.</summary>
    public PhaseTopics CreateTopics(string phase, int partitions = Partitions)
    {
        var topics = new PhaseTopics(phase);
        foreach (var t in new[] { topics.Metrics, topics.Anomalies, topics.Audit, topics.DeadLetter, topics.State, topics.Intents })
            Broker.TryCreateTopic(t, partitions);
        return topics;
    }

    /// <summary>Starts a <c>finscale run</c> child for <paramref name="topics"/>, enforcing on the simulated cluster as
    /// <paramref name="identity"/> with the chaos policy (or <paramref name="policyPath"/>).</summary>
    public RunChild StartRun(PhaseTopics topics, string identity, IReadOnlyDictionary<string, string>? extra = null, string? policyPath = null)
    {
        var kubeconfig = Cluster.WriteKubeconfig(WorkDirectory, identity);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FINSCALE_Topics__Metrics"] = topics.Metrics,
            ["FINSCALE_Topics__Anomalies"] = topics.Anomalies,
            ["FINSCALE_Topics__Audit"] = topics.Audit,
            ["FINSCALE_Topics__DeadLetter"] = topics.DeadLetter,
            ["FINSCALE_Topics__State"] = topics.State,
            ["FINSCALE_Topics__Intents"] = topics.Intents,
            // Baselines checkpointed every second, so a run started after a SIGKILL restores them instead of starting cold.
            ["FINSCALE_Pipeline__CheckpointInterval"] = "00:00:01",
            ["FINSCALE_Topics__Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            // A killed member's partitions come back after its session times out: keep that short.
            ["FINSCALE_Kafka__SessionTimeout"] = "00:00:04",
            ["FINSCALE_Policy__FlushAfter"] = "00:00:00.500",
            ["FINSCALE_Policy__RetryAfter"] = "00:00:02",
            ["FINSCALE_Telemetry__Port"] = "0",
            ["FINSCALE_Logging__LogLevel__Default"] = "Warning",
            ["FINSCALE_Logging__LogLevel__FinScale.Kubernetes.RemediationExecution"] = "Information", // one line per decision carried out
            ["FINSCALE_Kubernetes__RetryBaseDelay"] = "00:00:00.100",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
            environment[k] = v;
        var n = Interlocked.Increment(ref _children);
        var name = string.Create(CultureInfo.InvariantCulture, $"{topics.Phase}#{n}");
        return RunChild.Start(
            name,
            ["--bootstrap-servers", Endpoint.BootstrapServers, "--group", topics.Group, "--policy", policyPath ?? PolicyPath, "--kubeconfig", kubeconfig, "--mode", "enforce"],
            environment,
            Path.Combine(WorkDirectory, $"{topics.Phase}.log"));
    }

    /// <summary>Publishes <paramref name="samples"/> to <paramref name="topic"/> as <c>finscale replay</c> does; returns how many were acknowledged.</summary>
    public async Task<long> PublishAsync(IReadOnlyList<MetricSample> samples, string topic, CancellationToken cancellationToken)
    {
        var config = Endpoint.ProducerConfig("chaos");
        config.MessageTimeoutMs = 300_000; // outlives a broker outage, however long the embedded broker takes to listen again
        using var producer = new ProducerBuilder<byte[]?, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        return await new MetricReplayer(producer, Serdes.MetricSample, Time).PublishAsync(samples, topic, ReplaySpeed.Max, null, cancellationToken);
    }

    /// <summary>Input records of <paramref name="topics"/> not yet behind the group's committed offsets (end of log minus committed, per partition).</summary>
    public long Uncommitted(PhaseTopics topics)
    {
        var config = Endpoint.ConsumerConfig(topics.Group, "chaos-ledger");
        config.EnableAutoCommit = false;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        var partitions = Enumerable.Range(0, PartitionsOf(topics.Metrics)).Select(p => new TopicPartition(topics.Metrics, p)).ToList();
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
        long behind = 0;
        foreach (var c in committed)
        {
            var w = consumer.QueryWatermarkOffsets(c.TopicPartition, TimeSpan.FromSeconds(10));
            var from = c.Offset.IsSpecial ? w.Low.Value : c.Offset.Value;
            behind += Math.Max(0, w.High.Value - from);
        }

        return behind;
    }

    /// <summary>Records the broker has already dropped from the start of the input (the embedded broker keeps ~5 MiB per partition).</summary>
    public long DroppedByRetention(PhaseTopics topics)
    {
        var config = Endpoint.ConsumerConfig(topics.Group, "chaos-ledger");
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        return Enumerable.Range(0, PartitionsOf(topics.Metrics))
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topics.Metrics, p), TimeSpan.FromSeconds(10)).Low.Value);
    }

    /// <summary>Waits until the group has committed the whole input (true), or <paramref name="timeout"/> passed or
    /// <paramref name="child"/> exited (false).</summary>
    public async Task<bool> WaitCommittedAsync(PhaseTopics topics, TimeSpan timeout, CancellationToken cancellationToken, RunChild? child = null)
    {
        var started = Time.GetTimestamp();
        while (Time.GetElapsedTime(started) < timeout && child?.HasExited != true)
        {
            if (Uncommitted(topics) == 0)
                return true;
            await Task.Delay(TimeSpan.FromMilliseconds(500), Time, cancellationToken);
        }

        return Uncommitted(topics) == 0;
    }

    /// <summary>Every decision on the phase's audit topic.</summary>
    public async Task<List<RemediationDecision>> ReadDecisionsAsync(PhaseTopics topics, CancellationToken cancellationToken)
    {
        var list = new List<RemediationDecision>();
        await foreach (var r in new TopicReader(Endpoint, Time).ReadAsync(topics.Audit, Serdes.RemediationDecision, true, TimeSpan.FromSeconds(1), null, cancellationToken))
            list.Add(r.Value);
        return list;
    }

    /// <summary>The phase's intents no run settled (audited the outcome of) yet.</summary>
    public async Task<IReadOnlyList<RemediationDecision>> ReadOpenIntentsAsync(PhaseTopics topics, CancellationToken cancellationToken) =>
        await OpenIntents.FindAsync(Endpoint, topics.Intents, Serdes.RemediationDecision, int.MaxValue, TimeSpan.FromSeconds(30), Time, cancellationToken);

    /// <summary>Every record on the phase's dead-letter topic.</summary>
    public async Task<List<ConsumeResult<byte[]?, byte[]>>> ReadDeadLettersAsync(PhaseTopics topics, CancellationToken cancellationToken)
    {
        var list = new List<ConsumeResult<byte[]?, byte[]>>();
        await foreach (var r in new TopicReader(Endpoint, Time).ReadAsync(topics.DeadLetter, true, TimeSpan.FromSeconds(1), cancellationToken))
            list.Add(r);
        return list;
    }

    /// <summary>A free loopback TCP port (for a child's telemetry server).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Records the child serving telemetry on <paramref name="port"/> has consumed (its <c>/readyz</c> says), or null when it does not answer.</summary>
    public static async Task<long?> RecordsConsumedAsync(HttpClient http, int port, CancellationToken cancellationToken)
    {
        try
        {
            var body = await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/readyz")), cancellationToken);
            var at = body.IndexOf("records=", StringComparison.Ordinal);
            return at < 0 ? null : long.Parse(body[(at + "records=".Length)..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or FormatException && !cancellationToken.IsCancellationRequested)
        {
            // 503 (not connected yet) or not listening yet.
            return null;
        }
    }

    private int PartitionsOf(string topic)
    {
        using var admin = Endpoint.CreateAdminClient();
        return admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count;
    }
}

/// <summary>The topics and consumer group of one phase, so phases never see each other's records.</summary>
/// <param name="Phase">The phase's name.</param>
internal sealed record PhaseTopics(string Phase)
{
    public string Metrics => $"chaos.{Phase}.metrics";

    public string Anomalies => $"chaos.{Phase}.anomalies";

    public string Audit => $"chaos.{Phase}.audit";

    public string DeadLetter => $"chaos.{Phase}.dlq";

    /// <summary>Baseline checkpoints (compacted on a real cluster; the embedded broker keeps its newest ~5 MiB per partition).</summary>
    public string State => $"chaos.{Phase}.state";

    /// <summary>The write-ahead log of the phase's enforced actions.</summary>
    public string Intents => $"chaos.{Phase}.intents";

    public string Group => $"chaos-{Phase}";
}
