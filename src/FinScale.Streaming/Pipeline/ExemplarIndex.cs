using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using FinScale.Detection.Traces;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Which trace (and span in it) exemplifies a series point, by (series id, timestamp ms): written by the consume thread for the points
/// that carry one (an OTLP exemplar, an example span of a trace window), read by a detection shard when an anomaly
/// opens. Series points themselves stay three fields wide; the trace id travels beside them, here.
/// </summary>
/// <remarks>
/// <para><b>Bound.</b> A fixed, direct-mapped table of <see cref="Capacity"/> entries of <see cref="BytesPerEntry"/>
/// bytes each (a 32-byte entry of the 16-byte trace id, the key and a sequence number, and the 8-byte span id in an
/// array beside the entries, so that an entry never straddles two cache lines), allocated once: the default 65,536
/// entries take 2.5 MiB (the table's size is the price on the hot path: writes into 512 KiB cost the decoder nothing
/// measurable, into 4 MiB about 100 ns per data point, as the entries stop fitting in cache; perf/README.md).
/// A write whose slot holds another key overwrites it (newest wins). An entry
/// only has to live from decode until its shard has detected the point, so the table needs to cover the exemplified
/// points in flight (at most shards × <c>Pipeline:ChannelCapacity</c> × <c>Pipeline:MaxBatchPoints</c>); one lost to
/// overwrite leaves the anomaly without a trace id, counted in <see cref="Misses"/>, never with a wrong one (the key
/// is checked on read).</para>
/// <para><b>Threads.</b> One writer thread (the consume thread, like the decoders it serves) and any number of readers.
/// Each entry is a seqlock: the writer stamps it with an odd sequence number unique to this write, stores the key and
/// the ids, then stamps it with the next (even) number, every store a release store; a reader copies the entry with
/// acquire loads and keeps the copy only when the sequence was even and unchanged around it. The writer never reads
/// the table: a write is seven stores that the CPU's store buffer absorbs, where reading the entry first (to take it with
/// a compare-exchange, or to count overwrites) cost a cache miss per write, 100 ns, on a table this size. No lock, no
/// allocation; a reader never waits for more than a few retries (it reports a miss instead).</para>
/// </remarks>
public sealed class ExemplarIndex : IExemplarSink
{
    /// <summary>Memory per entry, bytes.</summary>
    public const int BytesPerEntry = 40; // a 32-byte entry plus its 8-byte span id, kept beside the entries

    /// <summary>Entries when <c>Pipeline:ExemplarIndexCapacity</c> is not set (2.5 MiB).</summary>
    public const int DefaultCapacity = 1 << 16;

    /// <summary>Most entries allowed (640 MiB).</summary>
    public const int MaxCapacity = 1 << 24;

    private const int ReadAttempts = 8;

    private readonly Entry[] _entries;
    private readonly ulong[] _spans; // the span id of entry i at i: the 32-byte entries stay two to a cache line
    private readonly int _shift;
    private int _sequence = 1;
    private long _written;
    private long _misses;

    /// <summary>Creates an index of <paramref name="capacity"/> entries, rounded up to a power of two.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1 or above <see cref="MaxCapacity"/>.</exception>
    public ExemplarIndex(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 2));
        _entries = new Entry[size];
        _spans = new ulong[size];
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>Entries in the table (a power of two); memory is this × <see cref="BytesPerEntry"/>.</summary>
    public int Capacity => _entries.Length;

    /// <summary>Trace ids written; once this passes <see cref="Capacity"/>, every write replaces an older entry.</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>Look-ups that found no trace id: the point had none, or its entry was overwritten or being written.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Formats a trace id as OTLP/W3C do: 32 lowercase hex digits, the 16 bytes in wire order.</summary>
    public static string Format(UInt128 traceId) => traceId.ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>Formats a span id as OTLP/W3C do: 16 lowercase hex digits, the 8 bytes in wire order.</summary>
    public static string FormatSpan(ulong spanId) => spanId.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// Records that trace <paramref name="traceId"/>, span <paramref name="spanId"/> (0 when not known) exemplifies series
    /// <paramref name="seriesId"/>'s point at <paramref name="timestampMs"/>; a zero trace id is ignored. Call from one
    /// thread only (see the type's remarks).
    /// </summary>
    public void Add(int seriesId, long timestampMs, UInt128 traceId, ulong spanId)
    {
        if (traceId == UInt128.Zero)
            return;
        var slot = Slot(seriesId, timestampMs);
        ref var e = ref _entries[slot];

        // A sequence number no recent write used (it wraps after 2^31 writes, far longer than any read takes): a reader
        // that saw another value knows the entry changed.
        var odd = _sequence;
        _sequence = unchecked(odd + 2);
        Volatile.Write(ref e.Sequence, odd);

        // Release stores: none becomes visible before the odd stamp, and all are visible before the even one.
        Volatile.Write(ref e.SeriesId, seriesId);
        Volatile.Write(ref e.TimestampMs, timestampMs);
        Volatile.Write(ref e.TraceHigh, (ulong)(traceId >> 64));
        Volatile.Write(ref e.TraceLow, (ulong)traceId);
        Volatile.Write(ref _spans[slot], spanId);
        Volatile.Write(ref e.Sequence, unchecked(odd + 1));
        Volatile.Write(ref _written, _written + 1);
    }

    /// <summary>The trace id recorded for series <paramref name="seriesId"/>'s point at <paramref name="timestampMs"/>, if still held.</summary>
    public bool TryGet(int seriesId, long timestampMs, out UInt128 traceId) => TryGet(seriesId, timestampMs, out traceId, out _);

    /// <summary>The trace and span id (0: not known) recorded for series <paramref name="seriesId"/>'s point at
    /// <paramref name="timestampMs"/>, if still held.</summary>
    public bool TryGet(int seriesId, long timestampMs, out UInt128 traceId, out ulong spanId)
    {
        var slot = Slot(seriesId, timestampMs);
        ref var e = ref _entries[slot];
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

            // Acquire loads: the sequence is read again only after the whole copy.
            var series = Volatile.Read(ref e.SeriesId);
            var time = Volatile.Read(ref e.TimestampMs);
            var high = Volatile.Read(ref e.TraceHigh);
            var low = Volatile.Read(ref e.TraceLow);
            var span = Volatile.Read(ref _spans[slot]);
            if (Volatile.Read(ref e.Sequence) != before)
                continue;
            if (series != seriesId || time != timestampMs)
                break;
            traceId = new UInt128(high, low);
            spanId = span;
            return true;
        }

        Interlocked.Increment(ref _misses);
        traceId = default;
        spanId = 0;
        return false;
    }

    /// <summary>The hex trace id for the point, or null when none is held (see <see cref="TryGet(int, long, out UInt128)"/>).</summary>
    public string? Find(int seriesId, long timestampMs) => TryGet(seriesId, timestampMs, out var traceId) ? Format(traceId) : null;

    /// <summary>The hex trace id and span id (null when the example named no span) for the point, or null when none is held.</summary>
    public (string TraceId, string? SpanId)? FindExample(int seriesId, long timestampMs) =>
        TryGet(seriesId, timestampMs, out var traceId, out var spanId) ? (Format(traceId), spanId == 0 ? null : FormatSpan(spanId)) : null;

    private int Slot(int seriesId, long timestampMs)
    {
        // Fibonacci hashing of both halves of the key: consecutive series and timestamps spread over the whole table.
        var h = (((ulong)(uint)seriesId * 0x9E3779B97F4A7C15UL) ^ (ulong)timestampMs) * 0xC2B2AE3D27D4EB4FUL;
        return (int)(h >> _shift);
    }

    /// <summary>One entry: 32 bytes (its span id is in the array beside). Sequence 0 means never written; odd means being written.</summary>
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
