namespace FinScale.Remediation.Policy;

/// <summary>
/// Loads a remediation policy from YAML (the format is in <c>deploy/base/policy.yaml</c>) and validates it,
/// reporting every error with the line and column of the node it is about.
/// </summary>
public static class PolicyLoader
{
    /// <summary>The <c>apiVersion</c> a policy file must declare.</summary>
    public const string ApiVersion = "finscale.io/v1";

    /// <summary>The <c>kind</c> a policy file must declare.</summary>
    public const string Kind = "RemediationPolicy";

    /// <summary>Manifest name of the embedded copy of <c>deploy/base/policy.yaml</c>.</summary>
    internal const string DefaultResource = "FinScale.Remediation.Policy.default-policy.yaml";

    private static readonly Lazy<string> DefaultYaml = new(ReadDefaultResource);
    private static readonly Lazy<RemediationPolicyDocument> DefaultDocument =
        new(() => Load(DefaultYaml.Value, "default policy (deploy/base/policy.yaml)").GetDocumentOrThrow());

    /// <summary>
    /// Guard limits for keys a policy omits. Conservative on purpose: cooldown 15m; rate limit 5 actions per 10m;
    /// at most 25% of a workload's pods; at most 1 node cordoned and at most 10% of the nodes; a series silent for
    /// 5m is stale; no allowed namespaces (nothing acts until the team lists its namespaces); no freeze windows.
    /// </summary>
    public static GuardSettings DefaultGuards { get; } = new(
        Cooldown: TimeSpan.FromMinutes(15),
        RateLimit: new RateLimit(5, TimeSpan.FromMinutes(10)),
        MaxWorkloadShare: 0.25,
        MaxCordonedNodes: 1,
        MaxCordonedShare: 0.1,
        StaleAfter: TimeSpan.FromMinutes(5),
        AllowedNamespaces: [],
        FreezeWindows: []);

    /// <summary>The text of the policy shipped in the repo (<c>deploy/base/policy.yaml</c>), embedded in this assembly.</summary>
    public static string DefaultText => DefaultYaml.Value;

    /// <summary>The shipped policy, used by <c>finscale run</c> without <c>--policy</c>: everything in shadow mode.</summary>
    public static RemediationPolicyDocument Default => DefaultDocument.Value;

    /// <summary>Parses and validates <paramref name="yamlText"/>; errors are labelled <c>policy</c>.</summary>
    public static PolicyLoadResult Load(string yamlText) => Load(yamlText, "policy");

    /// <summary>Parses and validates <paramref name="yamlText"/>; <paramref name="source"/> labels it in errors (usually the file path).</summary>
    public static PolicyLoadResult Load(string yamlText, string source)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(source);
        return PolicyReader.Read(yamlText, source);
    }

    /// <summary>
    /// Reads and validates the policy at <paramref name="path"/>. An invalid policy comes back as errors
    /// (<see cref="PolicyLoadResult.GetDocumentOrThrow"/> turns them into a <see cref="PolicyValidationException"/>);
    /// a file that cannot be read throws the usual <see cref="IOException"/> (e.g. <see cref="FileNotFoundException"/>).
    /// </summary>
    public static PolicyLoadResult LoadFile(string path) => Load(File.ReadAllText(path), path);

    private static string ReadDefaultResource()
    {
        using var stream = typeof(PolicyLoader).Assembly.GetManifestResourceStream(DefaultResource)
                           ?? throw new InvalidOperationException($"the default policy resource '{DefaultResource}' is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
