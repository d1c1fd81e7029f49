using System.IO.Hashing;
using System.Security.Cryptography;
using FinScale.Contracts;

namespace FinScale.Streaming.Audit;

/// <summary>
/// The writer's side of the tamper-evident audit: every record names the SHA-256 of the previous record of its chain in
/// its partition, so removing, altering or inserting a record breaks a link that <see cref="AuditVerifier"/> finds. The
/// writer picks the partition itself (a stable hash of the key), so it knows which chain a record extends before it is
/// sent. One chain per writer (a run); a chain's first record names no predecessor. Not thread-safe: one writer.
/// </summary>
public sealed class AuditChain
{
    private readonly string?[] _last;

    /// <summary>Creates a new chain over a topic of <paramref name="partitions"/> partitions.</summary>
    public AuditChain(int partitions, string chainId)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        ArgumentException.ThrowIfNullOrEmpty(chainId);
        _last = new string?[partitions];
        ChainId = chainId;
    }

    /// <summary>The chain's id, written into every record.</summary>
    public string ChainId { get; }

    /// <summary>The partition a key's records go to: XxHash32 of the key bytes modulo the partition count.</summary>
    public int PartitionOf(ReadOnlySpan<byte> key) => (int)(XxHash32.HashToUInt32(key) % (uint)_last.Length);

    /// <summary>The decision as it joins the chain in <paramref name="partition"/>: with the chain id and its predecessor's hash.</summary>
    public RemediationDecision Link(RemediationDecision decision, int partition)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return decision with { Chain = ChainId, PrevHash = _last[partition] };
    }

    /// <summary>Records <paramref name="value"/> (the serialised record just handed to the producer) as the chain's newest in <paramref name="partition"/>.</summary>
    public void Advance(int partition, ReadOnlySpan<byte> value) => _last[partition] = Hash(value);

    /// <summary>Lower-case hex SHA-256 of a record's value.</summary>
    public static string Hash(ReadOnlySpan<byte> value) => Convert.ToHexStringLower(SHA256.HashData(value));
}
