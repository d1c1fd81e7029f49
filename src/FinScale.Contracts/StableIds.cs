using System.Security.Cryptography;
using System.Text;

namespace FinScale.Contracts;

/// <summary>Deterministic ids, so a replay of the same input yields the same anomaly and decision ids.</summary>
public static class StableIds
{
    /// <summary>A 128-bit lower-case hex id of the given parts (separated unambiguously).</summary>
    public static string Of(params string[] parts)
    {
        var text = string.Join('\u001f', parts);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
