using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Google.Protobuf.Reflection;

namespace FinScale.Streaming.Otlp;

/// <content>What the transcoder knows about each message type, worked out once per descriptor from the generated descriptors.</content>
internal static partial class OtlpJsonTranscoder
{
    /// <summary>Wire type of varint-encoded scalars.</summary>
    private const int WireVarint = 0;

    /// <summary>Wire type of 8-byte little-endian scalars.</summary>
    private const int WireFixed64 = 1;

    /// <summary>Wire type of strings, bytes, messages and packed arrays.</summary>
    private const int WireLengthDelimited = 2;

    /// <summary>Wire type of 4-byte little-endian scalars.</summary>
    private const int WireFixed32 = 5;

    /// <summary>Plans by root descriptor; a plan graph is immutable once built, so readers share it freely.</summary>
    private static readonly ConcurrentDictionary<MessageDescriptor, MessagePlan> Plans = new();

    /// <summary>The plan for <paramref name="root"/>, built on first use.</summary>
    private static MessagePlan PlanFor(MessageDescriptor root) =>
        Plans.GetOrAdd(root, static d => new PlanBuilder().Build(d));

    /// <summary>One message type: its fields as the JSON reader looks them up.</summary>
    private sealed class MessagePlan
    {
        /// <summary>Creates an empty plan; <see cref="Fields"/> is filled once nested plans exist (types can be recursive).</summary>
        public MessagePlan(MessageDescriptor descriptor) => Descriptor = descriptor;

        /// <summary>The message type.</summary>
        public MessageDescriptor Descriptor { get; }

        /// <summary>Every field, in declaration order.</summary>
        public FieldPlan[] Fields { get; set; } = [];

        /// <summary>The field whose lowerCamelCase JSON name or original proto name is the reader's current property name; null for an unknown name.</summary>
        public FieldPlan? Find(ref Utf8JsonReader reader)
        {
            // A linear scan: OTLP messages have at most 16 fields, and ValueTextEquals compares bytes
            // in place (unescaping only when the name has escapes), so no name string is allocated.
            foreach (var field in Fields)
            {
                if (reader.ValueTextEquals(field.JsonNameUtf8))
                    return field;
                if (field.ProtoNameUtf8 is { } protoName && reader.ValueTextEquals(protoName))
                    return field;
            }

            return null;
        }
    }

    /// <summary>One field: how its JSON value is read and how it goes on the wire.</summary>
    private sealed class FieldPlan
    {
        /// <summary>Captures what the reader and writer need from <paramref name="field"/>.</summary>
        public FieldPlan(FieldDescriptor field)
        {
            JsonName = field.JsonName;
            JsonNameUtf8 = Encoding.UTF8.GetBytes(field.JsonName);
            ProtoNameUtf8 = field.Name == field.JsonName ? null : Encoding.UTF8.GetBytes(field.Name);
            Type = field.FieldType;
            IsRepeated = field.IsRepeated;
            IsPacked = field.IsRepeated && field.IsPacked && IsPackable(field.FieldType);

            // Proto3 fields without presence leave default values off the wire, as protoc's writers do;
            // oneof members and 'optional' fields keep them, because there "set to 0" differs from "unset".
            SkipDefault = !field.IsRepeated && !field.HasPresence;
            WireType = WireTypeOf(field.FieldType);
            Tag = ((uint)field.FieldNumber << 3) | (uint)WireType;
            PackedTag = ((uint)field.FieldNumber << 3) | WireLengthDelimited;
            HexLength = field.FieldType == FieldType.Bytes
                ? field.Name switch
                {
                    "trace_id" => 16,
                    "span_id" or "parent_span_id" => 8,
                    _ => 0,
                }
                : 0;
            if (field.FieldType == FieldType.Enum)
            {
                var values = field.EnumType.Values;
                EnumNamesUtf8 = new byte[values.Count][];
                EnumNumbers = new int[values.Count];
                for (var i = 0; i < values.Count; i++)
                {
                    EnumNamesUtf8[i] = Encoding.UTF8.GetBytes(values[i].Name);
                    EnumNumbers[i] = values[i].Number;
                }
            }
        }

        /// <summary>The lowerCamelCase name, as written in error paths.</summary>
        public string JsonName { get; }

        /// <summary>The lowerCamelCase name as UTF-8, for comparing with property names in place.</summary>
        public byte[] JsonNameUtf8 { get; }

        /// <summary>The original snake_case name as UTF-8 when it differs from the JSON name; also accepted, as proto3 JSON parsers do.</summary>
        public byte[]? ProtoNameUtf8 { get; }

        /// <summary>The protobuf type.</summary>
        public FieldType Type { get; }

        /// <summary>A JSON array of values.</summary>
        public bool IsRepeated { get; }

        /// <summary>A repeated scalar written as one length-delimited run, as protoc emits proto3 repeated scalars.</summary>
        public bool IsPacked { get; }

        /// <summary>An implicit-presence singular field: its default value is not written.</summary>
        public bool SkipDefault { get; }

        /// <summary>The wire type of one value.</summary>
        public int WireType { get; }

        /// <summary>Field number and <see cref="WireType"/>, as the varint that precedes one value.</summary>
        public uint Tag { get; }

        /// <summary>Field number and the length-delimited wire type, preceding a packed run.</summary>
        public uint PackedTag { get; }

        /// <summary>For OTLP trace and span ids, the byte length their hex string must decode to; 0 for other fields (base64 bytes).</summary>
        public int HexLength { get; }

        /// <summary>For message fields, the nested type's plan.</summary>
        public MessagePlan? Message { get; set; }

        /// <summary>For enum fields, the value names as UTF-8, parallel to <see cref="EnumNumbers"/>.</summary>
        public byte[][]? EnumNamesUtf8 { get; }

        /// <summary>For enum fields, the value numbers.</summary>
        public int[]? EnumNumbers { get; }

        private static bool IsPackable(FieldType type) =>
            type is not (FieldType.String or FieldType.Bytes or FieldType.Message or FieldType.Group);

        private static int WireTypeOf(FieldType type) => type switch
        {
            FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => WireFixed64,
            FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => WireFixed32,
            FieldType.String or FieldType.Bytes or FieldType.Message => WireLengthDelimited,
            _ => WireVarint,
        };
    }

    /// <summary>Builds the plan graph for one root, sharing one plan per message type so recursive types (AnyValue) close on themselves.</summary>
    private sealed class PlanBuilder
    {
        private readonly Dictionary<MessageDescriptor, MessagePlan> _built = [];

        /// <summary>The plan for <paramref name="descriptor"/> and everything it reaches.</summary>
        /// <exception cref="ArgumentException">The type uses something OTLP/JSON does not: map fields, groups, or well-known types with special JSON forms.</exception>
        public MessagePlan Build(MessageDescriptor descriptor)
        {
            if (_built.TryGetValue(descriptor, out var existing))
                return existing;
            if (descriptor.File.Package == "google.protobuf")
                throw new ArgumentException($"{descriptor.FullName} has a special JSON form that this transcoder does not implement", nameof(descriptor));

            var plan = new MessagePlan(descriptor);
            _built.Add(descriptor, plan);
            var fields = new List<FieldPlan>();
            foreach (var field in descriptor.Fields.InDeclarationOrder())
            {
                if (field.IsMap || field.FieldType == FieldType.Group)
                    throw new ArgumentException($"{field.FullName}: map and group fields are not supported", nameof(descriptor));
                var fieldPlan = new FieldPlan(field);
                if (field.FieldType == FieldType.Message)
                    fieldPlan.Message = Build(field.MessageType);
                fields.Add(fieldPlan);
            }

            plan.Fields = [.. fields];
            return plan;
        }
    }
}
