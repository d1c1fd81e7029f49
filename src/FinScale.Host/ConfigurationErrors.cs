using Microsoft.Extensions.Options;

namespace FinScale.Host;

/// <summary>Turns configuration failures into one clear line that names the key.</summary>
internal static class ConfigurationErrors
{
    private static readonly Dictionary<string, string> Sections = new(StringComparer.Ordinal)
    {
        ["KafkaOptions"] = "Kafka",
        ["TopicOptions"] = "Topics",
        ["SchemaRegistryOptions"] = "SchemaRegistry",
        ["PipelineOptions"] = "Pipeline",
        ["DetectorOptions"] = "Detection",
        ["PolicyOptions"] = "Policy",
    };

    /// <summary>True for exceptions that mean the configuration is wrong (exit code 2), with the message to print.</summary>
    public static bool TryDescribe(Exception ex, out string message)
    {
        switch (ex)
        {
            case OptionsValidationException ove:
                var section = ove.OptionsType is { } t && Sections.TryGetValue(t.Name, out var s) ? s : ove.OptionsName;
                message = $"configuration error in section '{section}': " + string.Join("; ", ove.Failures.Select(f => Qualify(f, section)));
                return true;
            case InvalidOperationException ioe when ioe.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase)
                                                 || ioe.Message.StartsWith("Failed to convert", StringComparison.Ordinal):
                // The binder names the key itself: "Failed to convert configuration value at 'Kafka:SessionTimeout' to type ..."
                message = "configuration error: " + ioe.Message + (ioe.InnerException is { } inner ? " (" + inner.Message + ")" : string.Empty);
                return true;
            case FileNotFoundException fnf when fnf.FileName?.EndsWith(".json", StringComparison.OrdinalIgnoreCase) == true:
                message = "configuration error: " + fnf.Message;
                return true;
            default:
                message = string.Empty;
                return false;
        }
    }

    private static string Qualify(string failure, string section)
    {
        // "DataAnnotation validation failed for 'KafkaOptions' members: 'SessionTimeout' with the error: '...'"
        const string marker = "members: '";
        var i = failure.IndexOf(marker, StringComparison.Ordinal);
        if (i < 0)
            return failure;
        var start = i + marker.Length;
        var end = failure.IndexOf('\'', start);
        if (end < 0)
            return failure;
        var member = failure[start..end];
        var rest = failure[(end + 1)..].Replace(" with the error: ", string.Empty, StringComparison.Ordinal).Trim();
        return $"{section}:{member}: {rest.Trim('\'', '.')}";
    }
}
