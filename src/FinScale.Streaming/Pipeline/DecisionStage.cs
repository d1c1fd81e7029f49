using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Remediation;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Writes each anomaly, decides what to do about it (pure policy), has the executor carry it out
/// (shadow: record only) and writes the decision to the audit topic. The record that raised the
/// anomaly is complete only when both writes are acknowledged.
/// </summary>
internal sealed class DecisionStage
{
    private readonly ChannelReader<AnomalyEnvelope> _input;
    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly AvroSerde<Anomaly> _anomalies;
    private readonly AvroSerde<RemediationDecision> _decisions;
    private readonly IRemediationExecutor _executor;
    private readonly PolicyOptions _policy;
    private readonly TopicOptions _topics;
    private readonly PipelineStats _stats;
    private readonly DeliveryFaults _faults;
    private readonly IPipelineObserver? _observer;
    private readonly ActionHistory _history = new();

    public DecisionStage(
        ChannelReader<AnomalyEnvelope> input,
        IProducer<byte[]?, byte[]> producer,
        AvroSerde<Anomaly> anomalies,
        AvroSerde<RemediationDecision> decisions,
        IRemediationExecutor executor,
        PolicyOptions policy,
        TopicOptions topics,
        PipelineStats stats,
        DeliveryFaults faults,
        IPipelineObserver? observer)
    {
        _input = input;
        _producer = producer;
        _anomalies = anomalies;
        _decisions = decisions;
        _executor = executor;
        _policy = policy;
        _topics = topics;
        _stats = stats;
        _faults = faults;
        _observer = observer;
    }

    public async Task RunAsync(CancellationToken abort)
    {
        await foreach (var (anomaly, ticket) in _input.ReadAllAsync(abort))
        {
            ticket.AddPending(); // two writes: the anomaly and the decision
            ProducerRetry.Produce(_producer, _topics.Anomalies, new Message<byte[]?, byte[]>
            {
                Key = Encoding.UTF8.GetBytes(anomaly.Series),
                Value = _anomalies.Serialize(anomaly),
                Timestamp = new Timestamp(anomaly.EventTime),
            }, _faults.Completing(ticket));
            _stats.AddAnomaly();
            _observer?.OnAnomaly(anomaly);

            // Event time drives the decision: a replay decides the same.
            var decision = RemediationPolicy.Decide(anomaly, _history, _policy, anomaly.EventTime);
            _history.Record(decision);
            if (decision.Action != ActionKind.None && decision.Outcome == DecisionOutcome.Recommended)
                decision = await _executor.ExecuteAsync(decision, abort);

            ProducerRetry.Produce(_producer, _topics.Audit, new Message<byte[]?, byte[]>
            {
                Key = Encoding.UTF8.GetBytes(decision.Target?.ToString() ?? anomaly.Series),
                Value = _decisions.Serialize(decision),
                Timestamp = new Timestamp(decision.EventTime),
            }, _faults.Completing(ticket));
            _stats.AddDecision();
            _observer?.OnDecision(decision);
        }
    }
}
