namespace FinScale.Remediation.Policy;

/// <summary>Thrown by <see cref="PolicyLoadResult.GetDocumentOrThrow"/> for callers (e.g. <c>finscale run --policy</c>) that refuse to start on an invalid policy.</summary>
public sealed class PolicyValidationException : Exception
{
    /// <summary>Creates the exception for the errors of <paramref name="file"/>; the message lists them one per line as <c>FILE:LINE:COL: message</c>.</summary>
    public PolicyValidationException(string file, IReadOnlyList<PolicyError> errors)
        : base(Describe(file, errors))
    {
        File = file;
        Errors = errors;
    }

    /// <summary>Creates an exception with a message only (no positioned errors).</summary>
    public PolicyValidationException(string message)
        : base(message)
    {
        File = "policy";
        Errors = [];
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public PolicyValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "policy";
        Errors = [];
    }

    /// <summary>Creates an exception with the default message.</summary>
    public PolicyValidationException()
        : this("invalid policy")
    {
    }

    /// <summary>The file (or label) the errors are about.</summary>
    public string File { get; }

    /// <summary>Every error found, in file order.</summary>
    public IReadOnlyList<PolicyError> Errors { get; }

    private static string Describe(string file, IReadOnlyList<PolicyError> errors) =>
        $"invalid policy {file} ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):" + Environment.NewLine
        + string.Join(Environment.NewLine, errors.Select(e => e.Format(file)));
}
