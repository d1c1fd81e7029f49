using System.Text.Json;
using System.Text.Json.Serialization;
using FinScale.Contracts;

namespace FinScale.Streaming.Audit;

/// <summary>JSON-lines form of audit records: snake_case names and enum symbols, as in the Avro schema.</summary>
public static class AuditJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = false,
    };

    /// <summary>One line of JSON for a decision.</summary>
    public static string Format(RemediationDecision decision) => JsonSerializer.Serialize(decision, Options);

    /// <summary>One line of JSON for an anomaly.</summary>
    public static string Format(Anomaly anomaly) => JsonSerializer.Serialize(anomaly, Options);

    /// <summary>Reads a decision back from its JSON line.</summary>
    public static RemediationDecision ParseDecision(string json) =>
        JsonSerializer.Deserialize<RemediationDecision>(json, Options) ?? throw new JsonException("null decision");
}
