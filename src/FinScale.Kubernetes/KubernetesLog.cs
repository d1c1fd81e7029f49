using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes;

/// <summary>Log messages of the Kubernetes action service, with stable event ids.</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Kubernetes API call {Request} failed on attempt {Attempt} ({Reason}); retrying in {Delay}")]
    public static partial void Retrying(ILogger logger, string request, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Kubernetes API call failed after {Attempts} attempt(s): HTTP {Status}: {Reason}")]
    public static partial void CallFailed(ILogger logger, int attempts, int status, string reason);
}
