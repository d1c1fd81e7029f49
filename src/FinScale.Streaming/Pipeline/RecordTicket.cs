namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Tracks one consumed record through the pipeline. Every stage that takes on work for the record
/// adds to its pending count first and completes it when done; at zero the record is fully
/// processed and its offset may be stored.
/// </summary>
public sealed class RecordTicket
{
    private readonly Action<RecordTicket>? _onDone;
    private int _pending = 1;
    private int _done;

    internal RecordTicket(long offset) => Offset = offset;

    /// <summary>A ticket that is not a record (e.g. the points of a closed trace window): <paramref name="onDone"/> runs once it completes.</summary>
    internal RecordTicket(Action<RecordTicket> onDone)
    {
        Offset = -1;
        _onDone = onDone;
    }

    /// <summary>The record's offset in its partition.</summary>
    public long Offset { get; }

    /// <summary>True once every piece of work for the record has completed.</summary>
    public bool IsDone => Volatile.Read(ref _done) == 1;

    /// <summary>Announces one more piece of work for this record; call before handing it on.</summary>
    public void AddPending()
    {
        if (Interlocked.Increment(ref _pending) <= 1)
            throw new InvalidOperationException($"record at offset {Offset} was already completed");
    }

    /// <summary>Completes one piece of work for this record.</summary>
    public void Complete()
    {
        var left = Interlocked.Decrement(ref _pending);
        if (left == 0)
        {
            Volatile.Write(ref _done, 1);
            _onDone?.Invoke(this);
        }
        else if (left < 0)
            throw new InvalidOperationException($"record at offset {Offset} completed more often than announced");
    }
}
