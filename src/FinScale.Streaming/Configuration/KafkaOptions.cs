using System.ComponentModel.DataAnnotations;

namespace FinScale.Streaming.Configuration;

/// <summary>How to reach Kafka. Without <see cref="BootstrapServers"/> an embedded broker is started in-process.</summary>
public sealed class KafkaOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Kafka";

    /// <summary>Comma-separated <c>host:port</c> list; empty starts the embedded broker.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Consumer group of <c>finscale run</c>; instances with the same group share the partitions.</summary>
    [Required(AllowEmptyStrings = false)]
    public string GroupId { get; set; } = "finscale";

    /// <summary>Client id reported to the brokers.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ClientId { get; set; } = "finscale";

    /// <summary>Consumer group session timeout; also how long a rebalance waits for a departed member.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long start-up waits for the brokers to answer before failing with their address.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Brokers of the embedded cluster when one is started.</summary>
    [Range(1, 16)]
    public int EmbeddedBrokers { get; set; } = 1;

    /// <summary>Extra librdkafka properties (e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>) passed to every client.</summary>
    public Dictionary<string, string> Properties { get; init; } = new(StringComparer.Ordinal);
}
