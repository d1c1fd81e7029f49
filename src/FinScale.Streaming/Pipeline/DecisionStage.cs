using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Remediation;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Planning;
using FinScale.Remediation.Policy;
using FinScale.Streaming.Audit;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Telemetry;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Writes each anomaly as it arrives, gathers the anomalies of one event-time window, diagnoses them together
/// against the cluster view, plans and guards the actions (pure), has the executor carry out those let through
/// and writes every decision to the audit topic. The records that raised a window's anomalies are complete
/// only when the anomalies and all of the window's decisions are acknowledged.
/// </summary>
/// <remarks>
/// Two loops: one writes each anomaly to its topic the moment it arrives and hands it on; the other gathers, diagnoses
/// and decides. A storm's window (18,600 anomalies at a million series) takes 0.1–0.25 s to decide on two busy cores;
/// with one loop, every anomaly behind it, and detection behind the full anomaly channel, waited that long. Only the
/// deciding loop touches the window, history and retries.
/// </remarks>
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

    /// <summary>A role's name as the anomaly counter's kind tag: constants, where ToString().ToLowerInvariant() made two strings an anomaly (a storm opens 18,600 within a second).</summary>
    private static string RoleName(MetricRole role) => role switch
    {
        MetricRole.Throughput => "throughput",
        MetricRole.Latency => "latency",
        MetricRole.Errors => "errors",
        MetricRole.Saturation => "saturation",
        _ => "other",
    };

    /// <summary>Where windows are diagnosed and planned, below the pipeline's priority (see <see cref="LowPriorityWorker"/>); set while running.</summary>
    private LowPriorityWorker? _heavy;

    // Anomalies written to their topic, waiting to be decided: room for a storm's window (the emitting loop waits
    // beyond it), so anomalies are written, and detection goes on, while one is diagnosed.
    private readonly Channel<AnomalyEnvelope> _accepted = Channel.CreateBounded<AnomalyEnvelope>(new BoundedChannelOptions(AcceptedCapacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Written anomalies the deciding loop may fall behind by: more than the largest storm seen at a million series.</summary>
    private const int AcceptedCapacity = 32_768;
    private readonly List<PendingRetry> _retries = [];

    // Episodes that ended, newest last, bounded: a refused action whose episode ended before its decision was made (the
    // shards can hand the end over first) is not retried, exactly as if the end had arrived after it.
    private readonly HashSet<string> _resolved = new(StringComparer.Ordinal);
    private readonly Queue<string> _resolvedOrder = new();
    private const int ResolvedMemory = 65_536;
    private readonly TimeProvider _time;
    private readonly AuditChain? _chain;
    private readonly IReadOnlyList<RemediationDecision> _openIntents;
    private readonly string? _intents;

    // Decisions whose intent is on the intents topic and whose outcome is not audited yet (this stage's thread only).
    private readonly HashSet<string> _unsettled = new(StringComparer.Ordinal);
    private DateTimeOffset _windowStart;
    private DateTimeOffset _windowEnd;
    private long _windowOpenedAt;

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
        TelemetryClusterView telemetryView,
        TimeProvider time,
        AuditChain? chain,
        string? intentsTopic = null,
        IReadOnlyList<RemediationDecision>? openIntents = null)
    {
        _input = input;
        _producer = producer;
        _anomalies = serdes.Anomaly;
        _decisions = serdes.RemediationDecision;
        _executor = executor;
        _settings = settings;
        FinScaleTelemetry.ClassifyAnomaliesWith(a => RoleName(settings.Diagnosis.RoleOf(a.Metric, a.Attributes)));
        _topics = topics;
        _stats = stats;
        _faults = faults;
        _observer = observer;
        _liveness = liveness;
        _telemetryView = telemetryView;
        _time = time;
        _chain = chain;
        _intents = string.IsNullOrEmpty(intentsTopic) ? null : intentsTopic;
        _openIntents = openIntents ?? [];
    }

    public async Task RunAsync(CancellationToken abort)
    {
        using var heavy = new LowPriorityWorker("finscale-diagnose");
        _heavy = heavy;
        using var decidingFailed = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var deciding = Task.Run(
            async () =>
            {
                try
                {
                    await DecideAsync(abort);
                }
                catch
                {
                    await decidingFailed.CancelAsync(); // the emitting loop must not wait for room that never comes
                    throw;
                }
            },
            CancellationToken.None);

        Exception? emitting = null;
        try
        {
            await EmitAsync(decidingFailed.Token);
        }
        catch (OperationCanceledException) when (decidingFailed.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            // The deciding loop failed; its exception is the one to report.
        }
        catch (Exception ex)
        {
            emitting = ex;
        }
        finally
        {
            _accepted.Writer.TryComplete();
        }

        await deciding;
        if (emitting is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(emitting);
    }

    /// <summary>Writes each anomaly to its topic as it arrives and hands it to the deciding loop (a pre-scale finding only handed on).</summary>
    private async Task EmitAsync(CancellationToken cancel)
    {
        while (await _input.WaitToReadAsync(cancel))
        {
            while (_input.TryRead(out var envelope))
            {
                if (envelope.Prescale is null)
                    Emit(envelope.Anomaly, envelope.Ticket);
                if (!_accepted.Writer.TryWrite(envelope))
                    await _accepted.Writer.WriteAsync(envelope, cancel);
            }
        }
    }

    private void Emit(Anomaly anomaly, RecordTicket ticket)
    {
        ticket.AddPending(); // two pieces of work: the anomaly record and the window's decisions (or, for an episode's end, nothing more)
        ProducerRetry.Produce(_producer, _topics.Anomalies, new Message<byte[]?, byte[]>
        {
            Key = Encoding.UTF8.GetBytes(anomaly.Series),
            Value = _anomalies.Serialize(anomaly),
            Timestamp = new Timestamp(anomaly.EventTime),
        }, _faults.Completing(ticket));
        if (anomaly.State != AnomalyState.Open)
            return;
        _stats.AddAnomaly();
        _observer?.OnAnomaly(anomaly);
    }

    /// <summary>Gathers the written anomalies into windows and decides each; carries out retries; settles a previous run's intents first.</summary>
    private async Task DecideAsync(CancellationToken abort)
    {
        var input = _accepted.Reader;

        // A previous run's enforced decisions that were started but never settled come first: their outcome is read
        // off the cluster and audited, so every action on the cluster has its record (never repeated here).
        foreach (var intent in _openIntents)
        {
            _unsettled.Add(intent.DecisionId);
            Audit(await _executor.ReconcileAsync(intent, abort), null);
        }

        while (true)
        {
            await RetryDueAsync(abort);
            await FoldTelemetryWhileIdleAsync();
            var wait = NextWait();
            if (!_settings.Cluster.Current.Known)
                wait = wait is { } w && w < TelemetryFoldPoll ? w : TelemetryFoldPoll; // come round to fold new series
            if (wait is { } timeout && !input.TryPeek(out _))
            {
                // An open window waits a moment of wall-clock time for the rest of its incident, then is diagnosed;
                // a blocked action waits for its retry.
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(abort);
                idle.CancelAfter(timeout);
                bool more;
                try
                {
                    more = await input.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!abort.IsCancellationRequested)
                {
                    if (FlushDue)
                    {
                        var flushing = _time.GetTimestamp();
                        await FlushAsync(abort);
                        _stats.AddDecisionBusy(_time.GetElapsedTime(flushing));
                    }

                    continue;
                }

                if (!more)
                    break;
            }
            else if (!await input.WaitToReadAsync(abort))
            {
                break;
            }

            var accepting = _time.GetTimestamp();
            while (input.TryRead(out var envelope))
                await AcceptAsync(envelope, abort);
            _stats.AddDecisionBusy(_time.GetElapsedTime(accepting));
        }

        var last = _time.GetTimestamp();
        await FlushAsync(abort);
        _stats.AddDecisionBusy(_time.GetElapsedTime(last));
        foreach (var retry in _retries)
        {
            // Never dropped silently: the audit says the retry did not happen.
            Audit(Retried(retry, DecisionOutcome.NoAction, "finscale stopped before the retry; a restart decides again only on new anomalies"), null);
        }

        _retries.Clear();
        _stats.SetPendingRetries(0);
    }

    /// <summary>
    /// With no cluster to read, folds the series interned since into the telemetry's own cluster view in chunks until
    /// caught up or an anomaly is waiting, so diagnosing the first incident does not first parse every series key
    /// (2.4 s at a million series). On the low-priority thread, as every use of that view is: a million new series are
    /// seconds of parsing, and the shards detecting them need the cores first.
    /// </summary>
    private async Task FoldTelemetryWhileIdleAsync()
    {
        while (TelemetryBehind && !_accepted.Reader.TryPeek(out _) && !FlushDue)
            await _heavy!.RunAsync(() => _telemetryView.FoldSome(TelemetryFoldChunk));
    }

    /// <summary>The cluster as read, or, with none to read, the telemetry's own view, brought up to date on the low-priority thread.</summary>
    private async ValueTask<ClusterView> ClusterAsync()
    {
        var cluster = _settings.Cluster.Current;
        return cluster.Known ? cluster : await _heavy!.RunAsync(() => _telemetryView.Current);
    }

    private bool TelemetryBehind => _telemetryView.Behind > 0 && !_settings.Cluster.Current.Known;

    private bool FlushDue => _window.Count > 0 && _time.GetElapsedTime(_windowOpenedAt) >= _settings.Options.FlushAfter;

    /// <summary>Series folded between two looks at the input: about 20 ms of parsing.</summary>
    private const int TelemetryFoldChunk = 8_192;

    /// <summary>How often an idle stage with no cluster to read looks for new series to fold.</summary>
    private static readonly TimeSpan TelemetryFoldPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Carries out an actionable decision inside its remediation span; held-back and no-action decisions need no call.</summary>
    private async ValueTask<RemediationDecision> CarryOutAsync(PlannedDecision plan, CancellationToken abort)
    {
        if (plan.Decision.Action is ActionKind.None or ActionKind.Unknown)
            return plan.Decision;
        if (plan.IsActionable && plan.Decision.Mode == ExecutionMode.Enforce && _intents is not null && !await RecordIntentAsync(plan, abort))
        {
            return plan.Decision with
            {
                Outcome = DecisionOutcome.Failed,
                Response = $"not sent: its intent could not be written to {_intents} (the run stops, as for any failed delivery)",
            };
        }

        var span = FinScaleTelemetry.StartRemediation(plan.Decision);
        var result = plan.IsActionable ? await _executor.ExecuteAsync(plan, abort) : plan.Decision;
        FinScaleTelemetry.EndRemediation(span, result);
        return result;
    }

    /// <summary>
    /// Write-ahead for an enforced action: its intent (the decision and the request about to be sent, keyed by decision
    /// id) is acknowledged on the intents topic before the request goes out, and tombstoned once the outcome's audit
    /// record is acknowledged. A run killed in between leaves the intent open; the next run settles it
    /// (<see cref="IRemediationExecutor.ReconcileAsync"/>), so every action on the cluster reaches the audit topic.
    /// False when the broker refused it (the pipeline is then stopping): nothing is sent.
    /// </summary>
    private async Task<bool> RecordIntentAsync(PlannedDecision plan, CancellationToken abort)
    {
        var intent = _executor.Intent(plan);
        var delivered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        ProducerRetry.Produce(_producer, _intents!, new Message<byte[]?, byte[]>
        {
            Key = Encoding.UTF8.GetBytes(intent.DecisionId),
            Value = _decisions.Serialize(intent),
            Timestamp = new Timestamp(_time.GetUtcNow()),
        }, report =>
        {
            if (report.Error.IsError)
            {
                _faults.Fail(new ProduceException<byte[]?, byte[]>(report.Error, report));
                delivered.TrySetResult(false);
            }
            else
            {
                delivered.TrySetResult(true);
            }
        });
        if (!await delivered.Task.WaitAsync(abort))
            return false;
        _unsettled.Add(intent.DecisionId);
        return true;
    }

    /// <summary>
    /// The delivery handler of an audit record that settles an intent: once the record is acknowledged, the intent is
    /// tombstoned (from the delivery thread, which librdkafka allows). A tombstone that cannot be queued leaves the intent
    /// open: the next run settles it again, a second audit record of the same decision id, never a lost one.
    /// </summary>
    private Action<DeliveryReport<byte[]?, byte[]>> Settling(string decisionId, Action<DeliveryReport<byte[]?, byte[]>> inner) => report =>
    {
        inner(report);
        if (report.Error.IsError)
            return;
        try
        {
            _producer.Produce(_intents!, new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(decisionId), Value = null!, Timestamp = new Timestamp(_time.GetUtcNow()) });
        }
        catch (KafkaException)
        {
            // Left open: settled again by the next run (see above).
        }
    };

    private TimeSpan? NextWait()
    {
        TimeSpan? wait = null;
        if (_window.Count > 0)
            wait = Max(TimeSpan.FromMilliseconds(1), _settings.Options.FlushAfter - _time.GetElapsedTime(_windowOpenedAt));
        foreach (var r in _retries)
        {
            var due = Max(TimeSpan.FromMilliseconds(1), r.Delay - _time.GetElapsedTime(r.Since));
            wait = wait is { } w && w < due ? w : due;
        }

        return wait;
    }

    /// <summary>
    /// Blocked (a PodDisruptionBudget said no) and failed actions are tried again, with a doubling wall-clock delay, up to
    /// <see cref="PolicyOptions.RetryAttempts"/> times while their anomaly episode is open; each try is audited. An
    /// episode that ends first ends its retries, audited too.
    /// </summary>
    private async Task RetryDueAsync(CancellationToken abort)
    {
        for (var i = 0; i < _retries.Count; i++)
        {
            var r = _retries[i];
            if (_time.GetElapsedTime(r.Since) < r.Delay)
                continue;
            _retries.RemoveAt(i--);
            var attempt = r.Attempt + 1;
            // Still counted as pending (the count is set after the loop) while the retry runs.
            var planned = r.Plan with { Decision = Retried(r, DecisionOutcome.Recommended, null) };
            var result = await CarryOutAsync(planned, abort);
            Audit(result, null);
            if (result.Outcome is DecisionOutcome.Blocked or DecisionOutcome.Failed && attempt < _settings.Options.RetryAttempts)
                _retries.Add(new PendingRetry(planned, attempt, _time.GetTimestamp(), r.Delay * 2));
        }

        _stats.SetPendingRetries(_retries.Count);
    }

    private RemediationDecision Retried(PendingRetry r, DecisionOutcome outcome, string? why)
    {
        var d = r.Plan.Decision;
        var attempt = r.Attempt + 1;
        return d with
        {
            DecisionId = StableIds.Of(r.Origin, "retry", attempt.ToString(CultureInfo.InvariantCulture), outcome.ToString()),
            Outcome = outcome,
            Reason = why is null
                ? string.Create(CultureInfo.InvariantCulture, $"{r.FirstReason}; retry {attempt} of {_settings.Options.RetryAttempts - 1} after the cluster refused or failed")
                : $"{r.FirstReason}; {why}",
        };
    }

    /// <summary>Puts traffic shifts back whose canary recovered (the policy's <c>restore_on_recovery</c>).</summary>
    private async Task RestoreAsync(DateTimeOffset now, RecordTicket ticket, CancellationToken abort)
    {
        if (_history.Shifts.Count == 0)
            return;
        var cluster = await ClusterAsync();
        foreach (var plan in RemediationPlanner.PlanRestores(cluster, _settings.Policy, _history, now))
            Audit(await CarryOutAsync(plan, abort), ticket);
    }

    private void RememberResolved(string anomalyId)
    {
        if (!_resolved.Add(anomalyId))
            return;
        _resolvedOrder.Enqueue(anomalyId);
        if (_resolvedOrder.Count > ResolvedMemory)
            _resolved.Remove(_resolvedOrder.Dequeue());
    }

    private void ResolveRetries(Anomaly resolved)
    {
        for (var i = 0; i < _retries.Count; i++)
        {
            if (_retries[i].Plan.Decision.Anomaly.AnomalyId != resolved.AnomalyId)
                continue;
            Audit(Retried(_retries[i], DecisionOutcome.NoAction, "the anomaly recovered on its own before the retry; nothing more to do"), null);
            _retries.RemoveAt(i--);
        }

        _stats.SetPendingRetries(_retries.Count);
    }

    private void Audit(RemediationDecision decision, RecordTicket? done)
    {
        var ticket = done ?? new RecordTicket(static _ => { });
        if (done is not null)
            ticket.AddPending();
        var delivered = _faults.Completing(ticket);
        if (_intents is not null && _unsettled.Remove(decision.DecisionId))
            delivered = Settling(decision.DecisionId, delivered);
        Send(decision, delivered);
        _stats.AddDecision();
        FinScaleTelemetry.RecordDecision(decision);
        _observer?.OnDecision(decision);
    }

    /// <summary>Hands one audit record to the producer, linked into its partition's hash chain.</summary>
    private void Send(RemediationDecision decision, Action<DeliveryReport<byte[]?, byte[]>> onDelivered)
    {
        var key = Encoding.UTF8.GetBytes(decision.Target?.ToString() ?? decision.Anomaly.Series);
        var partition = Partition.Any;
        if (_chain is not null)
        {
            // Tamper evidence: the record names its predecessor in this partition's chain before it is sent.
            partition = new Partition(_chain.PartitionOf(key));
            decision = _chain.Link(decision, partition.Value);
        }

        var value = _decisions.Serialize(decision);
        _chain?.Advance(partition.Value, value);
        ProducerRetry.Produce(_producer, new TopicPartition(_topics.Audit, partition), new Message<byte[]?, byte[]>
        {
            Key = key,
            Value = value,
            Timestamp = new Timestamp(decision.EventTime),
        }, onDelivered);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>An action the cluster refused or failed, waiting to be tried again.</summary>
    private sealed record PendingRetry(PlannedDecision Plan, int Attempt, long Since, TimeSpan Delay)
    {
        public string Origin { get; } = Plan.Decision.DecisionId;

        public string FirstReason { get; } = Plan.Decision.Reason;
    }

    private async Task AcceptAsync(AnomalyEnvelope envelope, CancellationToken abort)
    {
        var (anomaly, ticket) = envelope;
        if (envelope.Prescale is { } prescale)
        {
            await DecidePrescaleAsync(prescale, ticket, abort);
            return;
        }

        // Its record is written already (Emit); its ticket waits for this part too.
        if (anomaly.State != AnomalyState.Open)
        {
            // The end of an episode is recorded for the audit report's "recovered on its own"; nothing to decide,
            // and a blocked action waiting on it need not be retried.
            RememberResolved(anomaly.AnomalyId);
            ResolveRetries(anomaly);
            _history.NoteResolved(anomaly.AnomalyId, anomaly.EventTime);
            await RestoreAsync(anomaly.EventTime, ticket, abort);
            ticket.Complete();
            return;
        }

        // Event time decides which anomalies are diagnosed together: those within one Window of each other. Shards hand
        // anomalies over in no particular event-time order, so the window grows in both directions and an anomaly that
        // would stretch it past Window (earlier or later) closes it first.
        if (_window.Count > 0
            && (anomaly.EventTime > _windowEnd ? anomaly.EventTime - _windowStart : _windowEnd - Min(anomaly.EventTime, _windowStart)) >= _settings.Options.Window)
        {
            await FlushAsync(abort);
        }

        if (_window.Count == 0)
        {
            _windowStart = _windowEnd = anomaly.EventTime;
            _windowOpenedAt = _time.GetTimestamp();
        }
        else if (anomaly.EventTime < _windowStart)
        {
            _windowStart = anomaly.EventTime;
        }
        else if (anomaly.EventTime > _windowEnd)
        {
            _windowEnd = anomaly.EventTime;
        }

        _window.Add(envelope);
    }

    /// <summary>
    /// A pre-scale finding is planned on its own (it needs no diagnosis and no window) through the same policy, guards,
    /// modes, executor, retries and audit as a diagnosed one; its record completes once the decision is audited.
    /// </summary>
    private async Task DecidePrescaleAsync(Finding finding, RecordTicket ticket, CancellationToken abort)
    {
        var now = finding.Anomalies[0].EventTime;
        var cluster = await ClusterAsync();
        foreach (var plan in RemediationPlanner.Plan([finding], cluster, _settings.Policy, _history, _liveness, now))
        {
            var decision = await CarryOutAsync(plan, abort);
            Audit(decision, ticket);
            if (plan.IsActionable && decision.Outcome is DecisionOutcome.Blocked or DecisionOutcome.Failed && _settings.Options.RetryAttempts > 1)
            {
                _retries.Add(new PendingRetry(plan, 1, _time.GetTimestamp(), _settings.Options.RetryAfter));
                _stats.SetPendingRetries(_retries.Count);
            }
        }

        ticket.Complete();
    }

    private async Task FlushAsync(CancellationToken abort)
    {
        if (_window.Count == 0)
            return;

        var started = _time.GetTimestamp();
        var window = _window.ToList();
        _window.Clear();

        // The decisions of a window complete its records together, once every audit record is acknowledged.
        var done = new RecordTicket(_ => window.ForEach(e => e.Ticket.Complete()));
        var anomalies = window.Select(e => e.Anomaly).ToList();
        var now = anomalies.Max(a => a.EventTime);
        // No cluster to read (or not listed yet): the telemetry's own attributes stand in for it, folded in first.
        // Diagnosing and planning a storm's window takes a core for 100 ms or more, and folding new series can take
        // seconds: on the low-priority thread, so the consumer and the shards keep theirs. This loop waits for it, so
        // the history and the telemetry's view are still only touched in turn.
        var cluster = await ClusterAsync();
        var planned = await _heavy!.RunAsync(() =>
        {
            var findings = Diagnoser.Diagnose(anomalies, cluster, _settings.Diagnosis, now);
            return RemediationPlanner.Plan(findings, cluster, _settings.Policy, _history, _liveness, now);
        });
        foreach (var plan in planned.Concat(RemediationPlanner.PlanRestores(cluster, _settings.Policy, _history, now)))
        {
            var decision = await CarryOutAsync(plan, abort);
            Audit(decision, done);
            if (plan.IsActionable && decision.Outcome is DecisionOutcome.Blocked or DecisionOutcome.Failed && _settings.Options.RetryAttempts > 1)
            {
                var retry = new PendingRetry(plan, 1, _time.GetTimestamp(), _settings.Options.RetryAfter);
                if (_resolved.Contains(plan.Decision.Anomaly.AnomalyId))
                {
                    Audit(Retried(retry, DecisionOutcome.NoAction, "the anomaly recovered on its own before the retry; nothing more to do"), done);
                }
                else
                {
                    _retries.Add(retry);
                    _stats.SetPendingRetries(_retries.Count);
                }
            }
        }

        done.Complete();
        _stats.AddDecidedWindow(window.Count, _time.GetElapsedTime(started));
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
