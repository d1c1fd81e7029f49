using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Remediation;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Planning;
using FinScale.Remediation.Policy;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Writes each anomaly as it arrives, gathers the anomalies of one event-time window, diagnoses them together
/// against the cluster view, plans and guards the actions (pure), has the executor carry out those let through
/// and writes every decision to the audit topic. The records that raised a window's anomalies are complete
/// only when the anomalies and all of the window's decisions are acknowledged.
/// </summary>
internal sealed class DecisionStage
{
    private readonly ChannelReader<AnomalyEnvelope> _input;
    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly AvroSerde<Anomaly> _anomalies;
    private readonly AvroSerde<RemediationDecision> _decisions;
    private readonly IRemediationExecutor _executor;
    private readonly DecisionSettings _settings;
    private readonly TopicOptions _topics;
    private readonly PipelineStats _stats;
    private readonly DeliveryFaults _faults;
    private readonly IPipelineObserver? _observer;
    private readonly ISeriesLiveness _liveness;
    private readonly TelemetryClusterView _telemetryView;
    private readonly ActionHistory _history = new();
    private readonly List<AnomalyEnvelope> _window = [];
    private DateTimeOffset _windowStart;

    public DecisionStage(
        ChannelReader<AnomalyEnvelope> input,
        IProducer<byte[]?, byte[]> producer,
        AvroSerdes serdes,
        IRemediationExecutor executor,
        DecisionSettings settings,
        TopicOptions topics,
        PipelineStats stats,
        DeliveryFaults faults,
        IPipelineObserver? observer,
        ISeriesLiveness liveness,
        TelemetryClusterView telemetryView)
    {
        _input = input;
        _producer = producer;
        _anomalies = serdes.Anomaly;
        _decisions = serdes.RemediationDecision;
        _executor = executor;
        _settings = settings;
        _topics = topics;
        _stats = stats;
        _faults = faults;
        _observer = observer;
        _liveness = liveness;
        _telemetryView = telemetryView;
    }

    public async Task RunAsync(CancellationToken abort)
    {
        while (true)
        {
            if (_window.Count > 0 && !_input.TryPeek(out _))
            {
                // An open window waits a moment of wall-clock time for the rest of its incident, then is diagnosed.
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(abort);
                idle.CancelAfter(_settings.Options.FlushAfter);
                bool more;
                try
                {
                    more = await _input.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!abort.IsCancellationRequested)
                {
                    await FlushAsync(abort);
                    continue;
                }

                if (!more)
                    break;
            }
            else if (!await _input.WaitToReadAsync(abort))
            {
                break;
            }

            while (_input.TryRead(out var envelope))
                await AcceptAsync(envelope, abort);
        }

        await FlushAsync(abort);
    }

    private async Task AcceptAsync(AnomalyEnvelope envelope, CancellationToken abort)
    {
        var (anomaly, ticket) = envelope;
        ticket.AddPending(); // two pieces of work: the anomaly record and the window's decisions (or, for an episode's end, nothing more)
        ProducerRetry.Produce(_producer, _topics.Anomalies, new Message<byte[]?, byte[]>
        {
            Key = Encoding.UTF8.GetBytes(anomaly.Series),
            Value = _anomalies.Serialize(anomaly),
            Timestamp = new Timestamp(anomaly.EventTime),
        }, _faults.Completing(ticket));
        if (anomaly.State != AnomalyState.Open)
        {
            // The end of an episode is recorded for the audit report's "recovered on its own"; nothing to decide.
            ticket.Complete();
            return;
        }

        _stats.AddAnomaly();
        _observer?.OnAnomaly(anomaly);

        // Event time decides which anomalies are diagnosed together: a replay groups them the same way.
        if (_window.Count > 0 && anomaly.EventTime - _windowStart >= _settings.Options.Window)
            await FlushAsync(abort);
        if (_window.Count == 0)
            _windowStart = anomaly.EventTime;
        _window.Add(envelope);
    }

    private async Task FlushAsync(CancellationToken abort)
    {
        if (_window.Count == 0)
            return;

        var window = _window.ToList();
        _window.Clear();

        // The decisions of a window complete its records together, once every audit record is acknowledged.
        var done = new RecordTicket(_ => window.ForEach(e => e.Ticket.Complete()));
        var anomalies = window.Select(e => e.Anomaly).ToList();
        var now = anomalies.Max(a => a.EventTime);
        // No cluster to read (or not listed yet): the telemetry's own attributes stand in for it.
        var cluster = _settings.Cluster.Current;
        if (!cluster.Known)
            cluster = _telemetryView.Current;
        var findings = Diagnoser.Diagnose(anomalies, cluster, _settings.Diagnosis, now);
        var planned = RemediationPlanner.Plan(findings, cluster, _settings.Policy, _history, _liveness, now);
        foreach (var plan in planned)
        {
            var decision = plan.IsActionable ? await _executor.ExecuteAsync(plan, abort) : plan.Decision;
            done.AddPending();
            ProducerRetry.Produce(_producer, _topics.Audit, new Message<byte[]?, byte[]>
            {
                Key = Encoding.UTF8.GetBytes(decision.Target?.ToString() ?? decision.Anomaly.Series),
                Value = _decisions.Serialize(decision),
                Timestamp = new Timestamp(decision.EventTime),
            }, _faults.Completing(done));
            _stats.AddDecision();
            _observer?.OnDecision(decision);
        }

        done.Complete();
    }
}

/// <summary>What the decision stage decides with: the policy, diagnosis tuning, the cluster view and the window.</summary>
/// <param name="Policy">The remediation policy (modes already overridden by <c>--mode</c>).</param>
/// <param name="Diagnosis">Diagnosis tuning.</param>
/// <param name="Cluster">The cluster view.</param>
/// <param name="Options">Window and flush options.</param>
public sealed record DecisionSettings(
    RemediationPolicyDocument Policy,
    DiagnosisOptions Diagnosis,
    IClusterViewProvider Cluster,
    PolicyOptions Options);
