namespace FinScale.Streaming.Configuration;

/// <summary>Confluent Schema Registry; when <see cref="Url"/> is set, records are framed with registry ids instead of single-object encoding.</summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "SchemaRegistry";

    /// <summary>Registry URL, e.g. <c>http://schema-registry:8081</c>; empty means single-object encoding.</summary>
    public string? Url { get; set; }
}
