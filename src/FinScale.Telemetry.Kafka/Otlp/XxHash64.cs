using System.Buffers.Binary;
using System.Numerics;

namespace FinScale.Telemetry.Kafka.Otlp;

/// <summary>XXH64 with seed 0, the hash the Collector's <c>pdatautil.MapHash</c> uses (Go's cespare/xxhash).</summary>
/// <remarks>Written from the published algorithm (xxHash spec, XXH64); checked against <c>xxhsum -H64</c> in the tests.</remarks>
internal static class XxHash64
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

    /// <summary>Hashes <paramref name="data"/>.</summary>
    internal static ulong Hash(ReadOnlySpan<byte> data)
    {
        var length = (ulong)data.Length;
        ulong h;
        if (data.Length >= 32)
        {
            var v1 = unchecked(Prime1 + Prime2);
            var v2 = Prime2;
            var v3 = 0UL;
            var v4 = unchecked(0UL - Prime1);
            do
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[8..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[16..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[24..]));
                data = data[32..];
            }
            while (data.Length >= 32);

            h = unchecked(BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7)
                + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18));
            h = MergeRound(h, v1);
            h = MergeRound(h, v2);
            h = MergeRound(h, v3);
            h = MergeRound(h, v4);
        }
        else
        {
            h = Prime5;
        }

        unchecked
        {
            h += length;
            while (data.Length >= 8)
            {
                h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data));
                h = (BitOperations.RotateLeft(h, 27) * Prime1) + Prime4;
                data = data[8..];
            }

            if (data.Length >= 4)
            {
                h ^= BinaryPrimitives.ReadUInt32LittleEndian(data) * Prime1;
                h = (BitOperations.RotateLeft(h, 23) * Prime2) + Prime3;
                data = data[4..];
            }

            foreach (var b in data)
            {
                h ^= b * Prime5;
                h = BitOperations.RotateLeft(h, 11) * Prime1;
            }

            h ^= h >> 33;
            h *= Prime2;
            h ^= h >> 29;
            h *= Prime3;
            h ^= h >> 32;
        }

        return h;
    }

    private static ulong Round(ulong acc, ulong lane) =>
        unchecked(BitOperations.RotateLeft(acc + (lane * Prime2), 31) * Prime1);

    private static ulong MergeRound(ulong acc, ulong value) =>
        unchecked(((acc ^ Round(0, value)) * Prime1) + Prime4);
}
