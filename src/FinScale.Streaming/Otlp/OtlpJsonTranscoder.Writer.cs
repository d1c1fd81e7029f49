using System.Buffers;
using System.Buffers.Binary;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Otlp;

/// <content>The protobuf writer: one pass, lengths of nested messages filled in at the end.</content>
internal static partial class OtlpJsonTranscoder
{
    /// <summary>
    /// Writes protobuf wire format in one forward pass over the JSON. A length-delimited value's size is only known once
    /// its content is written, and the varint holding it has a size that depends on it, so content goes to a scratch
    /// buffer without length prefixes; each prefix is recorded (position, length) and <see cref="ToArray"/> stitches
    /// them in with one copy. Positions are recorded when a value opens, so they are already in order.
    /// </summary>
    private sealed class ProtoWriter : IDisposable
    {
        /// <summary>Largest message written: the 2 GiB protobuf limit, less headroom for the inserted prefixes.</summary>
        private const int MaxBytes = int.MaxValue - 1024;

        private byte[] _buffer;
        private int _position;
        private int[] _prefixAt;
        private int[] _prefixLength;
        private int _prefixCount;

        // Bytes the length prefixes inside the value being written will add: content length = raw bytes + this.
        private long _pendingPrefixBytes;

        /// <summary>Rents buffers sized for a JSON input of <paramref name="jsonLength"/> bytes (the binary form is usually smaller).</summary>
        public ProtoWriter(int jsonLength)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Clamp(jsonLength, 256, 1 << 20));
            _prefixAt = ArrayPool<int>.Shared.Rent(64);
            _prefixLength = ArrayPool<int>.Shared.Rent(64);
        }

        /// <summary>A length-delimited value being written.</summary>
        public readonly record struct Open(int TagStart, int ContentStart, int Prefix, long OuterPendingPrefixBytes);

        /// <summary>Writes <paramref name="tag"/> and starts a length-delimited value; close it with <see cref="Close"/>.</summary>
        public Open Begin(uint tag)
        {
            var tagStart = _position;
            WriteVarint(tag);
            if (_prefixCount == Math.Min(_prefixAt.Length, _prefixLength.Length))
            {
                Grow(ref _prefixAt);
                Grow(ref _prefixLength);
            }

            var open = new Open(tagStart, _position, _prefixCount, _pendingPrefixBytes);
            _prefixAt[_prefixCount++] = _position;
            _pendingPrefixBytes = 0;
            return open;
        }

        /// <summary>Ends the value opened by <paramref name="open"/>; with <paramref name="dropIfEmpty"/> an empty value leaves no trace, tag included (an empty packed array).</summary>
        /// <remarks>Dropping is only valid for a value with nothing length-delimited inside it, which holds for packed scalars.</remarks>
        public void Close(in Open open, bool dropIfEmpty)
        {
            var length = _position - open.ContentStart + _pendingPrefixBytes;
            if (length == 0 && dropIfEmpty)
            {
                _position = open.TagStart;
                _prefixCount = open.Prefix;
                _pendingPrefixBytes = open.OuterPendingPrefixBytes;
                return;
            }

            if (length > MaxBytes)
                throw new RecordDecodeException("OTLP/JSON: the protobuf message would exceed 2 GiB");
            _prefixLength[open.Prefix] = (int)length;
            _pendingPrefixBytes = open.OuterPendingPrefixBytes + _pendingPrefixBytes + VarintSize((uint)length);
        }

        /// <summary>Writes a varint.</summary>
        public void WriteVarint(ulong value)
        {
            var span = Reserve(10);
            var i = 0;
            while (value >= 0x80)
            {
                span[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            span[i++] = (byte)value;
            _position += i;
        }

        /// <summary>Writes 8 bytes little-endian.</summary>
        public void WriteFixed64(ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
            _position += 8;
        }

        /// <summary>Writes 4 bytes little-endian.</summary>
        public void WriteFixed32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
            _position += 4;
        }

        /// <summary>Writes a length-prefixed run of bytes (a string or bytes value).</summary>
        public void WriteLengthPrefixed(ReadOnlySpan<byte> bytes)
        {
            WriteVarint((uint)bytes.Length);
            bytes.CopyTo(Reserve(bytes.Length));
            _position += bytes.Length;
        }

        /// <summary>Room for <paramref name="count"/> bytes at the current position, for a caller that fills some of it and advances with <see cref="Advance"/>.</summary>
        public Span<byte> Reserve(int count)
        {
            if (_buffer.Length - _position < count)
            {
                var needed = (long)_position + count;
                if (needed > MaxBytes)
                    throw new RecordDecodeException("OTLP/JSON: the protobuf message would exceed 2 GiB");
                var size = (int)Math.Min(MaxBytes, Math.Max(needed, (long)_buffer.Length * 2));
                var bigger = ArrayPool<byte>.Shared.Rent(size);
                _buffer.AsSpan(0, _position).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }

            return _buffer.AsSpan(_position, count);
        }

        /// <summary>Moves past <paramref name="count"/> bytes filled in a span from <see cref="Reserve"/>.</summary>
        public void Advance(int count) => _position += count;

        /// <summary>The finished message: the content with every length prefix in place.</summary>
        public byte[] ToArray()
        {
            var total = _position + _pendingPrefixBytes;
            if (total > MaxBytes)
                throw new RecordDecodeException("OTLP/JSON: the protobuf message would exceed 2 GiB");
            var output = new byte[total];
            var from = 0;
            var to = 0;
            for (var i = 0; i < _prefixCount; i++)
            {
                var at = _prefixAt[i];
                _buffer.AsSpan(from, at - from).CopyTo(output.AsSpan(to));
                to += at - from;
                from = at;
                var length = (uint)_prefixLength[i];
                while (length >= 0x80)
                {
                    output[to++] = (byte)(length | 0x80);
                    length >>= 7;
                }

                output[to++] = (byte)length;
            }

            _buffer.AsSpan(from, _position - from).CopyTo(output.AsSpan(to));
            return output;
        }

        /// <summary>Returns the rented buffers.</summary>
        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            ArrayPool<int>.Shared.Return(_prefixAt);
            ArrayPool<int>.Shared.Return(_prefixLength);
            _buffer = [];
            _prefixAt = [];
            _prefixLength = [];
        }

        private static int VarintSize(uint value) => value switch
        {
            < 1u << 7 => 1,
            < 1u << 14 => 2,
            < 1u << 21 => 3,
            < 1u << 28 => 4,
            _ => 5,
        };

        private static void Grow(ref int[] array)
        {
            var bigger = ArrayPool<int>.Shared.Rent(array.Length * 2);
            array.AsSpan().CopyTo(bigger);
            ArrayPool<int>.Shared.Return(array);
            array = bigger;
        }
    }
}
