using System.Buffers;
using System.Text;
using FinScale.Contracts;

namespace FinScale.Detection;

/// <summary>
/// Interns series keys (their canonical text) to dense integer ids, once per process, so every later stage
/// indexes flat arrays by id. Cardinality is capped: past <see cref="Capacity"/> new series are refused and
/// counted, never an unbounded heap.
/// </summary>
/// <remarks>
/// One writer (the decoding thread) interns; any thread may read <see cref="TextOf"/> for an id it received
/// through a channel (the channel publishes the write). Texts live in fixed-size chunks whose directory is sized
/// for the capacity up front, so a reader never sees a chunk move.
/// <para>Keys are kept as UTF-8, not as strings: a key is about 95 ASCII characters, 120 bytes as UTF-8 against 216
/// as a string, about 100 MB less at 1 M series. <see cref="TextOf"/> makes a string on each call; it is called when
/// an anomaly is raised, a checkpoint written or a series first matched, never per point. Lookups by text encode it
/// first. Text that is not valid UTF-16 (a lone surrogate) is interned with U+FFFD in its place.</para>
/// </remarks>
public sealed class SeriesCatalog
{
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly Dictionary<byte[], int> _ids = new(Utf8Keys.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly byte[]?[]?[] _chunks;
    private int _count;
    private long _refused;

    /// <summary>Creates a catalog holding at most <paramref name="capacity"/> series.</summary>
    public SeriesCatalog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _chunks = new byte[]?[]?[((capacity - 1) >> ChunkBits) + 1];
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The most series this catalog interns.</summary>
    public int Capacity { get; }

    /// <summary>How many series are interned.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>How many new series were refused because the catalog was full.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The id of the series whose canonical text is <paramref name="text"/>, interning it if new; -1 when new and the catalog is full.</summary>
    public int GetOrAdd(ReadOnlySpan<char> text)
    {
        if (_lookup.TryGetValue(text, out var id))
            return id;
        if (text.IsEmpty)
            throw new ArgumentException("a series key is never empty", nameof(text));
        return Add(text);
    }

    /// <summary>The id of <paramref name="key"/>, interning it if new; -1 when new and the catalog is full.</summary>
    public int GetOrAdd(in SeriesKey key)
    {
        if (_lookup.TryGetValue(key.Text, out var id))
            return id;
        return Add(key.Text);
    }

    /// <summary>The id of an interned series, without interning.</summary>
    public bool TryGetId(ReadOnlySpan<char> text, out int id) => _lookup.TryGetValue(text, out id);

    /// <summary>The canonical text of series <paramref name="id"/>.</summary>
    public string TextOf(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Count);
        return Encoding.UTF8.GetString(_chunks[id >> ChunkBits]![id & (ChunkSize - 1)]!);
    }

    /// <summary>The key of series <paramref name="id"/>, parsed from its text (rare: when an anomaly is raised).</summary>
    public SeriesKey KeyOf(int id) => SeriesKey.Parse(TextOf(id));

    private int Add(ReadOnlySpan<char> text)
    {
        var id = _count;
        if (id >= Capacity)
        {
            Interlocked.Increment(ref _refused);
            return -1;
        }

        var utf8 = ToUtf8(text);
        var chunk = _chunks[id >> ChunkBits] ??= new byte[ChunkSize][];
        chunk[id & (ChunkSize - 1)] = utf8;
        _ids.Add(utf8, id);
        Volatile.Write(ref _count, id + 1);
        return id;
    }

    private static byte[] ToUtf8(ReadOnlySpan<char> text)
    {
        var utf8 = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, utf8);
        return utf8;
    }

    /// <summary>Compares UTF-8 keys by content, and finds them by their text (encoded to UTF-8 for the comparison).</summary>
    private sealed class Utf8Keys : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<char>, byte[]>
    {
        /// <summary>Texts up to this many UTF-8 bytes are encoded on the stack.</summary>
        private const int StackBytes = 1024;

        public static readonly Utf8Keys Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x is not null && y is not null ? x.AsSpan().SequenceEqual(y) : ReferenceEquals(x, y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<char> alternate, byte[] other)
        {
            // Fast path: ASCII text of the same length compares without encoding.
            if (alternate.Length == other.Length && Ascii.Equals(other, alternate))
                return true;
            byte[]? rented = null;
            try
            {
                return Encode(alternate, stackalloc byte[StackBytes], ref rented).SequenceEqual(other);
            }
            finally
            {
                if (rented is not null)
                    ArrayPool<byte>.Shared.Return(rented);
            }
        }

        public int GetHashCode(ReadOnlySpan<char> alternate)
        {
            byte[]? rented = null;
            try
            {
                return Hash(Encode(alternate, stackalloc byte[StackBytes], ref rented));
            }
            finally
            {
                if (rented is not null)
                    ArrayPool<byte>.Shared.Return(rented);
            }
        }

        public byte[] Create(ReadOnlySpan<char> alternate) => ToUtf8(alternate);

        /// <summary>The UTF-8 of <paramref name="text"/>, in <paramref name="stack"/> when it fits, else in a pooled array
        /// handed back through <paramref name="rented"/> for the caller to return.</summary>
        private static ReadOnlySpan<byte> Encode(ReadOnlySpan<char> text, Span<byte> stack, ref byte[]? rented)
        {
            var max = Encoding.UTF8.GetMaxByteCount(text.Length);
            var buffer = max <= stack.Length ? stack : (rented = ArrayPool<byte>.Shared.Rent(max));
            return buffer[..Encoding.UTF8.GetBytes(text, buffer)];
        }

        private static int Hash(ReadOnlySpan<byte> utf8)
        {
            var h = default(HashCode);
            h.AddBytes(utf8);
            return h.ToHashCode();
        }
    }
}
