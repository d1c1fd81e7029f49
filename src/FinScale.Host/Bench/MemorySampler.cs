using System.Globalization;

namespace FinScale.Host.Bench;

/// <summary>
/// Samples the process's resident set and the GC's committed bytes while the pipeline runs, so the peak RSS can be
/// split into what the managed heap had committed (live objects, fragmentation, the allocation budget) and the rest
/// (native: librdkafka's queues and buffers of every client in the process, runtime, code).
/// </summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    /// <summary>Time between samples.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly long _pageSize = Environment.SystemPageSize;

    /// <summary>Highest RSS seen, and the GC's committed bytes in that same sample.</summary>
    private long _peakRss;
    private long _committedAtPeak;
    private long _peakCommitted;
    private long _peakOther;
    private bool _disposed;

    public MemorySampler() => _loop = Task.Run(LoopAsync);

    /// <summary>Describes the peaks seen so far.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"sampled every {Interval.TotalMilliseconds:F0} ms: peak RSS {_peakRss / 1048576.0:F0} MiB, of which GC committed {_committedAtPeak / 1048576.0:F0} MiB and other (native) {(_peakRss - _committedAtPeak) / 1048576.0:F0} MiB; peak GC committed {_peakCommitted / 1048576.0:F0} MiB, peak other {_peakOther / 1048576.0:F0} MiB");

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            var rss = Rss();
            if (rss <= 0)
                return;
            var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
            if (rss > _peakRss)
            {
                _peakRss = rss;
                _committedAtPeak = committed;
            }

            _peakCommitted = Math.Max(_peakCommitted, committed);
            _peakOther = Math.Max(_peakOther, rss - committed);
        }
    }

    /// <summary>Current resident set (Linux <c>/proc/self/statm</c>, second field, in pages); 0 elsewhere.</summary>
    private long Rss()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], CultureInfo.InvariantCulture) * _pageSize;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
