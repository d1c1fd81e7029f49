using FinScale.Contracts;
using Microsoft.Extensions.Logging;

namespace FinScale.Kubernetes.RemediationExecution;

/// <summary>Log messages of the decision executor, with stable event ids.</summary>
internal static partial class DecisionLog
{
    [LoggerMessage(EventId = 4121, Level = LogLevel.Information, Message = "Decision {DecisionId}: {Action} on {Target} in {Mode} mode -> {Outcome}: {Response}")]
    public static partial void Carried(ILogger logger, string decisionId, ActionKind action, string target, ExecutionMode mode, DecisionOutcome outcome, string response);

    [LoggerMessage(EventId = 4122, Level = LogLevel.Error, Message = "Decision {DecisionId}: the action failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, Exception exception, string decisionId);
}
