using System.Buffers.Binary;
using System.Text;

namespace FinScale.Streaming.Avro;

/// <summary>
/// Avro's binary encoding of the primitive types into a growable buffer, byte for byte what the library's
/// <c>BinaryEncoder</c> writes (zig-zag varints, little-endian doubles, strings as a length and UTF-8 bytes, maps and
/// arrays as a block count, the items and a closing 0), for an <see cref="IAvroBodyWriter{T}"/>.
/// </summary>
public sealed class AvroBinaryWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer whose buffer starts at <paramref name="capacity"/> bytes and doubles as needed.</summary>
    public AvroBinaryWriter(int capacity = 512) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>The bytes written since the last <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Bytes the buffer holds before it must grow.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Forgets what was written; the buffer is kept.</summary>
    public void Clear() => _length = 0;

    /// <summary>Raw bytes, e.g. a framing header.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>An int or long: zig-zag, then 7 bits per byte, low first.</summary>
    public void WriteLong(long value)
    {
        Ensure(10);
        var n = (ulong)((value << 1) ^ (value >> 63));
        while (n >= 0x80)
        {
            _buffer[_length++] = (byte)(n | 0x80);
            n >>= 7;
        }

        _buffer[_length++] = (byte)n;
    }

    /// <summary>A <c>timestamp-millis</c> as the library converts one: whole milliseconds since the epoch, truncated towards zero.</summary>
    public void WriteTimestampMillis(DateTimeOffset value) => WriteLong((long)(value.UtcDateTime - DateTime.UnixEpoch).TotalMilliseconds);

    /// <summary>A double: its IEEE bits, little-endian (NaN payloads kept).</summary>
    public void WriteDouble(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), BitConverter.DoubleToInt64Bits(value));
        _length += 8;
    }

    /// <summary>A string: its UTF-8 length, then the bytes (a lone surrogate becomes U+FFFD, as <see cref="Encoding.UTF8"/> has it).</summary>
    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteLong(count);
        Ensure(count);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    /// <summary>The branch of a union about to be written.</summary>
    public void WriteUnionIndex(int branch) => WriteLong(branch);

    /// <summary>An optional string, the union <c>["null", "string"]</c>: branch 0 for null, else branch 1 and the string.</summary>
    public void WriteOptional(string? value)
    {
        if (value is null)
        {
            WriteUnionIndex(0);
            return;
        }

        WriteUnionIndex(1);
        WriteString(value);
    }

    /// <summary>
    /// A map of strings: one block of all entries (none for an empty map), then the closing 0, in the dictionary's own
    /// order (the order the library's generic writer takes from the same dictionary).
    /// </summary>
    public void WriteStringMap(IReadOnlyDictionary<string, string> map, string field)
    {
        if (map.Count > 0)
        {
            WriteLong(map.Count);
            foreach (var (key, value) in map)
            {
                WriteString(key);
                WriteString(value ?? throw new ArgumentException($"{field}: the value of '{key}' is null", nameof(map)));
            }
        }

        WriteLong(0);
    }

    /// <summary>A copy of what was written, exactly as long.</summary>
    public byte[] ToArray() => Written.ToArray();

    private void Ensure(int more)
    {
        if (_buffer.Length - _length >= more)
            return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
    }
}
