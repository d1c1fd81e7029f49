using System.Buffers.Binary;

namespace FinScale.Streaming.Avro;

/// <summary>The two ways an Avro record is framed on a topic: single-object encoding and the Schema Registry wire format.</summary>
public static class AvroFraming
{
    /// <summary>Length of the single-object header: marker C3 01 plus an 8-byte little-endian CRC-64-AVRO fingerprint.</summary>
    public const int SingleObjectHeaderLength = 10;

    /// <summary>Length of the Schema Registry header: magic byte 0 plus a 4-byte big-endian schema id.</summary>
    public const int RegistryHeaderLength = 5;

    /// <summary>Writes the single-object header for a schema fingerprint.</summary>
    public static void WriteSingleObjectHeader(Span<byte> destination, long fingerprint)
    {
        destination[0] = 0xC3;
        destination[1] = 0x01;
        BinaryPrimitives.WriteInt64LittleEndian(destination[2..], fingerprint);
    }

    /// <summary>Writes the Schema Registry header for a schema id.</summary>
    public static void WriteRegistryHeader(Span<byte> destination, int schemaId)
    {
        destination[0] = 0x00;
        BinaryPrimitives.WriteInt32BigEndian(destination[1..], schemaId);
    }

    /// <summary>True when <paramref name="data"/> starts with a single-object header; gives its fingerprint.</summary>
    public static bool TryReadSingleObjectHeader(ReadOnlySpan<byte> data, out long fingerprint)
    {
        if (data.Length >= SingleObjectHeaderLength && data[0] == 0xC3 && data[1] == 0x01)
        {
            fingerprint = BinaryPrimitives.ReadInt64LittleEndian(data[2..]);
            return true;
        }

        fingerprint = 0;
        return false;
    }

    /// <summary>True when <paramref name="data"/> starts with a Schema Registry header; gives its schema id.</summary>
    public static bool TryReadRegistryHeader(ReadOnlySpan<byte> data, out int schemaId)
    {
        if (data.Length >= RegistryHeaderLength && data[0] == 0x00)
        {
            schemaId = BinaryPrimitives.ReadInt32BigEndian(data[1..]);
            return true;
        }

        schemaId = 0;
        return false;
    }
}
