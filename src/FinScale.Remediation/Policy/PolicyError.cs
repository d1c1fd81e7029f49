namespace FinScale.Remediation.Policy;

/// <summary>
/// A problem found in a policy file, at the line and column (1-based) of the node it is about. Warnings use the same shape.
/// </summary>
/// <param name="Line">1-based line of the offending node.</param>
/// <param name="Column">1-based column of the offending node.</param>
/// <param name="Message">What is wrong, naming the key path (e.g. <c>rules[0].when.min_score</c>).</param>
public sealed record PolicyError(int Line, int Column, string Message)
{
    /// <summary>The compiler-style line a user's editor can jump to: <c>FILE:LINE:COL: message</c>.</summary>
    public string Format(string file) => $"{file}:{Line}:{Column}: {Message}";

    /// <summary><c>LINE:COL: message</c>.</summary>
    public override string ToString() => $"{Line}:{Column}: {Message}";
}
