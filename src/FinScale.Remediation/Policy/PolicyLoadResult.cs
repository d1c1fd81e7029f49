using System.Diagnostics.CodeAnalysis;

namespace FinScale.Remediation.Policy;

/// <summary>The outcome of loading a policy: the document when it is valid, otherwise every error found; warnings either way.</summary>
public sealed class PolicyLoadResult
{
    internal PolicyLoadResult(string source, RemediationPolicyDocument? document, IReadOnlyList<PolicyError> errors, IReadOnlyList<PolicyError> warnings)
    {
        Source = source;
        Document = errors.Count == 0 ? document : null;
        Errors = errors;
        Warnings = warnings;
    }

    /// <summary>The file path, or a label for text loaded from memory; used when formatting errors.</summary>
    public string Source { get; }

    /// <summary>The policy; null whenever <see cref="Errors"/> is not empty.</summary>
    public RemediationPolicyDocument? Document { get; }

    /// <summary>Every error found, in file order. Empty means the policy is valid.</summary>
    public IReadOnlyList<PolicyError> Errors { get; }

    /// <summary>Things that are valid but probably not what the team wants (e.g. no allowed namespaces, so nothing ever acts).</summary>
    public IReadOnlyList<PolicyError> Warnings { get; }

    /// <summary>True when there are no errors and <see cref="Document"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Document))]
    public bool IsValid => Document is not null;

    /// <summary>The document, or a <see cref="PolicyValidationException"/> listing every error.</summary>
    public RemediationPolicyDocument GetDocumentOrThrow() =>
        IsValid ? Document : throw new PolicyValidationException(Source, Errors);
}
