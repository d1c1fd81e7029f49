using System.Globalization;
using FinScale.Contracts;

namespace FinScale.Streaming.Audit;

/// <summary>
/// Checks the audit topic's hash chains end to end. Per partition and chain the records must form one unbroken line:
/// each record's <see cref="RemediationDecision.PrevHash"/> is the hash of a record of the same chain and partition, no
/// two records name the same predecessor, and only a chain's first record names none. A record whose predecessor is
/// missing means the record before it was altered or removed; two records naming one predecessor mean one was inserted.
/// The first record read from a partition may name a predecessor retention has already deleted.
/// </summary>
public sealed class AuditVerifier
{
    private readonly Dictionary<int, List<Entry>> _partitions = [];

    /// <summary>Records read.</summary>
    public int Records { get; private set; }

    /// <summary>Records without a chain (written before chaining, or by another writer): counted, not checked.</summary>
    public int Unchained { get; private set; }

    /// <summary>Adds a record in offset order of its partition.</summary>
    public void Add(int partition, long offset, ReadOnlySpan<byte> value, RemediationDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Records++;
        if (!_partitions.TryGetValue(partition, out var list))
            _partitions[partition] = list = [];
        if (decision.Chain is null)
        {
            Unchained++;
            return;
        }

        list.Add(new Entry(offset, decision.Chain, decision.PrevHash, AuditChain.Hash(value)));
    }

    /// <summary>Adds a record that could not be decoded: a broken link of its own.</summary>
    public void AddUndecodable(int partition, long offset, string reason)
    {
        Records++;
        if (!_partitions.TryGetValue(partition, out var list))
            _partitions[partition] = list = [];
        list.Add(new Entry(offset, null, null, null) { Problem = "undecodable: " + reason });
    }

    /// <summary>Checks every chain; returns the first broken link by partition and offset, or null when all hold.</summary>
    public AuditBreak? Verify()
    {
        var breaks = new List<AuditBreak>();
        foreach (var (partition, entries) in _partitions.OrderBy(p => p.Key))
        {
            var firstOffset = entries.Count > 0 ? entries.Min(e => e.Offset) : -1;
            foreach (var bad in entries.Where(e => e.Problem is not null))
                breaks.Add(new AuditBreak(partition, bad.Offset, bad.Problem!));

            foreach (var chain in entries.Where(e => e.Chain is not null).GroupBy(e => e.Chain!, StringComparer.Ordinal))
            {
                var byHash = chain.GroupBy(e => e.Hash!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                var claimed = new Dictionary<string, Entry>(StringComparer.Ordinal);
                var ordered = chain.OrderBy(e => e.Offset).ToList();
                var starts = 0;
                foreach (var e in ordered)
                {
                    if (e.PrevHash is null)
                    {
                        starts++;
                        if (starts > 1)
                            breaks.Add(new AuditBreak(partition, e.Offset, $"chain {e.Chain} starts a second time: a record was inserted"));
                        continue;
                    }

                    if (claimed.TryGetValue(e.PrevHash, out var other))
                    {
                        breaks.Add(new AuditBreak(partition, e.Offset, string.Create(CultureInfo.InvariantCulture,
                            $"names the same predecessor as the record at offset {other.Offset}: a record was inserted")));
                        continue;
                    }

                    claimed[e.PrevHash] = e;
                    if (!byHash.ContainsKey(e.PrevHash) && !(e == ordered[0] && e.Offset == firstOffset))
                    {
                        breaks.Add(new AuditBreak(partition, e.Offset,
                            $"its predecessor (sha256 {e.PrevHash[..12]}…) is not on the topic: the record before it in chain {e.Chain} was altered or removed"));
                    }
                }
            }
        }

        return breaks.OrderBy(b => b.Partition).ThenBy(b => b.Offset).FirstOrDefault();
    }

    /// <summary>Chains seen, over all partitions.</summary>
    public int Chains => _partitions.Values.SelectMany(l => l).Where(e => e.Chain is not null).Select(e => e.Chain).Distinct(StringComparer.Ordinal).Count();

    private sealed record Entry(long Offset, string? Chain, string? PrevHash, string? Hash)
    {
        public string? Problem { get; init; }
    }
}

/// <summary>The first broken link of an audit topic.</summary>
/// <param name="Partition">Partition of the record.</param>
/// <param name="Offset">Offset of the record whose link does not hold.</param>
/// <param name="Reason">What is wrong, in words.</param>
public sealed record AuditBreak(int Partition, long Offset, string Reason);
