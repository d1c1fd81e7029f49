using System.Text.Json;

namespace FinScale.Streaming.Telemetry;

/// <summary>
/// What librdkafka's statistics (JSON every <c>statistics.interval.ms</c>) say about a consumer: brokers up and the lag
/// per assigned partition. Fed by the consumer's statistics handler; read by the metrics and the readiness endpoint.
/// </summary>
public sealed class KafkaClientStatistics
{
    private volatile Snapshot _current = new(0, [], DateTimeOffset.MinValue);
    private readonly TimeProvider _time;

    /// <summary>Creates an empty view; nothing is known until the first statistics arrive.</summary>
    public KafkaClientStatistics(TimeProvider time) => _time = time;

    /// <summary>Brokers in state UP at the last statistics.</summary>
    public int BrokersUp => _current.BrokersUp;

    /// <summary>Lag (records behind the end) per topic and partition the consumer owns, at the last statistics.</summary>
    public IReadOnlyList<(string Topic, int Partition, long Lag)> Lag => _current.Lag;

    /// <summary>When the last statistics arrived.</summary>
    public DateTimeOffset UpdatedAt => _current.At;

    /// <summary>True when the last statistics are recent (within <paramref name="freshness"/>) and show a broker up.</summary>
    public bool IsConnected(TimeSpan freshness) => BrokersUp > 0 && _time.GetUtcNow() - UpdatedAt <= freshness;

    /// <summary>Reads one statistics document; a document it cannot read leaves the last one standing.</summary>
    public void Update(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var up = 0;
            if (root.TryGetProperty("brokers", out var brokers))
            {
                foreach (var b in brokers.EnumerateObject())
                {
                    // The bootstrap pseudo-brokers have nodeid -1; count the cluster's real brokers only.
                    if (b.Value.TryGetProperty("state", out var state) && state.GetString() == "UP"
                        && (!b.Value.TryGetProperty("nodeid", out var id) || id.GetInt32() >= 0))
                    {
                        up++;
                    }
                }
            }

            var lag = new List<(string, int, long)>();
            if (root.TryGetProperty("topics", out var topics))
            {
                foreach (var t in topics.EnumerateObject())
                {
                    if (!t.Value.TryGetProperty("partitions", out var parts))
                        continue;
                    foreach (var p in parts.EnumerateObject())
                    {
                        var v = p.Value;
                        var partition = v.TryGetProperty("partition", out var pn) ? pn.GetInt32() : -1;
                        var owned = v.TryGetProperty("fetch_state", out var fs) && fs.GetString() is { } s && s != "none" && s != "stopped";
                        if (partition < 0 || !owned || !v.TryGetProperty("consumer_lag", out var cl))
                            continue;
                        var value = cl.GetInt64();
                        if (value >= 0)
                            lag.Add((t.Name, partition, value));
                    }
                }
            }

            _current = new Snapshot(up, lag, _time.GetUtcNow());
        }
        catch (JsonException)
        {
            // A document cut short or malformed: keep the last good view.
        }
    }

    private sealed record Snapshot(int BrokersUp, IReadOnlyList<(string Topic, int Partition, long Lag)> Lag, DateTimeOffset At);
}
