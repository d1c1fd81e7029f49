using System.Collections.Concurrent;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Recycles <see cref="ShardBatch"/>es between the consuming thread (which fills them) and the detection shards (which
/// return them once their points passed detection), so a batch's arrays are allocated once rather than per hand-off.
/// </summary>
/// <remarks>
/// Without it every hand-off allocated a batch and grew it in doublings up to <c>Pipeline:MaxBatchPoints</c> (about
/// 170 KB for 4,096 points); batches waiting in a channel outlived a gen0 collection, so at 1 M series the GC promoted
/// tens of MB/s that died soon after, paid for in gen1 collections. Holds at most <c>maxRetained</c> idle batches: as
/// many as the channels can hold, so a steady pipeline allocates none.
/// </remarks>
internal sealed class ShardBatchPool(int initialCapacity, int maxRetained)
{
    /// <summary>Idle batches, emptied.</summary>
    private readonly ConcurrentQueue<ShardBatch> _idle = new();

    /// <summary>How many batches are in <see cref="_idle"/> (kept apart: <c>ConcurrentQueue.Count</c> is not O(1)).</summary>
    private int _count;

    /// <summary>An empty batch: a recycled one when there is one.</summary>
    public ShardBatch Rent()
    {
        if (_idle.TryDequeue(out var batch))
        {
            Interlocked.Decrement(ref _count);
            return batch;
        }

        return new ShardBatch(initialCapacity);
    }

    /// <summary>Takes back a batch whose points have all passed detection; the caller must not touch it afterwards.</summary>
    public void Return(ShardBatch batch)
    {
        batch.Clear();
        if (Interlocked.Increment(ref _count) <= maxRetained)
            _idle.Enqueue(batch);
        else
            Interlocked.Decrement(ref _count);
    }
}
