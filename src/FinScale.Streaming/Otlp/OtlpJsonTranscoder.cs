using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FinScale.Streaming.Avro;
using Google.Protobuf.Reflection;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace FinScale.Streaming.Otlp;

/// <summary>
/// Transcodes OTLP/JSON (the kafkaexporter's <c>otlp_json</c> encoding) into the binary protobuf bytes of the same message,
/// so one binary decoder serves both encodings and they agree by construction.
/// </summary>
/// <remarks>
/// <para>Follows the OTLP specification's "JSON Protobuf Encoding": the proto3 JSON mapping, except that
/// <c>traceId</c>, <c>spanId</c> and <c>parentSpanId</c> (in spans, links and exemplars) are case-insensitive hex strings,
/// enums are integers, and unknown fields are ignored. As a lenient receiver it also accepts what the specification
/// tells senders not to use: original snake_case field names and enum value names.</para>
/// <para>Driven by the generated message descriptors, not a hand-kept field list: one forward pass of a
/// <see cref="Utf8JsonReader"/> writes wire format as it goes (field order as given in the JSON; repeated scalars
/// packed, implicit-presence defaults left out, as protoc's writers do). No JSON DOM and no per-field strings;
/// buffers are pooled, and the result is one exactly-sized array.</para>
/// <para>Every fault in the input, whether malformed JSON, a value of the wrong JSON type, an integer out of range, a bad id,
/// or nesting deeper than <see cref="MaxDepth"/>, is a <see cref="RecordDecodeException"/> whose message names the field path,
/// e.g. <c>resourceSpans[0].scopeSpans[0].spans[3].traceId: expected 32 hex characters, got 24</c>.</para>
/// </remarks>
internal static partial class OtlpJsonTranscoder
{
    /// <summary>Deepest JSON nesting accepted (objects and arrays): about 40 levels of nested AnyValue arrays inside a span attribute, and a bound on recursion.</summary>
    public const int MaxDepth = 128;

    /// <summary>Longest numeric string considered; no valid number in a proto field needs more (a decimal can spell out digits, but not usefully).</summary>
    private const int MaxNumberLength = 512;

    /// <summary>Transcodes a JSON <see cref="ExportMetricsServiceRequest"/>.</summary>
    /// <exception cref="RecordDecodeException">The input is not a valid OTLP/JSON metrics request.</exception>
    public static byte[] MetricsRequestToProtobuf(ReadOnlySpan<byte> utf8Json) =>
        ToProtobuf(utf8Json, ExportMetricsServiceRequest.Descriptor);

    /// <summary>Transcodes a JSON <see cref="ExportTraceServiceRequest"/>.</summary>
    /// <exception cref="RecordDecodeException">The input is not a valid OTLP/JSON trace request.</exception>
    public static byte[] TraceRequestToProtobuf(ReadOnlySpan<byte> utf8Json) =>
        ToProtobuf(utf8Json, ExportTraceServiceRequest.Descriptor);

    /// <summary>Transcodes one JSON object of message type <paramref name="root"/> into that message's protobuf bytes.</summary>
    /// <param name="utf8Json">The whole JSON document, UTF-8.</param>
    /// <param name="root">The message type, e.g. <c>ExportTraceServiceRequest.Descriptor</c>.</param>
    /// <exception cref="RecordDecodeException">The input is not valid OTLP/JSON for <paramref name="root"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="root"/> uses map or group fields or well-known types (OTLP does not): a programming error, not an input error.</exception>
    public static byte[] ToProtobuf(ReadOnlySpan<byte> utf8Json, MessageDescriptor root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var plan = PlanFor(root);
        using var writer = new ProtoWriter(utf8Json.Length);
        using var transcoding = new Transcoding(root.Name, writer);
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read())
                throw transcoding.Fail("no JSON value");
            if (reader.TokenType != JsonTokenType.StartObject)
                throw transcoding.Fail($"expected a JSON object, got {Describe(reader.TokenType)}");
            transcoding.Message(ref reader, plan);

            // Anything but whitespace after the object makes the reader throw here.
            if (reader.Read())
                throw transcoding.Fail("content after the JSON object");
        }
        catch (JsonException ex)
        {
            throw transcoding.Fail($"invalid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // The reader throws this when unescaping a string yields invalid UTF-16 (a lone surrogate escape).
            throw transcoding.Fail($"invalid JSON string: {ex.Message}", ex);
        }

        return writer.ToArray();
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>The state of one transcoding: where in the document it is (for error paths) and scratch space for unescaped text.</summary>
    private sealed class Transcoding : IDisposable
    {
        private readonly string _rootName;
        private readonly ProtoWriter _writer;
        private readonly FieldPlan[] _pathFields = new FieldPlan[MaxDepth + 1];
        private readonly int[] _pathIndexes = new int[MaxDepth + 1];
        private int _pathDepth;
        private byte[] _text = [];
        private byte[] _work = [];

        /// <summary>Starts at the root of a <paramref name="rootName"/> message.</summary>
        public Transcoding(string rootName, ProtoWriter writer)
        {
            _rootName = rootName;
            _writer = writer;
        }

        /// <summary>Writes the fields of the object the reader is at (its <see cref="JsonTokenType.StartObject"/>), leaving the reader at its end.</summary>
        public void Message(ref Utf8JsonReader reader, MessagePlan plan)
        {
            while (true)
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndObject)
                    return;
                var field = plan.Find(ref reader);
                Next(ref reader);
                if (field is null)
                {
                    // Receivers must ignore unknown fields, so newer senders do not break older readers.
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                _pathFields[_pathDepth] = field;
                _pathIndexes[_pathDepth] = -1;
                _pathDepth++;
                if (field.IsRepeated)
                    Repeated(ref reader, field);
                else
                    Value(ref reader, field, field.SkipDefault);
                _pathDepth--;
            }
        }

        /// <summary>The error for a fault at the current path.</summary>
        public RecordDecodeException Fail(string reason, Exception? inner = null)
        {
            var message = new StringBuilder("OTLP/JSON ").Append(_rootName).Append(": ");
            if (_pathDepth == 0)
                message.Append('$');
            for (var i = 0; i < _pathDepth; i++)
            {
                if (i > 0)
                    message.Append('.');
                message.Append(_pathFields[i].JsonName);
                if (_pathIndexes[i] >= 0)
                    message.Append('[').Append(_pathIndexes[i]).Append(']');
            }

            message.Append(": ").Append(reason);
            return inner is null ? new RecordDecodeException(message.ToString()) : new RecordDecodeException(message.ToString(), inner);
        }

        /// <summary>Returns the scratch buffers.</summary>
        public void Dispose()
        {
            if (_text.Length > 0)
                ArrayPool<byte>.Shared.Return(_text);
            if (_work.Length > 0)
                ArrayPool<byte>.Shared.Return(_work);
            _text = [];
            _work = [];
        }

        private void Next(ref Utf8JsonReader reader)
        {
            // With the whole document in one span the reader throws on truncation; this is a backstop.
            if (!reader.Read())
                throw Fail("unexpected end of JSON");
        }

        private void Repeated(ref Utf8JsonReader reader, FieldPlan field)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw Fail($"expected an array, got {Describe(reader.TokenType)}");
            var index = 0;
            if (field.IsPacked)
            {
                var open = _writer.Begin(field.PackedTag);
                while (NextElement(ref reader, ref index))
                    WriteScalar(field, ScalarBits(ref reader, field));
                _writer.Close(open, dropIfEmpty: true);
            }
            else
            {
                while (NextElement(ref reader, ref index))
                    Value(ref reader, field, skipDefault: false);
            }

            _pathIndexes[_pathDepth - 1] = -1;
        }

        private bool NextElement(ref Utf8JsonReader reader, ref int index)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
                return false;
            _pathIndexes[_pathDepth - 1] = index++;
            if (reader.TokenType == JsonTokenType.Null)
                throw Fail("null is not allowed as an array element");
            return true;
        }

        private void Value(ref Utf8JsonReader reader, FieldPlan field, bool skipDefault)
        {
            switch (field.Type)
            {
                case FieldType.Message:
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                        throw Fail($"expected an object, got {Describe(reader.TokenType)}");
                    var open = _writer.Begin(field.Tag);
                    Message(ref reader, field.Message!);
                    _writer.Close(open, dropIfEmpty: false);
                    return;
                }

                case FieldType.String:
                {
                    var text = Text(ref reader, "a string");
                    if (!Utf8.IsValid(text))
                        throw Fail("string is not valid UTF-8");
                    if (text.IsEmpty && skipDefault)
                        return;
                    _writer.WriteVarint(field.Tag);
                    _writer.WriteLengthPrefixed(text);
                    return;
                }

                case FieldType.Bytes:
                {
                    var text = Text(ref reader, field.HexLength > 0 ? "a hex string" : "a base64 string");
                    if (text.IsEmpty && skipDefault)
                        return;
                    if (field.HexLength > 0)
                        WriteHex(field, text);
                    else
                        WriteBase64(field, text);
                    return;
                }

                default:
                {
                    var bits = ScalarBits(ref reader, field);
                    if (bits == 0 && skipDefault)
                        return;
                    _writer.WriteVarint(field.Tag);
                    WriteScalar(field, bits);
                    return;
                }
            }
        }

        private void WriteScalar(FieldPlan field, ulong bits)
        {
            switch (field.WireType)
            {
                case WireFixed64:
                    _writer.WriteFixed64(bits);
                    break;
                case WireFixed32:
                    _writer.WriteFixed32((uint)bits);
                    break;
                default:
                    _writer.WriteVarint(bits);
                    break;
            }
        }

        /// <summary>A scalar's value as the bits its wire type carries: the varint's value (sign-extended, or zig-zagged for sint), or the fixed-width bytes.</summary>
        private ulong ScalarBits(ref Utf8JsonReader reader, FieldPlan field)
        {
            switch (field.Type)
            {
                case FieldType.Bool:
                    return reader.TokenType switch
                    {
                        JsonTokenType.True => 1,
                        JsonTokenType.False => 0,
                        _ => throw Fail($"expected true or false, got {Describe(reader.TokenType)}"),
                    };
                case FieldType.Double:
                    return BitConverter.DoubleToUInt64Bits(Double(ref reader));
                case FieldType.Float:
                {
                    var value = Double(ref reader);
                    if (double.IsFinite(value) && Math.Abs(value) > float.MaxValue)
                        throw Fail($"{value.ToString(CultureInfo.InvariantCulture)} is out of range for float");
                    return BitConverter.SingleToUInt32Bits((float)value);
                }

                case FieldType.Enum:
                    return (ulong)(long)Enum(ref reader, field);
                case FieldType.Int32:
                    return (ulong)(long)Integer(ref reader, int.MinValue, int.MaxValue, "int32");
                case FieldType.SFixed32:
                    return (uint)(int)Integer(ref reader, int.MinValue, int.MaxValue, "sfixed32");
                case FieldType.SInt32:
                {
                    var value = (int)Integer(ref reader, int.MinValue, int.MaxValue, "sint32");
                    return (uint)((value << 1) ^ (value >> 31));
                }

                case FieldType.UInt32:
                    return (ulong)Integer(ref reader, uint.MinValue, uint.MaxValue, "uint32");
                case FieldType.Fixed32:
                    return (ulong)Integer(ref reader, uint.MinValue, uint.MaxValue, "fixed32");
                case FieldType.Int64:
                    return (ulong)(long)Integer(ref reader, long.MinValue, long.MaxValue, "int64");
                case FieldType.SFixed64:
                    return (ulong)(long)Integer(ref reader, long.MinValue, long.MaxValue, "sfixed64");
                case FieldType.SInt64:
                {
                    var value = (long)Integer(ref reader, long.MinValue, long.MaxValue, "sint64");
                    return (ulong)((value << 1) ^ (value >> 63));
                }

                case FieldType.UInt64:
                    return (ulong)Integer(ref reader, ulong.MinValue, ulong.MaxValue, "uint64");
                case FieldType.Fixed64:
                    return (ulong)Integer(ref reader, ulong.MinValue, ulong.MaxValue, "fixed64");
                default:
                    throw Fail($"unsupported field type {field.Type}");
            }
        }

        /// <summary>An integer given as a JSON number or a decimal string (64-bit values usually are strings, since JSON numbers lose precision past 2^53 in many readers).</summary>
        private Int128 Integer(ref Utf8JsonReader reader, Int128 min, Int128 max, string typeName)
        {
            var raw = reader.TokenType switch
            {
                JsonTokenType.Number => reader.ValueSpan,
                JsonTokenType.String => Text(ref reader, "an integer"),
                _ => throw Fail($"expected an integer (number or decimal string), got {Describe(reader.TokenType)}"),
            };
            if (!TryParseInteger(raw, out var value))
                throw Fail($"'{Shorten(raw)}' is not an integer");
            if (value < min || value > max)
                throw Fail($"{Shorten(raw)} is out of range for {typeName}");
            return value;
        }

        private static bool TryParseInteger(ReadOnlySpan<byte> raw, out Int128 value)
        {
            if (raw.IsEmpty || raw.Length > MaxNumberLength)
            {
                value = 0;
                return false;
            }

            if (Int128.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
                return true;

            // proto3 JSON also accepts an integral value written with a fraction or exponent ("1.0", "1e3").
            // decimal holds 96-bit integers exactly, which covers every 64-bit range.
            if (decimal.TryParse(raw, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d)
                && d == decimal.Truncate(d))
            {
                value = (Int128)d;
                return true;
            }

            value = 0;
            return false;
        }

        /// <summary>A double given as a JSON number, a numeric string, or one of "NaN", "Infinity", "-Infinity".</summary>
        private double Double(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                if (!reader.TryGetDouble(out var number) || !double.IsFinite(number))
                    throw Fail($"{Shorten(reader.ValueSpan)} is out of range for double");
                return number;
            }

            if (reader.TokenType != JsonTokenType.String)
                throw Fail($"expected a number or \"NaN\", \"Infinity\", \"-Infinity\", got {Describe(reader.TokenType)}");
            var text = Text(ref reader, "a number");
            if (text.SequenceEqual("NaN"u8))
                return double.NaN;
            if (text.SequenceEqual("Infinity"u8))
                return double.PositiveInfinity;
            if (text.SequenceEqual("-Infinity"u8))
                return double.NegativeInfinity;
            if (text.Length <= MaxNumberLength
                && double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
                && double.IsFinite(value))
                return value;
            throw Fail($"'{Shorten(text)}' is not a number");
        }

        /// <summary>An enum given as its number (as OTLP requires) or, leniently, its value name.</summary>
        private int Enum(ref Utf8JsonReader reader, FieldPlan field)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                var names = field.EnumNamesUtf8!;
                for (var i = 0; i < names.Length; i++)
                {
                    if (reader.ValueTextEquals(names[i]))
                        return field.EnumNumbers![i];
                }

                var text = Text(ref reader, "an enum value");
                if (!TryParseInteger(text, out var parsed))
                    throw Fail($"'{Shorten(text)}' is not a value of this enum");
                if (parsed < int.MinValue || parsed > int.MaxValue)
                    throw Fail($"{Shorten(text)} is out of range for an enum");
                return (int)parsed;
            }

            if (reader.TokenType != JsonTokenType.Number)
                throw Fail($"expected an enum number, got {Describe(reader.TokenType)}");

            // Proto3 enums are open: numbers without a name are kept, as the binary decoder keeps them.
            return (int)Integer(ref reader, int.MinValue, int.MaxValue, "an enum");
        }

        private void WriteHex(FieldPlan field, ReadOnlySpan<byte> text)
        {
            if (text.Length != field.HexLength * 2)
                throw Fail($"expected {field.HexLength * 2} hex characters, got {text.Length}");
            Span<byte> bytes = stackalloc byte[field.HexLength];
            for (var i = 0; i < bytes.Length; i++)
            {
                var high = HexDigit(text[2 * i]);
                var low = HexDigit(text[(2 * i) + 1]);
                if ((high | low) < 0)
                    throw Fail($"invalid hex character at offset {(high < 0 ? 2 * i : (2 * i) + 1)}");
                bytes[i] = (byte)((high << 4) | low);
            }

            _writer.WriteVarint(field.Tag);
            _writer.WriteLengthPrefixed(bytes);
        }

        private static int HexDigit(byte c) => c switch
        {
            >= (byte)'0' and <= (byte)'9' => c - '0',
            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
            _ => -1,
        };

        /// <summary>Base64, standard or URL-safe alphabet, padded or not (all accepted by the proto3 JSON mapping).</summary>
        private void WriteBase64(FieldPlan field, ReadOnlySpan<byte> text)
        {
            var unpadded = text.Length;
            while (unpadded > 0 && text[unpadded - 1] == (byte)'=' && text.Length - unpadded < 2)
                unpadded--;
            if (unpadded % 4 == 1)
                throw Fail("invalid base64: wrong length");
            var padded = (unpadded + 3) / 4 * 4;
            var work = Scratch(ref _work, padded);
            for (var i = 0; i < unpadded; i++)
            {
                work[i] = text[i] switch
                {
                    (byte)'-' => (byte)'+',
                    (byte)'_' => (byte)'/',
                    var c => c,
                };
            }

            work[unpadded..padded].Fill((byte)'=');
            var status = Base64.DecodeFromUtf8InPlace(work[..padded], out var written);
            if (status != OperationStatus.Done)
                throw Fail("invalid base64");
            _writer.WriteVarint(field.Tag);
            _writer.WriteLengthPrefixed(work[..written]);
        }

        /// <summary>The unescaped UTF-8 of the string token the reader is at; valid until the next call.</summary>
        private ReadOnlySpan<byte> Text(ref Utf8JsonReader reader, string expected)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw Fail($"expected {expected}, got {Describe(reader.TokenType)}");
            if (!reader.ValueIsEscaped)
                return reader.ValueSpan;

            // Unescaping never lengthens the text.
            var buffer = Scratch(ref _text, reader.ValueSpan.Length);
            var length = reader.CopyString(buffer);
            return buffer[..length];
        }

        private static Span<byte> Scratch(ref byte[] buffer, int length)
        {
            if (buffer.Length < length)
            {
                if (buffer.Length > 0)
                    ArrayPool<byte>.Shared.Return(buffer);
                buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 256));
            }

            return buffer.AsSpan(0, length);
        }

        private static string Shorten(ReadOnlySpan<byte> raw)
        {
            const int Limit = 40;
            var shown = Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, Limit)]);
            return raw.Length > Limit ? shown + "..." : shown;
        }
    }
}
