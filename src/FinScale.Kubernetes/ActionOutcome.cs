namespace FinScale.Kubernetes;

/// <summary>The result of one action. Executors return it for every API answer and never throw for API errors.</summary>
/// <param name="Status">What became of the action.</param>
/// <param name="Message">What happened, for the audit record and the on-call engineer; the API's message on failure.</param>
public sealed record ActionOutcome(ActionStatus Status, string Message)
{
    /// <summary>HTTP status of the API's last answer, when there was one.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>The server's answer (JSON) to a dry-run request: the object as it would have become.</summary>
    public string? ServerAnswer { get; init; }

    /// <summary>Attempts made for the write (or the read that decided the outcome), retries included.</summary>
    public int Attempts { get; init; }
}
