using FinScale.Remediation.Policy;
using Microsoft.Extensions.Options;

namespace FinScale.Host;

/// <summary>Turns configuration failures into one clear line that names the key.</summary>
internal static class ConfigurationErrors
{
    /// <summary>True for exceptions that mean the configuration is wrong (exit code 2), with the message to print.</summary>
    public static bool TryDescribe(Exception ex, out string message)
    {
        switch (ex)
        {
            case PolicyValidationException pve:
                // Each error on its own line as FILE:LINE:COL: message, the form editors jump to.
                message = "invalid policy, not starting:" + Environment.NewLine + pve.Message;
                return true;
            case OptionsValidationException ove:
                message = Describe(ove);
                return true;
            case AggregateException { InnerExceptions: var failures } when failures.All(e => e is OptionsValidationException):
                message = string.Join(Environment.NewLine + "finscale: ", failures.Cast<OptionsValidationException>().Select(Describe));
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

    private static string Describe(OptionsValidationException ove)
    {
        // Every options type names its section in a 'Section' constant; the message names the key under it.
        var section = ove.OptionsType?.GetField("Section")?.GetRawConstantValue() as string ?? ove.OptionsName;
        return $"configuration error in section '{section}': " + string.Join("; ", ove.Failures.Select(f => Qualify(f, section)));
    }

    private static string Qualify(string failure, string section)
    {
        // "DataAnnotation validation failed for 'KafkaOptions' members: 'SessionTimeout' with the error: '...'"
        const string marker = "members: '";
        var i = failure.IndexOf(marker, StringComparison.Ordinal);
        if (i < 0)
            return $"{section}:{failure}"; // our own validators start their message with the key
        var start = i + marker.Length;
        var end = failure.IndexOf('\'', start);
        if (end < 0)
            return failure;
        var member = failure[start..end];
        var rest = failure[(end + 1)..].Replace(" with the error: ", string.Empty, StringComparison.Ordinal).Trim();
        return $"{section}:{member}: {rest.Trim('\'', '.')}";
    }
}
