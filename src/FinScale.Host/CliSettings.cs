namespace FinScale.Host;

/// <summary>What the command line contributes to configuration: an optional file and key overrides.</summary>
internal sealed class CliSettings
{
    public string? ConfigFile { get; set; }

    public Dictionary<string, string?> Overrides { get; } = new(StringComparer.OrdinalIgnoreCase);

    public CliSettings Set(string key, string? value)
    {
        if (value is not null)
            Overrides[key] = value;
        return this;
    }
}
