using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Otlp;

/// <summary>Protobuf wire types.</summary>
internal enum WireType
{
    /// <summary>int32, int64, uint*, sint*, bool, enum.</summary>
    Varint = 0,

    /// <summary>fixed64, sfixed64, double.</summary>
    Fixed64 = 1,

    /// <summary>string, bytes, embedded messages, packed repeated fields.</summary>
    LengthDelimited = 2,

    /// <summary>Deprecated group start: not used by OTLP.</summary>
    StartGroup = 3,

    /// <summary>Deprecated group end: not used by OTLP.</summary>
    EndGroup = 4,

    /// <summary>fixed32, sfixed32, float.</summary>
    Fixed32 = 5,
}

/// <summary>
/// Reads protobuf wire format straight from a span: no message objects, no copies; strings and sub-messages come
/// back as slices of the input. Every read checks bounds, so truncated or garbage input ends in a
/// <see cref="RecordDecodeException"/> naming what was being read, never an out-of-range read.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    /// <summary>Reads <paramref name="buffer"/> from its start.</summary>
    public ProtoReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>True once every byte has been read.</summary>
    public readonly bool End => _position >= _buffer.Length;

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out WireType wireType)
    {
        if (_position >= _buffer.Length)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        if (field <= 0 || tag > uint.MaxValue)
            throw Malformed($"invalid field tag {tag}");
        return true;
    }

    /// <summary>Reads a varint (up to 10 bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadVarint()
    {
        if (_position < _buffer.Length && _buffer[_position] < 0x80)
            return _buffer[_position++];
        return ReadVarintSlow();
    }

    private ulong ReadVarintSlow()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _buffer.Length)
                throw Malformed("truncated varint");
            var b = _buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return result;
        }

        throw Malformed("varint longer than 10 bytes");
    }

    /// <summary>Reads a little-endian 64-bit value.</summary>
    public ulong ReadFixed64()
    {
        if (_buffer.Length - _position < 8)
            throw Malformed("truncated fixed64");
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.Slice(_position, 8));
        _position += 8;
        return v;
    }

    /// <summary>Reads a little-endian 32-bit value.</summary>
    public uint ReadFixed32()
    {
        if (_buffer.Length - _position < 4)
            throw Malformed("truncated fixed32");
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.Slice(_position, 4));
        _position += 4;
        return v;
    }

    /// <summary>Reads a double.</summary>
    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadFixed64());

    /// <summary>Reads a length-delimited field: a string, bytes, a sub-message or a packed array.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_buffer.Length - _position))
            throw Malformed($"length {length} runs past the end of the message ({_buffer.Length - _position} bytes left)");
        var slice = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    /// <summary>Skips a field of the given wire type (unknown fields are legal and ignored).</summary>
    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                ReadFixed64();
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case WireType.Fixed32:
                ReadFixed32();
                break;
            default:
                throw Malformed($"unsupported wire type {(int)wireType}");
        }
    }

    /// <summary>Checks the wire type of a known field, so a field of the wrong type is an error rather than misread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected)
            throw Malformed($"{field}: wire type {(int)actual}, expected {(int)expected}");
    }

    /// <summary>
    /// The last occurrence of length-delimited field <paramref name="field"/> of a message (protobuf's rule for a
    /// non-repeated field), wherever it sits on the wire: e.g. a <c>resource</c> that follows the scopes it applies to.
    /// Empty when absent.
    /// </summary>
    public static ReadOnlySpan<byte> LastMessageField(ReadOnlySpan<byte> message, int field, string name)
    {
        ReadOnlySpan<byte> found = default;
        var r = new ProtoReader(message);
        while (r.TryReadTag(out var f, out var wt))
        {
            if (f == field)
            {
                r.Expect(wt, WireType.LengthDelimited, name);
                found = r.ReadLengthDelimited();
            }
            else
            {
                r.Skip(wt);
            }
        }

        return found;
    }

    /// <summary>The error for malformed input, with the offset it was found at.</summary>
    public readonly RecordDecodeException Malformed(string what) => new($"malformed protobuf at byte {_position}: {what}");
}
