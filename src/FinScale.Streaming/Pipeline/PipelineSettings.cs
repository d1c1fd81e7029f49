using FinScale.Detection;
using FinScale.Detection.Traces;
using FinScale.Streaming.Configuration;

namespace FinScale.Streaming.Pipeline;

/// <summary>Every option section <c>finscale run</c> reads, validated at start by the host.</summary>
public sealed record PipelineSettings
{
    /// <summary>Broker connection and consumer group.</summary>
    public KafkaOptions Kafka { get; init; } = new();

    /// <summary>Topic names.</summary>
    public TopicOptions Topics { get; init; } = new();

    /// <summary>Shape of the pipeline.</summary>
    public PipelineOptions Pipeline { get; init; } = new();

    /// <summary>Detector tuning and the series cap.</summary>
    public DetectorOptions Detection { get; init; } = new();

    /// <summary>The policy, diagnosis tuning, cluster view and decision window the decision stage decides with.</summary>
    public DecisionSettings? Decisions { get; init; }

    /// <summary>How OTLP input is read.</summary>
    public OtlpOptions Otlp { get; init; } = new();

    /// <summary>The deployments whose load is forecast and pre-scaled (none by default).</summary>
    public Prescale.PrescaleSettings Prescale { get; init; } = new();

    /// <summary>Where the pre-scale recommendations are published (the KEDA scaler reads it); a private one when null.</summary>
    public Prescale.PrescaleBoard? PrescaleBoard { get; init; }

    /// <summary>How spans become RED metrics and service-graph edges.</summary>
    public TraceMetricsOptions Traces { get; init; } = new();
}
