using System.Diagnostics.Tracing;

namespace FinScale.Telemetry.Kafka.Delivery;

/// <summary>Self-diagnostics of the exporter, in the OpenTelemetry SDK's manner: an EventSource, silent unless a listener enables it.</summary>
/// <remarks>librdkafka's own log lines are routed here too, so a service whose Kafka is down does not fill stderr.</remarks>
[EventSource(Name = "FinScale-Telemetry-Kafka")]
internal sealed class KafkaExporterEventSource : EventSource
{
    /// <summary>The one instance.</summary>
    public static readonly KafkaExporterEventSource Log = new();

    private KafkaExporterEventSource()
    {
    }

    /// <summary>An export batch could not be serialized; its telemetry was dropped.</summary>
    [Event(1, Level = EventLevel.Error, Message = "Kafka {0} export failed: {1}")]
    public void ExportFailed(string signal, string error) => WriteEvent(1, signal, error);

    /// <summary>A record was dropped: refused by the full queue, failed or timed out, or abandoned at shutdown.</summary>
    [Event(2, Level = EventLevel.Warning, Message = "Kafka exporter dropped {0} record(s) for topic '{1}': {2}")]
    public void RecordsDropped(long records, string topic, string reason) => WriteEvent(2, records, topic, reason);

    /// <summary>A log line of the librdkafka client.</summary>
    [Event(3, Level = EventLevel.Informational, Message = "librdkafka {0} {1}: {2}")]
    public void ClientLog(string level, string facility, string message) => WriteEvent(3, level, facility, message);

    /// <summary>An error reported by the librdkafka client (e.g. all brokers down).</summary>
    [Event(4, Level = EventLevel.Warning, Message = "librdkafka error {0}: {1}")]
    public void ClientError(string code, string reason) => WriteEvent(4, code, reason);
}
