using System.Globalization;
using Avro;

namespace FinScale.Streaming.Avro;

/// <summary>
/// What decides a schema's binary encoding, as one line of text: field names in order and their types (logical types,
/// union branches and enum symbols in order included; docs, defaults and names of named types left out). Two schemas of
/// one shape encode a value to the same bytes, so an <see cref="IAvroBodyWriter{T}"/> can check that it still writes
/// the schema it is handed.
/// </summary>
public static class AvroShape
{
    /// <summary>The shape of <paramref name="schema"/>, e.g. <c>{name:string,at:long/timestamp-millis,tags:map&lt;string&gt;}</c>.</summary>
    public static string Of(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema switch
        {
            RecordSchema r => "{" + string.Join(",", r.Fields.Select(f => f.Name + ":" + Of(f.Schema))) + "}",
            LogicalSchema l => Of(l.BaseSchema) + "/" + l.LogicalTypeName,
            MapSchema m => "map<" + Of(m.ValueSchema) + ">",
            ArraySchema a => "array<" + Of(a.ItemSchema) + ">",
            UnionSchema u => "[" + string.Join("|", u.Schemas.Select(Of)) + "]",
            EnumSchema e => "enum(" + string.Join("|", e.Symbols) + ")",
            FixedSchema x => "fixed(" + x.Size.ToString(CultureInfo.InvariantCulture) + ")",
            _ => schema.Tag.ToString().ToLowerInvariant(),
        };
    }
}
