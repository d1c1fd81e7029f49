using Avro;

namespace FinScale.Streaming.Avro;

/// <summary>
/// Walks an Avro binary body along its writer schema before the Avro library decodes it, checking every
/// declared length and count against the bytes actually there. Apache.Avro allocates what a corrupt
/// length claims (a 15-byte record can ask for 1 GiB); this check turns that into a decode error.
/// </summary>
internal static class AvroBodyGuard
{
    /// <summary>Throws <see cref="RecordDecodeException"/> when <paramref name="body"/> is not exactly one value of <paramref name="schema"/>.</summary>
    public static void Validate(Schema schema, ReadOnlySpan<byte> body)
    {
        var pos = 0;
        var at = new Where(schema.Fullname, string.Empty);
        Walk(schema, body, ref pos, depth: 0, at);
        if (pos != body.Length)
            throw new RecordDecodeException($"malformed Avro {schema.Fullname}: {body.Length - pos} trailing bytes after the record");
    }

    private static void Walk(Schema schema, ReadOnlySpan<byte> body, ref int pos, int depth, Where at)
    {
        if (depth > 64)
            throw Malformed(at, "nesting deeper than 64");
        switch (schema)
        {
            case LogicalSchema logical:
                Walk(logical.BaseSchema, body, ref pos, depth + 1, at);
                return;
            case RecordSchema record:
                foreach (var field in record.Fields)
                    Walk(field.Schema, body, ref pos, depth + 1, at.Into(field.Name));
                return;
            case EnumSchema e:
                var symbol = ReadLong(body, ref pos, at);
                if (symbol < 0 || symbol >= e.Count)
                    throw Malformed(at, $"enum index {symbol} outside 0..{e.Count - 1}");
                return;
            case UnionSchema u:
                var branch = ReadLong(body, ref pos, at);
                if (branch < 0 || branch >= u.Count)
                    throw Malformed(at, $"union branch {branch} outside 0..{u.Count - 1}");
                Walk(u[(int)branch], body, ref pos, depth + 1, at);
                return;
            case ArraySchema a:
                Blocks(body, ref pos, a.ItemSchema, isMap: false, depth, at);
                return;
            case MapSchema m:
                Blocks(body, ref pos, m.ValueSchema, isMap: true, depth, at);
                return;
            case FixedSchema f:
                Take(body, ref pos, f.Size, at);
                return;
        }

        switch (schema.Tag)
        {
            case Schema.Type.Null:
                return;
            case Schema.Type.Boolean or Schema.Type.Float or Schema.Type.Double:
                Take(body, ref pos, schema.Tag switch { Schema.Type.Boolean => 1, Schema.Type.Float => 4, _ => 8 }, at);
                return;
            case Schema.Type.Int or Schema.Type.Long:
                ReadLong(body, ref pos, at);
                return;
            case Schema.Type.String:
            case Schema.Type.Bytes:
                var length = ReadLong(body, ref pos, at);
                if (length < 0)
                    throw Malformed(at, $"negative length {length}");
                Take(body, ref pos, length, at);
                return;
            default:
                throw Malformed(at, $"unsupported schema type {schema.Tag}");
        }
    }

    private static void Blocks(ReadOnlySpan<byte> body, ref int pos, Schema item, bool isMap, int depth, Where at)
    {
        while (true)
        {
            var count = ReadLong(body, ref pos, at);
            if (count == 0)
                return;
            if (count < 0)
            {
                // A negative count is followed by the block's size in bytes.
                count = -count;
                var size = ReadLong(body, ref pos, at);
                if (size < 0 || size > body.Length - pos)
                    throw Malformed(at, $"block size {size} exceeds the {body.Length - pos} bytes left");
            }

            // Every item takes at least one byte unless it is null with no key: a count beyond the bytes left is a lie.
            if (count > body.Length - pos && (isMap || item.Tag != Schema.Type.Null))
                throw Malformed(at, $"block of {count} items exceeds the {body.Length - pos} bytes left");
            for (long i = 0; i < count; i++)
            {
                if (isMap)
                {
                    var keyLength = ReadLong(body, ref pos, at);
                    if (keyLength < 0)
                        throw Malformed(at, $"negative key length {keyLength}");
                    Take(body, ref pos, keyLength, at);
                }

                Walk(item, body, ref pos, depth + 1, at);
            }
        }
    }

    private static long ReadLong(ReadOnlySpan<byte> body, ref int pos, Where at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= body.Length)
                throw Malformed(at, "truncated varint");
            var b = body[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return (long)(value >> 1) ^ -(long)(value & 1); // zig-zag
        }

        throw Malformed(at, "varint longer than 10 bytes");
    }

    private static void Take(ReadOnlySpan<byte> body, ref int pos, long length, Where at)
    {
        if (length > body.Length - pos)
            throw Malformed(at, $"declared length {length} exceeds the {body.Length - pos} bytes left");
        pos += (int)length;
    }

    private static RecordDecodeException Malformed(Where at, string why) =>
        new(at.Field.Length == 0 ? $"malformed Avro {at.Record}: {why}" : $"malformed Avro {at.Record}: {why} in field '{at.Field}'");

    /// <summary>The record being read and the field path within it, for error messages.</summary>
    private readonly record struct Where(string Record, string Field)
    {
        public Where Into(string field) => this with { Field = Field.Length == 0 ? field : Field + "." + field };
    }
}
