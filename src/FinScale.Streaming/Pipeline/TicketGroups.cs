namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Holds records whose data was folded into derived points (trace windows) until those points have passed
/// detection. Each group is the points emitted by one window close plus the record tickets it releases; a group's
/// members complete only once it and every earlier group are done, because a record's spans may have fed points of
/// an earlier close too. Groups complete on detection threads; members are completed in order under one lock
/// (a few groups per second, never per point).
/// </summary>
internal sealed class TicketGroups
{
    private readonly Queue<(RecordTicket Group, RecordTicket[] Members)> _open = new();
    private readonly object _gate = new();

    /// <summary>Groups not yet done.</summary>
    public int Open
    {
        get
        {
            lock (_gate)
                return _open.Count;
        }
    }

    /// <summary>
    /// Starts a group releasing <paramref name="members"/> (each occurrence completes once). The caller adds a
    /// pending count on the returned ticket per point it hands on, then completes the ticket's own hold.
    /// </summary>
    public RecordTicket Start(IReadOnlyList<RecordTicket> members)
    {
        var group = new RecordTicket(_ => Drain());
        lock (_gate)
            _open.Enqueue((group, members.Count == 0 ? [] : [.. members]));
        return group;
    }

    private void Drain()
    {
        while (true)
        {
            RecordTicket[] members;
            lock (_gate)
            {
                if (_open.Count == 0 || !_open.Peek().Group.IsDone)
                    return;
                members = _open.Dequeue().Members;
            }

            foreach (var m in members)
                m.Complete();
        }
    }
}
