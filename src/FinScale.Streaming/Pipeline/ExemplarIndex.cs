using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using FinScale.Detection.Traces;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Which trace exemplifies a series point, by (series id, timestamp ms): written by the consume thread for the points
/// that carry one (an OTLP exemplar, an example span of a trace window), read by a detection shard when an anomaly
/// opens. Series points themselves stay three fields wide; the trace id travels beside them, here.
/// </summary>
/// <remarks>
/// <para><b>Bound.</b> A fixed, direct-mapped table of <see cref="Capacity"/> entries of <see cref="BytesPerEntry"/>
/// bytes each (the 16-byte id, the key and a sequence number), allocated once: the default 131,072 entries take 4 MiB.
/// A write whose slot holds another key overwrites it (newest wins) and counts it in <see cref="Overwritten"/>. An entry
/// only has to live from decode until its shard has detected the point, so the table needs to cover the exemplified
/// points in flight (at most shards × <c>Pipeline:ChannelCapacity</c> × <c>Pipeline:MaxBatchPoints</c>); one lost to
/// overwrite leaves the anomaly without a trace id, counted in <see cref="Misses"/>, never with a wrong one (the key
/// is checked on read).</para>
/// <para><b>Threads.</b> Any number of writers and readers. Each entry is a seqlock: a writer takes it by moving its
/// sequence from even to odd with one compare-exchange and releases it at the next even value; a reader copies the
/// entry and keeps the copy only when the sequence was even and unchanged around the copy. No lock, no allocation;
/// a reader never waits for more than a few retries (it reports a miss instead).</para>
/// </remarks>
public sealed class ExemplarIndex : IExemplarSink
{
    /// <summary>Memory per entry, bytes.</summary>
    public const int BytesPerEntry = 32;

    /// <summary>Entries when <c>Pipeline:ExemplarIndexCapacity</c> is not set (4 MiB).</summary>
    public const int DefaultCapacity = 1 << 17;

    /// <summary>Most entries allowed (512 MiB).</summary>
    public const int MaxCapacity = 1 << 24;

    private const int ReadAttempts = 8;

    private readonly Entry[] _entries;
    private readonly int _shift;
    private long _overwritten;
    private long _misses;

    /// <summary>Creates an index of <paramref name="capacity"/> entries, rounded up to a power of two.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1 or above <see cref="MaxCapacity"/>.</exception>
    public ExemplarIndex(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 2));
        _entries = new Entry[size];
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>Entries in the table (a power of two); memory is this × <see cref="BytesPerEntry"/>.</summary>
    public int Capacity => _entries.Length;

    /// <summary>Writes that replaced the entry of another (series, timestamp): the bound at work.</summary>
    public long Overwritten => Interlocked.Read(ref _overwritten);

    /// <summary>Look-ups that found no trace id: the point had none, or its entry was overwritten or being written.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Formats a trace id as OTLP/W3C do: 32 lowercase hex digits, the 16 bytes in wire order.</summary>
    public static string Format(UInt128 traceId) => traceId.ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>Records that trace <paramref name="traceId"/> exemplifies series <paramref name="seriesId"/>'s point at <paramref name="timestampMs"/>; a zero id is ignored.</summary>
    public void Add(int seriesId, long timestampMs, UInt128 traceId)
    {
        if (traceId == UInt128.Zero)
            return;
        ref var e = ref _entries[Slot(seriesId, timestampMs)];
        var seq = Volatile.Read(ref e.Sequence);
        while ((seq & 1) != 0 || Interlocked.CompareExchange(ref e.Sequence, seq + 1, seq) != seq)
        {
            // Another writer holds this entry (only with several writers): it is a few stores away from done.
            Thread.SpinWait(1);
            seq = Volatile.Read(ref e.Sequence);
        }

        if (seq != 0 && (e.SeriesId != seriesId || e.TimestampMs != timestampMs))
            Interlocked.Increment(ref _overwritten);
        e.SeriesId = seriesId;
        e.TimestampMs = timestampMs;
        e.TraceHigh = (ulong)(traceId >> 64);
        e.TraceLow = (ulong)traceId;
        Volatile.Write(ref e.Sequence, seq + 2);
    }

    /// <summary>The trace id recorded for series <paramref name="seriesId"/>'s point at <paramref name="timestampMs"/>, if still held.</summary>
    public bool TryGet(int seriesId, long timestampMs, out UInt128 traceId)
    {
        ref var e = ref _entries[Slot(seriesId, timestampMs)];
        for (var attempt = 0; attempt < ReadAttempts; attempt++)
        {
            var before = Volatile.Read(ref e.Sequence);
            if (before == 0)
                break; // never written
            if ((before & 1) != 0)
            {
                Thread.SpinWait(4);
                continue;
            }

            var series = e.SeriesId;
            var time = e.TimestampMs;
            var high = e.TraceHigh;
            var low = e.TraceLow;

            // The copy must be complete before the sequence is read again: a full fence, as acquire alone would let the copy's loads move after it.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref e.Sequence) != before)
                continue;
            if (series != seriesId || time != timestampMs)
                break;
            traceId = new UInt128(high, low);
            return true;
        }

        Interlocked.Increment(ref _misses);
        traceId = default;
        return false;
    }

    /// <summary>The hex trace id for the point, or null when none is held (see <see cref="TryGet"/>).</summary>
    public string? Find(int seriesId, long timestampMs) => TryGet(seriesId, timestampMs, out var traceId) ? Format(traceId) : null;

    private int Slot(int seriesId, long timestampMs)
    {
        // Fibonacci hashing of both halves of the key: consecutive series and timestamps spread over the whole table.
        var h = (((ulong)(uint)seriesId * 0x9E3779B97F4A7C15UL) ^ (ulong)timestampMs) * 0xC2B2AE3D27D4EB4FUL;
        return (int)(h >> _shift);
    }

    /// <summary>One entry: 32 bytes. Sequence 0 means never written; odd means being written.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Entry
    {
        public int Sequence;
        public int SeriesId;
        public long TimestampMs;
        public ulong TraceHigh;
        public ulong TraceLow;
    }
}
