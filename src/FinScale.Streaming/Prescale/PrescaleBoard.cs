namespace FinScale.Streaming.Prescale;

/// <summary>
/// The latest pre-scale recommendation of one forecast target (a deployment), as the forecast stage last computed it.
/// </summary>
/// <param name="Namespace">Namespace of the deployment.</param>
/// <param name="Deployment">Name of the deployment.</param>
/// <param name="RecommendedReplicas">Replicas needed over the next lead time: the larger of the forecast's upper bound and the reactive signal, scale-down stabilised.</param>
/// <param name="ForecastUpper">The forecast's upper bound of the load over the lead time (in the load series' unit).</param>
/// <param name="CurrentLoad">The load of the last complete step.</param>
/// <param name="CapacityPerReplica">Load one replica serves.</param>
/// <param name="At">Event time of the step the recommendation was computed at.</param>
public sealed record PrescaleBoardEntry(
    string Namespace,
    string Deployment,
    int RecommendedReplicas,
    double ForecastUpper,
    double CurrentLoad,
    double CapacityPerReplica,
    DateTimeOffset At);

/// <summary>
/// Where the forecast stage publishes its recommendations and readers (the KEDA external scaler, the audit path) find
/// them. Thread-safe; readers can wait for the next change.
/// </summary>
public sealed class PrescaleBoard
{
    private readonly Dictionary<(string Namespace, string Deployment), PrescaleBoardEntry> _entries = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every entry, in no particular order.</summary>
    public IReadOnlyList<PrescaleBoardEntry> Entries
    {
        get
        {
            lock (_gate)
                return [.. _entries.Values];
        }
    }

    /// <summary>The latest entry of <paramref name="ns"/>/<paramref name="deployment"/>, if the stage has computed one.</summary>
    public bool TryGet(string ns, string deployment, out PrescaleBoardEntry entry)
    {
        lock (_gate)
            return _entries.TryGetValue((ns, deployment), out entry!);
    }

    /// <summary>Publishes <paramref name="entry"/>, replacing the target's previous one, and wakes waiting readers.</summary>
    public void Publish(PrescaleBoardEntry entry)
    {
        TaskCompletionSource woken;
        lock (_gate)
        {
            _entries[(entry.Namespace, entry.Deployment)] = entry;
            woken = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        woken.TrySetResult();
    }

    /// <summary>Completes at the next <see cref="Publish"/> (of any target) or when <paramref name="cancel"/> fires.</summary>
    public Task WaitForChangeAsync(CancellationToken cancel)
    {
        Task next;
        lock (_gate)
            next = _changed.Task;
        return next.WaitAsync(cancel);
    }
}
