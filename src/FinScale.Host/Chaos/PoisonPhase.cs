using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Streaming.Kafka;

namespace FinScale.Host.Chaos;

/// <summary>
/// Poison input: random bytes, truncated records, oversized records (a valid record followed by 64 KiB of junk) and
/// records of another schema (an Anomaly where a MetricSample belongs), mixed at random into a valid chunk. Checks:
/// every poison record is on the dead-letter topic with a reason, no valid record is, the whole input is committed,
/// and the run never exits.
/// </summary>
internal sealed class PoisonPhase
{
    /// <summary>First chunk of this phase: its event times, anomalies and idempotency keys are its own.</summary>
    private const int ChunkBase = 2000;

    /// <summary>Header naming a poison record's kind, so the dead-letter topic can be matched against what was sent.</summary>
    public const string KindHeader = "chaos.poison";

    private static readonly string[] Kinds = ["random", "truncated", "wrong-schema", "oversized"];
    private readonly ChaosContext _ctx;

    public PoisonPhase(ChaosContext ctx) => _ctx = ctx;

    public async Task<PhaseResult> RunAsync(ChaosWorkload workload, CancellationToken cancellationToken)
    {
        var topics = _ctx.CreateTopics("poison");
        var problems = new List<string>();
        using var child = _ctx.StartRun(topics, "chaos-poison");
        var valid = workload.Chunk(ChunkBase + 0, null);
        var sent = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(_ctx.Endpoint.ProducerConfig("chaos-poison")).Build())
        {
            var poisonLeft = _ctx.Settings.Poison;
            var validLeft = valid.Count;
            var next = 0;
            while (poisonLeft + validLeft > 0)
            {
                if (_ctx.Random.Next(poisonLeft + validLeft) < poisonLeft)
                {
                    // Oversized records are 1 in 50, so the embedded broker's ~5 MiB per partition holds the whole phase.
                    var kind = _ctx.Random.Next(50) == 0 ? "oversized" : Kinds[_ctx.Random.Next(3)];
                    var message = new Message<byte[]?, byte[]>
                    {
                        Key = Encoding.UTF8.GetBytes("poison-" + poisonLeft.ToString(CultureInfo.InvariantCulture)),
                        Value = Poison(kind, valid[_ctx.Random.Next(valid.Count)]),
                        Headers = [new Header(KindHeader, Encoding.UTF8.GetBytes(kind))],
                    };
                    await ProduceAsync(producer, topics.Metrics, message, cancellationToken);
                    sent[kind] = sent.GetValueOrDefault(kind) + 1;
                    poisonLeft--;
                }
                else
                {
                    var sample = valid[next++];
                    await ProduceAsync(producer, topics.Metrics, new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(sample.Key.Text), Value = _ctx.Serdes.MetricSample.Serialize(sample), Timestamp = new Timestamp(sample.Timestamp) }, cancellationToken);
                    validLeft--;
                }
            }

            producer.Flush(cancellationToken);
        }

        if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(2), cancellationToken, child))
            problems.Add("the run did not commit the whole input within 2 min");
        if (child.HasExited)
            problems.Add($"the run exited (code {await child.WaitAsync(TimeSpan.Zero)}): a poison record stopped it");
        if (await child.StopAsync() is { } stopped)
            problems.Add(stopped); // a clean stop (exit 0 within 10 s of the signal) is part of the contract

        var dead = await _ctx.ReadDeadLettersAsync(topics, cancellationToken);
        string? Header(ConsumeResult<byte[]?, byte[]> r, string key) =>
            r.Message.Headers?.TryGetLastBytes(key, out var b) == true ? Encoding.UTF8.GetString(b) : null;
        var landed = dead.Where(r => Header(r, KindHeader) is not null && !string.IsNullOrWhiteSpace(Header(r, DeadLetterHeaders.Reason))).ToList();
        var landedKinds = landed.GroupBy(r => Header(r, KindHeader)!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var validDead = dead.Count(r => Header(r, KindHeader) is null);
        if (validDead > 0)
            problems.Add($"{validDead} valid records were dead-lettered");
        var missing = Kinds.Select(k => (Kind: k, Missing: sent.GetValueOrDefault(k) - landedKinds.GetValueOrDefault(k))).Where(x => x.Missing > 0).ToList();
        foreach (var (kind, n) in missing)
            problems.Add($"{n} {kind} poison records are not on the dead-letter topic with a reason");
        var reasons = landed.Select(r => Header(r, DeadLetterHeaders.Reason)!).Select(r => r.Length > 60 ? r[..60] : r).Distinct(StringComparer.Ordinal).Take(3);

        var uncommitted = _ctx.Uncommitted(topics);
        var lostPoison = missing.Sum(x => (long)x.Missing);
        _ctx.Report(string.Create(CultureInfo.InvariantCulture,
            $"chaos poison sent={_ctx.Settings.Poison} ({string.Join(", ", Kinds.Select(k => $"{k} {sent.GetValueOrDefault(k)}"))}) dead_lettered={landed.Count} valid_dead_lettered={validDead} valid={valid.Count} uncommitted={uncommitted} e.g. reasons: {string.Join(" | ", reasons)}"));
        return new PhaseResult("poison", _ctx.Settings.Poison, valid.Count + _ctx.Settings.Poison, uncommitted + lostPoison, 0, problems);
    }

    private byte[] Poison(string kind, MetricSample sample)
    {
        var rng = _ctx.Random;
        switch (kind)
        {
            case "random":
            {
                var bytes = new byte[rng.Next(1, 300)];
                rng.NextBytes(bytes);
                return bytes;
            }

            case "truncated":
            {
                var whole = _ctx.Serdes.MetricSample.Serialize(sample);
                return whole[..rng.Next(1, whole.Length - 1)];
            }

            case "oversized":
            {
                var whole = _ctx.Serdes.MetricSample.Serialize(sample);
                var bytes = new byte[whole.Length + (64 * 1024)];
                whole.CopyTo(bytes, 0);
                rng.NextBytes(bytes.AsSpan(whole.Length));
                return bytes;
            }

            default:
                return _ctx.Serdes.Anomaly.Serialize(new Anomaly(
                    "poison", sample.Key.Text, sample.Name, sample.Attributes, sample.Timestamp, sample.Value, 0, 1, 1, "chaos"));
        }
    }

    private static async Task ProduceAsync(IProducer<byte[]?, byte[]> producer, string topic, Message<byte[]?, byte[]> message, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }
}
