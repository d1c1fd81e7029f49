using FinScale.Detection;

namespace FinScale.Streaming.Pipeline;

/// <summary>Points bound for one detection shard, each with the ticket of the record it came from.</summary>
public sealed class ShardBatch
{
    private SeriesPoint[] _points;
    private RecordTicket[] _tickets;

    /// <summary>Creates an empty batch with room for <paramref name="capacity"/> points.</summary>
    public ShardBatch(int capacity)
    {
        _points = new SeriesPoint[capacity];
        _tickets = new RecordTicket[capacity];
    }

    /// <summary>Stopwatch timestamp of the batch's first point: where the detection latency is measured from.</summary>
    public long StartedAt { get; private set; }

    /// <summary>Points in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>The points.</summary>
    public ReadOnlySpan<SeriesPoint> Points => _points.AsSpan(0, Count);

    /// <summary>The ticket of the point at <paramref name="index"/>.</summary>
    public RecordTicket TicketAt(int index) => _tickets[index];

    /// <summary>Empties the batch for reuse, dropping its references to the records' tickets.</summary>
    internal void Clear()
    {
        Array.Clear(_tickets, 0, Count);
        Count = 0;
        StartedAt = 0;
    }

    /// <summary>Appends a point; the caller has already added a pending count to the ticket.</summary>
    public void Add(in SeriesPoint point, RecordTicket ticket)
    {
        if (Count == _points.Length)
        {
            Array.Resize(ref _points, Count * 2);
            Array.Resize(ref _tickets, Count * 2);
        }

        if (Count == 0)
            StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        _points[Count] = point;
        _tickets[Count] = ticket;
        Count++;
    }
}
