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
/// One writer (the decoding thread) interns; any thread may look an id up by text (<see cref="TryGetId"/>: the decision
/// stage asks whether a series still reports) or read <see cref="TextOf"/> for an id it received through a channel,
/// without a lock. The writer fills in everything about a new id before it publishes the id in the hash table with a
/// release write, a slot once written never changes, and a grown table or text directory is published whole, so a
/// reader sees an id either complete or not at all (at worst a series added a moment ago is not found yet).
/// <para>Keys are kept in large byte chunks, not as a string or an array each, so a million keys are a few hundred chunks
/// rather than a million objects for the GC to mark. A key's UTF-8 is cut into tokens after every <c>{</c> and
/// <c>,</c> (the metric name, then one <c>attribute="value"</c> each), every distinct token is kept once, and a key is
/// stored as its tokens' ids (LEB128 varints): the series of one pod share its resource attributes' tokens and those of
/// one metric its name, so a key of about 95 characters takes about 10 bytes plus its 16-byte entry and hash slot
/// (about 120 bytes as plain UTF-8). A token is only a cut of the text, never parsed: a comma or brace inside a value
/// cuts it too, and the tokens put back together are the text exactly. A key with a value seen nowhere else costs its
/// new token's 16-byte entry more than plain text would. <see cref="TextOf"/> makes a string on each call; it is
/// called when an anomaly is raised, a checkpoint written or a series first matched, never per point. Lookups by text
/// encode it once (on the stack up to 1 KiB) and compare it token by token. Text that is not valid UTF-16 (a lone
/// surrogate) is interned with U+FFFD in its place.</para>
/// </remarks>
public sealed class SeriesCatalog
{
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;
    private const int FirstTextChunk = 4096;
    private const int MaxTextChunk = 1 << 20;

    /// <summary>Texts up to this many UTF-8 bytes are encoded on the stack.</summary>
    private const int StackBytes = 1024;

    // Per id: where its text is and its hash, in chunks of ids whose directory is sized for the capacity up front.
    private readonly Entry[]?[] _entries;

    // Token texts and keys' token ids, one after another; neither ever spans two chunks.
    private byte[][] _text = new byte[4][];
    private int _textChunks;
    private int _textTop;

    // Open addressing with linear probing: id + 1 per slot, 0 for empty, at most half full.
    private int[] _table = new int[16];
    private int _count;
    private long _refused;

    // Per token id: where its text is and its hash, in chunks of ids; the directory grows (published whole). Only the
    // writer looks tokens up by text (its own table, same probing); readers only go from id to text.
    private Entry[]?[] _tokens = new Entry[]?[4];
    private int[] _tokenTable = new int[16];
    private int _tokenCount;

    /// <summary>Creates a catalog holding at most <paramref name="capacity"/> series.</summary>
    public SeriesCatalog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _entries = new Entry[]?[((capacity - 1) >> ChunkBits) + 1];
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
        if (text.IsEmpty)
            throw new ArgumentException("a series key is never empty", nameof(text));
        return GetOrAddText(text);
    }

    /// <summary>The id of <paramref name="key"/>, interning it if new; -1 when new and the catalog is full.</summary>
    public int GetOrAdd(in SeriesKey key) => GetOrAddText(key.Text);

    /// <summary>The id of an interned series, without interning.</summary>
    public bool TryGetId(ReadOnlySpan<char> text, out int id)
    {
        byte[]? rented = null;
        try
        {
            var utf8 = Encode(text, stackalloc byte[StackBytes], ref rented);
            id = Find(utf8, Hash(utf8));
            return id >= 0;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The canonical text of series <paramref name="id"/>.</summary>
    public string TextOf(int id) => ReadUtf8(id, static utf8 => Encoding.UTF8.GetString(utf8));

    /// <summary>The canonical text of series <paramref name="id"/> as UTF-8 bytes (a checkpoint's record key), without the string between.</summary>
    public byte[] Utf8Of(int id) => ReadUtf8(id, static utf8 => utf8.ToArray());

    /// <summary>Reads series <paramref name="id"/>'s text as UTF-8 through <paramref name="read"/>, put together in a stack or pooled buffer.</summary>
    private T ReadUtf8<T>(int id, Utf8Reader<T> read)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Count);
        var entry = EntryOf(id);
        byte[]? rented = null;
        try
        {
            var buffer = entry.Length <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(entry.Length));
            return read(Utf8Of(entry, buffer));
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private delegate T Utf8Reader<out T>(ReadOnlySpan<byte> utf8);

    /// <summary>The key of series <paramref name="id"/>, parsed from its text (rare: when an anomaly is raised).</summary>
    public SeriesKey KeyOf(int id) => SeriesKey.Parse(TextOf(id));

    private int GetOrAddText(ReadOnlySpan<char> text)
    {
        byte[]? rented = null;
        try
        {
            var utf8 = Encode(text, stackalloc byte[StackBytes], ref rented);
            var hash = Hash(utf8);
            var id = Find(utf8, hash);
            return id >= 0 ? id : Add(utf8, hash);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private int Find(ReadOnlySpan<byte> utf8, int hash)
    {
        var table = Volatile.Read(ref _table);
        var mask = table.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var slot = Volatile.Read(ref table[i]);
            if (slot == 0)
                return -1;
            var entry = EntryOf(slot - 1);
            if (entry.Hash == hash && entry.Length == utf8.Length && SameText(entry, utf8))
                return slot - 1;
        }
    }

    /// <summary>Whether key <paramref name="e"/>'s tokens spell <paramref name="utf8"/>, whose length is the key's.</summary>
    private bool SameText(Entry e, ReadOnlySpan<byte> utf8)
    {
        var done = 0;
        for (var tokens = new Tokens(this, e); tokens.Next(out var token); done += token.Length)
        {
            if (token.Length > utf8.Length - done || !token.SequenceEqual(utf8.Slice(done, token.Length)))
                return false;
        }

        return true;
    }

    private int Add(ReadOnlySpan<byte> utf8, int hash)
    {
        var id = _count;
        if (id >= Capacity)
        {
            Interlocked.Increment(ref _refused);
            return -1;
        }

        // The key's tokens, each interned, written as varint ids (at most 5 bytes a token, a token at least 1 byte).
        byte[]? rented = null;
        var max = 5 * utf8.Length;
        var ids = max <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(max));
        var written = 0;
        for (var start = 0; start < utf8.Length;)
        {
            var cut = utf8[start..].IndexOfAny((byte)'{', (byte)',');
            var end = cut < 0 ? utf8.Length : start + cut + 1;
            written += WriteVarint(ids[written..], TokenId(utf8[start..end]));
            start = end;
        }

        var (chunk, offset) = Append(ids[..written]);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
        var c = id >> ChunkBits;
        var entries = _entries[c] ??= new Entry[Math.Min(ChunkSize, Capacity - (c << ChunkBits))];
        entries[id & (ChunkSize - 1)] = new Entry(chunk, offset, utf8.Length, hash);
        if (2 * (id + 1) > _table.Length)
            GrowTable();
        Insert(_table, id, hash);
        Volatile.Write(ref _count, id + 1);
        return id;
    }

    /// <summary>The id of token <paramref name="utf8"/>, interning it if new (the writer only).</summary>
    private int TokenId(ReadOnlySpan<byte> utf8)
    {
        var hash = Hash(utf8);
        var text = _text;
        var mask = _tokenTable.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var slot = _tokenTable[i];
            if (slot == 0)
                break;
            var t = TokenEntryOf(slot - 1);
            if (t.Hash == hash && text[t.Chunk].AsSpan(t.Offset, t.Length).SequenceEqual(utf8))
                return slot - 1;
        }

        var id = _tokenCount;
        var (chunk, offset) = Append(utf8);
        var c = id >> ChunkBits;
        if (c == _tokens.Length)
        {
            var grown = new Entry[]?[2 * _tokens.Length];
            _tokens.AsSpan().CopyTo(grown);
            Volatile.Write(ref _tokens, grown);
        }

        var entries = _tokens[c] ??= new Entry[ChunkSize];
        entries[id & (ChunkSize - 1)] = new Entry(chunk, offset, utf8.Length, hash);
        _tokenCount = id + 1;
        if (2 * _tokenCount > _tokenTable.Length)
        {
            var table = new int[2 * _tokenTable.Length];
            for (var t = 0; t < _tokenCount; t++)
                Insert(table, t, TokenEntryOf(t).Hash);
            _tokenTable = table;
        }
        else
        {
            Insert(_tokenTable, id, hash);
        }

        return id;
    }

    private Entry TokenEntryOf(int id) => Volatile.Read(ref _tokens)[id >> ChunkBits]![id & (ChunkSize - 1)];

    private ReadOnlySpan<byte> TokenText(byte[][] text, int id)
    {
        var t = TokenEntryOf(id);
        return text[t.Chunk].AsSpan(t.Offset, t.Length);
    }

    private static int WriteVarint(Span<byte> into, int value)
    {
        var v = (uint)value;
        var n = 0;
        while (v >= 0x80)
        {
            into[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        into[n++] = (byte)v;
        return n;
    }

    private static int ReadVarint(byte[] from, ref int at)
    {
        var v = 0u;
        for (var shift = 0; ; shift += 7)
        {
            var b = from[at++];
            v |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
                return (int)v;
        }
    }

    /// <summary>Copies <paramref name="utf8"/> after the last text, in a new chunk when it does not fit.</summary>
    private (int Chunk, int Offset) Append(ReadOnlySpan<byte> utf8)
    {
        if (_textChunks == 0 || _textTop + utf8.Length > _text[_textChunks - 1].Length)
        {
            var size = _textChunks == 0 ? FirstTextChunk : Math.Min(MaxTextChunk, 2 * _text[_textChunks - 1].Length);
            if (_textChunks == _text.Length)
            {
                var grown = new byte[2 * _text.Length][];
                _text.AsSpan().CopyTo(grown);
                Volatile.Write(ref _text, grown);
            }

            _text[_textChunks++] = new byte[Math.Max(size, utf8.Length)];
            _textTop = 0;
        }

        var at = _textTop;
        utf8.CopyTo(_text[_textChunks - 1].AsSpan(at));
        _textTop += utf8.Length;
        return (_textChunks - 1, at);
    }

    /// <summary>A table twice the size with every id in it, published whole.</summary>
    private void GrowTable()
    {
        var table = new int[2 * _table.Length];
        for (var id = 0; id < _count; id++)
            Insert(table, id, EntryOf(id).Hash);
        Volatile.Write(ref _table, table);
    }

    private static void Insert(int[] table, int id, int hash)
    {
        var mask = table.Length - 1;
        var i = hash & mask;
        while (table[i] != 0)
            i = (i + 1) & mask;
        Volatile.Write(ref table[i], id + 1);
    }

    private Entry EntryOf(int id) => _entries[id >> ChunkBits]![id & (ChunkSize - 1)];

    /// <summary>Key <paramref name="e"/>'s UTF-8, its tokens put back together in <paramref name="into"/> (at least <see cref="Entry.Length"/> long).</summary>
    private Span<byte> Utf8Of(Entry e, Span<byte> into)
    {
        var done = 0;
        for (var tokens = new Tokens(this, e); tokens.Next(out var token); done += token.Length)
            token.CopyTo(into[done..]);
        return into[..e.Length];
    }

    /// <summary>A key's tokens in order, read off its varint ids until they add up to its length.</summary>
    private ref struct Tokens(SeriesCatalog catalog, Entry e)
    {
        private readonly byte[][] _text = Volatile.Read(ref catalog._text);
        private int _at = e.Offset;
        private int _left = e.Length;

        public bool Next(out ReadOnlySpan<byte> token)
        {
            if (_left <= 0)
            {
                token = default;
                return false;
            }

            token = catalog.TokenText(_text, ReadVarint(_text[e.Chunk], ref _at));
            _left -= token.Length;
            return true;
        }
    }

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

    /// <summary>
    /// Where a key's token ids (or a token's text) are, the length of its UTF-8 text, and its hash (kept so a table grows
    /// without rehashing texts).
    /// </summary>
    private readonly record struct Entry(int Chunk, int Offset, int Length, int Hash);
}
