using System.Buffers.Text;
using System.Globalization;
using System.Text;
using FinScale.Contracts;

namespace FinScale.Streaming.Otlp;

/// <summary>
/// Reads OTLP <c>KeyValue</c>/<c>AnyValue</c> messages into a <see cref="SeriesKeyBuilder"/>: scalar values are
/// rendered straight into the builder's buffer (strings as given, bools as <c>true</c>/<c>false</c>, integers in
/// decimal, doubles round-trippable, bytes as base64); arrays and key-value lists, rare as identifying attributes,
/// render as compact JSON.
/// </summary>
internal static class OtlpAttributes
{
    /// <summary>Deepest nesting of arrays and key-value lists accepted; deeper input is malformed (and would risk the stack).</summary>
    public const int MaxDepth = 32;

    /// <summary>The key of a <c>KeyValue</c> message, validating the whole message.</summary>
    public static ReadOnlySpan<byte> ReadKey(ReadOnlySpan<byte> keyValue, out ReadOnlySpan<byte> anyValue)
    {
        var r = new ProtoReader(keyValue);
        ReadOnlySpan<byte> key = default;
        anyValue = default;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1:
                    r.Expect(wt, WireType.LengthDelimited, "KeyValue.key");
                    key = r.ReadLengthDelimited();
                    break;
                case 2:
                    r.Expect(wt, WireType.LengthDelimited, "KeyValue.value");
                    anyValue = r.ReadLengthDelimited();
                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        return key;
    }

    /// <summary>Checks that an <c>AnyValue</c> is well formed, nested values included.</summary>
    public static void Validate(ReadOnlySpan<byte> anyValue, int depth = 0)
    {
        if (depth > MaxDepth)
            throw new Avro.RecordDecodeException($"attribute values nested deeper than {MaxDepth}");
        var r = new ProtoReader(anyValue);
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1 or 7:
                    r.Expect(wt, WireType.LengthDelimited, "AnyValue");
                    r.ReadLengthDelimited();
                    break;
                case 2 or 3:
                    r.Expect(wt, WireType.Varint, "AnyValue");
                    r.ReadVarint();
                    break;
                case 4:
                    r.Expect(wt, WireType.Fixed64, "AnyValue.double_value");
                    r.ReadFixed64();
                    break;
                case 5 or 6:
                    r.Expect(wt, WireType.LengthDelimited, "AnyValue");
                    var list = new ProtoReader(r.ReadLengthDelimited());
                    while (list.TryReadTag(out var f, out var w))
                    {
                        if (f != 1)
                        {
                            list.Skip(w);
                            continue;
                        }

                        list.Expect(w, WireType.LengthDelimited, field == 5 ? "ArrayValue.values" : "KeyValueList.values");
                        var element = list.ReadLengthDelimited();
                        if (field == 5)
                        {
                            Validate(element, depth + 1);
                        }
                        else
                        {
                            ReadKey(element, out var inner);
                            Validate(inner, depth + 1);
                        }
                    }

                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }
    }

    /// <summary>Adds <c>key=value</c> to <paramref name="builder"/>, rendering the value as text.</summary>
    public static void Add(SeriesKeyBuilder builder, ReadOnlySpan<byte> key, ReadOnlySpan<byte> anyValue)
    {
        var kind = ReadValue(anyValue, out var bytes, out var scalar);

        switch (kind)
        {
            case 0:
                builder.AddUtf8(key, default);
                break;
            case 1:
                builder.AddUtf8(key, bytes);
                break;
            case 2:
            {
                var span = builder.BeginUtf8Key(key, 5);
                var text = scalar != 0 ? "true" : "false";
                text.CopyTo(span);
                builder.CommitValue(text.Length);
                break;
            }
            case 3:
            {
                var span = builder.BeginUtf8Key(key, 20);
                ((long)scalar).TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
                builder.CommitValue(n);
                break;
            }

            case 4:
            {
                var span = builder.BeginUtf8Key(key, 32);
                BitConverter.UInt64BitsToDouble(scalar).TryFormat(span, out var n, "R", CultureInfo.InvariantCulture);
                builder.CommitValue(n);
                break;
            }

            case 7:
            {
                var span = builder.BeginUtf8Key(key, Base64.GetMaxEncodedToUtf8Length(bytes.Length));
                Convert.TryToBase64Chars(bytes, span, out var n);
                builder.CommitValue(n);
                break;
            }

            default:
            {
                var json = new StringBuilder();
                RenderJson(anyValue, json);
                builder.AddUtf8(key, Encoding.UTF8.GetBytes(json.ToString()));
                break;
            }
        }
    }

    /// <summary>The value of an <c>AnyValue</c> as text (used where one attribute is wanted as a string, e.g. <c>service.name</c>).</summary>
    public static string ToText(ReadOnlySpan<byte> anyValue)
    {
        var json = new StringBuilder();
        RenderJson(anyValue, json, topLevel: true);
        return json.ToString();
    }

    private static void RenderJson(ReadOnlySpan<byte> anyValue, StringBuilder sb, bool topLevel = false)
    {
        var kind = ReadValue(anyValue, out var bytes, out var scalar);

        switch (kind)
        {
            case 0:
                sb.Append(topLevel ? string.Empty : "null");
                break;
            case 1:
                if (topLevel)
                    sb.Append(Encoding.UTF8.GetString(bytes));
                else
                    AppendJsonString(sb, Encoding.UTF8.GetString(bytes));
                break;
            case 2:
                sb.Append(scalar != 0 ? "true" : "false");
                break;
            case 3:
                sb.Append(((long)scalar).ToString(CultureInfo.InvariantCulture));
                break;
            case 4:
                sb.Append(BitConverter.UInt64BitsToDouble(scalar).ToString("R", CultureInfo.InvariantCulture));
                break;
            case 7:
                if (topLevel)
                    sb.Append(Convert.ToBase64String(bytes));
                else
                    AppendJsonString(sb, Convert.ToBase64String(bytes));
                break;
            case 5:
            {
                sb.Append('[');
                var list = new ProtoReader(bytes);
                var first = true;
                while (list.TryReadTag(out var f, out var w))
                {
                    if (f != 1)
                    {
                        list.Skip(w);
                        continue;
                    }

                    if (!first)
                        sb.Append(',');
                    first = false;
                    RenderJson(list.ReadLengthDelimited(), sb);
                }

                sb.Append(']');
                break;
            }

            default:
            {
                sb.Append('{');
                var list = new ProtoReader(bytes);
                var first = true;
                while (list.TryReadTag(out var f, out var w))
                {
                    if (f != 1)
                    {
                        list.Skip(w);
                        continue;
                    }

                    if (!first)
                        sb.Append(',');
                    first = false;
                    var key = ReadKey(list.ReadLengthDelimited(), out var inner);
                    AppendJsonString(sb, Encoding.UTF8.GetString(key));
                    sb.Append(':');
                    RenderJson(inner, sb);
                }

                sb.Append('}');
                break;
            }
        }
    }

    /// <summary>
    /// The set member of an <c>AnyValue</c> (its field number; 0 when none is set; the last one wins, as protobuf's
    /// oneof does): length-delimited members in <paramref name="bytes"/>, scalar ones in <paramref name="scalar"/>.
    /// </summary>
    private static int ReadValue(ReadOnlySpan<byte> anyValue, out ReadOnlySpan<byte> bytes, out ulong scalar)
    {
        var r = new ProtoReader(anyValue);
        var kind = 0;
        bytes = default;
        scalar = 0;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1 or 5 or 6 or 7:
                    bytes = r.ReadLengthDelimited();
                    kind = field;
                    break;
                case 2 or 3:
                    scalar = r.ReadVarint();
                    kind = field;
                    break;
                case 4:
                    scalar = r.ReadFixed64();
                    kind = field;
                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        return kind;
    }

    private static void AppendJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            if (c is '"' or '\\')
                sb.Append('\\').Append(c);
            else if (c < ' ')
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                sb.Append(c);
        }

        sb.Append('"');
    }
}
