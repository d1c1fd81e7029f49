namespace FinScale.Streaming.Pipeline;

/// <summary>
/// The records of one partition in flight, in offset order. The committable offset is one past the
/// last record of the longest fully processed prefix: a slow record holds back the offsets behind it,
/// so a crash never skips work that was not done.
/// </summary>
public sealed class PartitionProgress
{
    private readonly Queue<RecordTicket> _inFlight = new();
    private readonly object _gate = new();

    /// <summary>Records taken on and not yet passed by <see cref="Advance"/>.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
                return _inFlight.Count;
        }
    }

    /// <summary>False once the partition was revoked or lost: its offsets are no longer ours to store.</summary>
    public bool Owned { get; private set; } = true;

    /// <summary>Starts tracking the record at <paramref name="offset"/>.</summary>
    public RecordTicket Track(long offset)
    {
        var ticket = new RecordTicket(offset);
        lock (_gate)
            _inFlight.Enqueue(ticket);
        return ticket;
    }

    /// <summary>Drops completed records from the head; returns the offset to store (next to read), or null when nothing advanced.</summary>
    public long? Advance()
    {
        long? next = null;
        lock (_gate)
        {
            while (_inFlight.TryPeek(out var head) && head.IsDone)
            {
                _inFlight.Dequeue();
                next = head.Offset + 1;
            }
        }

        return next;
    }

    /// <summary>Marks the partition as no longer ours.</summary>
    public void Disown() => Owned = false;
}
