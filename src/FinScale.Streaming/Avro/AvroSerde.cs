using System.Collections.Concurrent;
using Avro;
using Avro.Generic;
using Avro.IO;
using Confluent.SchemaRegistry;
using AvroSchema = Avro.Schema;
using RegistrySchema = Confluent.SchemaRegistry.Schema;

namespace FinScale.Streaming.Avro;

/// <summary>
/// Serialises a contract record as Avro under its schema file and reads it back from any framing:
/// single-object encoding (the default, readable from the schema files alone) or the Schema Registry
/// wire format when a registry is configured. Readers resolve older writer schemas to the current one.
/// </summary>
/// <typeparam name="T">The contract record.</typeparam>
public sealed class AvroSerde<T>
{
    private readonly RecordSchema _schema;
    private readonly IAvroMapper<T> _mapper;
    private readonly long _fingerprint;
    private readonly GenericDatumWriter<GenericRecord> _writer;
    private readonly IAvroBodyWriter<T>? _body;
    private readonly ConcurrentDictionary<long, WriterReader> _byFingerprint = new();
    private readonly ConcurrentDictionary<int, WriterReader> _byRegistryId = new();
    private readonly ISchemaRegistryClient? _registry;
    private readonly string? _subject;
    private int _registryId = -1;

    /// <summary>Creates a serde for <paramref name="schema"/>; <paramref name="earlierVersions"/> are writer schemas it still reads.</summary>
    public AvroSerde(
        RecordSchema schema,
        IAvroMapper<T> mapper,
        IEnumerable<RecordSchema>? earlierVersions = null,
        ISchemaRegistryClient? registry = null,
        string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(mapper);
        if (registry is not null)
            ArgumentException.ThrowIfNullOrEmpty(subject);

        _schema = schema;
        _mapper = mapper;
        _fingerprint = AvroSchemas.Fingerprint(schema);
        _writer = new GenericDatumWriter<GenericRecord>(schema);
        _body = mapper is IAvroBodyWriter<T> body && body.Writes(schema) ? body : null;
        _registry = registry;
        _subject = subject;
        _byFingerprint[_fingerprint] = new WriterReader(schema, new GenericDatumReader<GenericRecord>(schema, schema));
        foreach (var earlier in earlierVersions ?? [])
            _byFingerprint[AvroSchemas.Fingerprint(earlier)] = new WriterReader(earlier, new GenericDatumReader<GenericRecord>(earlier, schema));
    }

    /// <summary>The schema records are written with.</summary>
    public RecordSchema Schema => _schema;

    /// <summary>True when records are written in the Schema Registry wire format.</summary>
    public bool UsesRegistry => _registry is not null;

    /// <summary>Registers the schema under the subject when a registry is configured; call once before <see cref="Serialize"/>.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_registry is null || _registryId >= 0)
            return;
        cancellationToken.ThrowIfCancellationRequested();
        var id = await _registry.RegisterSchemaAsync(_subject!, new RegistrySchema(_schema.ToString(), SchemaType.Avro)).WaitAsync(cancellationToken);
        _byRegistryId[id] = new WriterReader(_schema, new GenericDatumReader<GenericRecord>(_schema, _schema));
        _registryId = id;
    }

    /// <summary>True when records are written by the mapper's own <see cref="IAvroBodyWriter{T}"/> rather than the library's generic writer.</summary>
    public bool WritesDirectly => _body is not null;

    /// <summary>The framed bytes of <paramref name="value"/>.</summary>
    public byte[] Serialize(T value)
    {
        if (_body is not null)
            return SerializeDirectly(value, _body);
        var record = _mapper.ToAvro(value);
        using var stream = new MemoryStream(256);
        Span<byte> header = stackalloc byte[AvroFraming.SingleObjectHeaderLength];
        stream.Write(header[..WriteHeader(header)]);
        _writer.Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private byte[] SerializeDirectly(T value, IAvroBodyWriter<T> body)
    {
        var output = t_output ??= new AvroBinaryWriter();
        output.Clear();
        Span<byte> header = stackalloc byte[AvroFraming.SingleObjectHeaderLength];
        output.WriteRaw(header[..WriteHeader(header)]);
        body.Write(value, output);
        var bytes = output.ToArray();
        if (output.Capacity > KeptScratchBytes)
            t_output = null; // one huge record (an audit record of a storm) does not pin its buffer to the thread
        return bytes;
    }

    /// <summary>The largest scratch buffer a thread keeps between records.</summary>
    internal const int KeptScratchBytes = 1 << 20;

    /// <summary>Bytes of scratch the calling thread keeps between records (for tests).</summary>
    internal static int ScratchBytesOnThisThread => t_output?.Capacity ?? 0;

    /// <summary>Writes the framing header (single-object, or the registry's once registered) and returns its length.</summary>
    private int WriteHeader(Span<byte> header)
    {
        if (_registry is null)
        {
            AvroFraming.WriteSingleObjectHeader(header, _fingerprint);
            return AvroFraming.SingleObjectHeaderLength;
        }

        if (_registryId < 0)
            throw new InvalidOperationException($"schema for subject '{_subject}' is not registered yet: call InitializeAsync first");
        AvroFraming.WriteRegistryHeader(header, _registryId);
        return AvroFraming.RegistryHeaderLength;
    }

    // One scratch buffer per thread (serdes are shared between threads); the record's bytes are copied out of it.
    [ThreadStatic]
    private static AvroBinaryWriter? t_output;

    /// <summary>Decodes framed bytes whose writer schema is already known; throws <see cref="RecordDecodeException"/> with the reason otherwise.</summary>
    public T Deserialize(ReadOnlySpan<byte> data)
    {
        if (AvroFraming.TryReadSingleObjectHeader(data, out var fingerprint))
        {
            if (!_byFingerprint.TryGetValue(fingerprint, out var reader))
                throw new RecordDecodeException($"unknown Avro schema fingerprint 0x{fingerprint:x16} for {_schema.Fullname}");
            return Read(reader, data[AvroFraming.SingleObjectHeaderLength..]);
        }

        if (AvroFraming.TryReadRegistryHeader(data, out var id))
        {
            if (!_byRegistryId.TryGetValue(id, out var reader))
                throw new RecordDecodeException($"Schema Registry id {id} is not known (no registry configured, or not fetched yet)");
            return Read(reader, data[AvroFraming.RegistryHeaderLength..]);
        }

        throw new RecordDecodeException(data.Length == 0
            ? "empty record value"
            : $"not an Avro {_schema.Fullname}: neither single-object (C3 01) nor Schema Registry (00) framing, first byte 0x{data[0]:x2}");
    }

    /// <summary>Decodes framed bytes, fetching an unknown Schema Registry writer schema from the registry first.</summary>
    public async ValueTask<T> DeserializeAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_registry is not null && AvroFraming.TryReadRegistryHeader(data.Span, out var id) && !_byRegistryId.ContainsKey(id))
        {
            RegistrySchema fetched;
            try
            {
                fetched = await _registry.GetSchemaAsync(id).WaitAsync(cancellationToken);
            }
            catch (SchemaRegistryException ex)
            {
                throw new RecordDecodeException($"Schema Registry id {id}: {ex.Message}", ex);
            }

            if (fetched.SchemaType != SchemaType.Avro)
                throw new RecordDecodeException($"Schema Registry id {id} is a {fetched.SchemaType} schema, not Avro");
            try
            {
                var writerSchema = AvroSchema.Parse(fetched.SchemaString);
                _byRegistryId[id] = new WriterReader(writerSchema, new GenericDatumReader<GenericRecord>(writerSchema, _schema));
            }
            catch (AvroException ex)
            {
                // An unparseable schema, or one that cannot be read as ours (another record type): a bad record, not a crash.
                throw new RecordDecodeException($"Schema Registry id {id} cannot be read as {_schema.Fullname}: {ex.Message}", ex);
            }
        }

        return Deserialize(data.Span);
    }

    private T Read(WriterReader writerReader, ReadOnlySpan<byte> body)
    {
        // The guard proves the body is exactly one value of the writer schema (lengths, counts, indices,
        // no trailing bytes) before the library allocates what a corrupt length claims.
        AvroBodyGuard.Validate(writerReader.Writer, body);

        // The Avro library reads from a stream; one copy of a small record is cheaper than the alternatives here.
        using var stream = new MemoryStream(body.ToArray(), writable: false);
        GenericRecord record;
        try
        {
            record = writerReader.Reader.Read(reuse: null!, new BinaryDecoder(stream));
        }
        catch (Exception ex) when (ex is AvroException or EndOfStreamException or IOException or InvalidCastException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            // What the guard cannot see: schema resolution (e.g. an enum symbol the reader lacks) and out-of-range ints.
            throw new RecordDecodeException($"malformed Avro {_schema.Fullname}: {ex.Message}", ex);
        }

        try
        {
            return _mapper.FromAvro(record);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or FormatException)
        {
            throw new RecordDecodeException($"invalid {_schema.Fullname}: {ex.Message}", ex);
        }
    }

    private sealed record WriterReader(AvroSchema Writer, GenericDatumReader<GenericRecord> Reader);
}
