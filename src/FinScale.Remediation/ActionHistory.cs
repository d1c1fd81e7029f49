using FinScale.Contracts;

namespace FinScale.Remediation;

/// <summary>
/// What has been decided, in event time: the memory the guards read. The planner records every action it lets
/// through at the moment it decides, whatever the mode, so shadow, dry-run and enforce meet the same guards.
/// Entries older than the longest window a guard looks back over are pruned.
/// </summary>
public sealed class ActionHistory
{
    private readonly Dictionary<string, DateTimeOffset> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastActed = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _actions = [];
    private readonly List<(DateTimeOffset At, string Workload, string Pod)> _podRestarts = [];
    private readonly Dictionary<string, DateTimeOffset> _cordoned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyDictionary<string, int>> _weightsSet = new(StringComparer.Ordinal);
    private readonly List<ShiftRecord> _shifts = [];

    /// <summary>How long idempotency keys are remembered; a redelivery later than this could repeat a decision.</summary>
    public TimeSpan KeyRetention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>True when a decision with this idempotency key was already made.</summary>
    public bool Contains(string idempotencyKey) => _keys.ContainsKey(idempotencyKey);

    /// <summary>Event time of the last action on <paramref name="target"/>, if any.</summary>
    public DateTimeOffset? LastActedOn(ActionTarget target) =>
        _lastActed.TryGetValue(target.ToString(), out var t) ? t : null;

    /// <summary>Actions taken at or after <paramref name="since"/>.</summary>
    public int ActionsSince(DateTimeOffset since) => _actions.Count(t => t >= since);

    /// <summary>Distinct pods of <paramref name="workload"/> (<c>namespace/name</c>) restarted at or after <paramref name="since"/>.</summary>
    public int PodsRestartedSince(string workload, DateTimeOffset since) =>
        _podRestarts.Where(r => r.At >= since && r.Workload == workload).Select(r => r.Pod).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Nodes FinScale cordoned (and has not seen uncordoned).</summary>
    public IReadOnlyCollection<string> CordonedNodes => _cordoned.Keys;

    /// <summary>The weights FinScale last set on a VirtualService (<c>namespace/name</c>), if it did.</summary>
    public IReadOnlyDictionary<string, int>? WeightsSet(string virtualService) => _weightsSet.GetValueOrDefault(virtualService);

    /// <summary>Traffic shifts to put back once their canary recovers, oldest first.</summary>
    public IReadOnlyList<ShiftRecord> Shifts => _shifts;

    /// <summary>Remembers a shift to restore when every anomaly behind it has ended.</summary>
    public void RecordShift(ShiftRecord shift) => _shifts.Add(shift ?? throw new ArgumentNullException(nameof(shift)));

    /// <summary>Forgets a shift (restored, or given up because someone changed the weights).</summary>
    public void ForgetShift(ShiftRecord shift) => _shifts.Remove(shift);

    /// <summary>Notes that the episode <paramref name="anomalyId"/> ended at <paramref name="at"/>.</summary>
    public void NoteResolved(string anomalyId, DateTimeOffset at)
    {
        foreach (var shift in _shifts)
        {
            if (shift.AnomalyIds.Contains(anomalyId))
                shift.Resolved[anomalyId] = at;
        }
    }

    /// <summary>Remembers the idempotency key of any decision, so a redelivered anomaly is not decided twice.</summary>
    public void RecordKey(string idempotencyKey, DateTimeOffset at) => _keys.TryAdd(idempotencyKey, at);

    /// <summary>Remembers an action let through at <paramref name="at"/> (its cooldown, rate and share budgets start).</summary>
    /// <param name="key">Idempotency key of the decision.</param>
    /// <param name="target">What it acts on.</param>
    /// <param name="action">The action.</param>
    /// <param name="at">Event time of the decision.</param>
    /// <param name="workload">For a pod restart: the owning workload as <c>namespace/name</c>.</param>
    /// <param name="weights">For a traffic shift: the weights set.</param>
    public void RecordAction(string key, ActionTarget target, ActionKind action, DateTimeOffset at, string? workload = null, IReadOnlyDictionary<string, int>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        RecordKey(key, at);
        _lastActed[target.ToString()] = at;
        _actions.Add(at);
        switch (action)
        {
            case ActionKind.RestartPod when workload is not null:
                _podRestarts.Add((at, workload, target.Name));
                break;
            case ActionKind.CordonNode:
                _cordoned[target.Name] = at;
                break;
            case ActionKind.ShiftTraffic when weights is not null:
                _weightsSet[$"{target.Namespace}/{target.Name}"] = weights;
                break;
        }
    }

    /// <summary>Forgets a node FinScale cordoned once the cluster shows it schedulable again.</summary>
    public void ForgetCordon(string node) => _cordoned.Remove(node);

    /// <summary>Drops what no guard looks at any more: actions older than <paramref name="window"/> before <paramref name="now"/>, keys older than <see cref="KeyRetention"/>.</summary>
    public void Prune(DateTimeOffset now, TimeSpan window)
    {
        var since = now - window;
        _actions.RemoveAll(t => t < since);
        _podRestarts.RemoveAll(r => r.At < since);
        foreach (var (target, at) in _lastActed.Where(kv => kv.Value < since).ToList())
            _lastActed.Remove(target);
        var keySince = now - KeyRetention;

        // The view's unschedulable nodes count against the cordon limit on their own; FinScale's own record of a
        // cordon only bridges the time until the view shows it (and stands in for it in shadow mode, for a day).
        foreach (var (node, _) in _cordoned.Where(kv => kv.Value < keySince).ToList())
            _cordoned.Remove(node);
        foreach (var (key, _) in _keys.Where(kv => kv.Value < keySince).ToList())
            _keys.Remove(key);
    }
}

/// <summary>A traffic shift FinScale made and will undo when the canary recovers.</summary>
/// <param name="Key">Idempotency key of the shift decision.</param>
/// <param name="Target">The VirtualService.</param>
/// <param name="Original">The weights read before the shift: what a restore sets.</param>
/// <param name="Set">The weights the shift set: a VirtualService that no longer has them was changed by someone.</param>
/// <param name="AnomalyIds">The anomalies behind the shift; all must end before the restore.</param>
/// <param name="Anomaly">The anomaly the shift answered (the restore's audit record carries it).</param>
/// <param name="At">Event time of the shift.</param>
/// <param name="RestoreAfter">Least event time between the shift and its restore.</param>
/// <param name="Rule">The rule that shifted.</param>
public sealed record ShiftRecord(
    string Key,
    ActionTarget Target,
    IReadOnlyDictionary<string, int> Original,
    IReadOnlyDictionary<string, int> Set,
    IReadOnlySet<string> AnomalyIds,
    Anomaly Anomaly,
    DateTimeOffset At,
    TimeSpan RestoreAfter,
    string Rule)
{
    /// <summary>When each anomaly behind the shift ended.</summary>
    public Dictionary<string, DateTimeOffset> Resolved { get; } = new(StringComparer.Ordinal);

    /// <summary>True once every anomaly behind the shift has ended.</summary>
    public bool Recovered => AnomalyIds.All(Resolved.ContainsKey);

    /// <summary>The guard that last delayed the restore (a freeze window or the rate limit), so a delay is audited once, not every window.</summary>
    public string? DeferredBy { get; set; }
}
