using FinScale.Contracts;
using FinScale.Remediation.Diagnosis;

namespace FinScale.Remediation.Policy;

/// <summary>The snake_case names a policy file uses for findings, actions and modes.</summary>
public static class PolicyNames
{
    private static readonly (string Name, FindingKind Kind)[] FindingNames =
    [
        ("pod_fault", FindingKind.PodFault),
        ("node_fault", FindingKind.NodeFault),
        ("canary_regression", FindingKind.CanaryRegression),
        ("traffic_surge", FindingKind.TrafficSurge),
        ("service_fault", FindingKind.ServiceFault),
        ("forecast_load", FindingKind.ForecastLoad),
        ("unattributed", FindingKind.Unattributed),
    ];

    private static readonly (string Name, ActionKind Kind)[] ActionNames =
    [
        ("none", ActionKind.None),
        ("restart_pod", ActionKind.RestartPod),
        ("restart_deployment", ActionKind.RestartDeployment),
        ("cordon_node", ActionKind.CordonNode),
        ("shift_traffic", ActionKind.ShiftTraffic),
        ("scale", ActionKind.Scale),
    ];

    private static readonly (string Name, ExecutionMode Mode)[] ModeNames =
    [
        ("shadow", ExecutionMode.Shadow),
        ("dry-run", ExecutionMode.DryRun),
        ("enforce", ExecutionMode.Enforce),
    ];

    /// <summary>Every finding name, in declaration order.</summary>
    public static IReadOnlyList<string> Findings { get; } = [.. FindingNames.Select(f => f.Name)];

    /// <summary>Every action name, in declaration order (<c>unknown</c> is not a name a policy may use).</summary>
    public static IReadOnlyList<string> Actions { get; } = [.. ActionNames.Select(a => a.Name)];

    /// <summary>Every mode name (<c>dry_run</c> is also accepted for <c>dry-run</c>).</summary>
    public static IReadOnlyList<string> Modes { get; } = [.. ModeNames.Select(m => m.Name)];

    /// <summary>The policy name of <paramref name="kind"/>.</summary>
    public static string Of(FindingKind kind) => FindingNames.First(f => f.Kind == kind).Name;

    /// <summary>The policy name of <paramref name="kind"/>; <c>unknown</c> for a kind a policy cannot name.</summary>
    public static string Of(ActionKind kind) => ActionNames.FirstOrDefault(a => a.Kind == kind).Name ?? "unknown";

    /// <summary>The policy name of <paramref name="mode"/>.</summary>
    public static string Of(ExecutionMode mode) => ModeNames.First(m => m.Mode == mode).Name;

    /// <summary>Reads a finding name (exact, lower case).</summary>
    public static bool TryParseFinding(string name, out FindingKind kind) => TryFind(FindingNames, name, out kind);

    /// <summary>Reads an action name (exact, lower case).</summary>
    public static bool TryParseAction(string name, out ActionKind kind) => TryFind(ActionNames, name, out kind);

    /// <summary>Reads a mode name (exact, lower case); <c>dry_run</c> reads as <c>dry-run</c>.</summary>
    public static bool TryParseMode(string name, out ExecutionMode mode) =>
        TryFind(ModeNames, name == "dry_run" ? "dry-run" : name, out mode);

    private static bool TryFind<T>((string Name, T Value)[] names, string name, out T value)
    {
        foreach (var (n, v) in names)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                value = v;
                return true;
            }
        }

        value = default!;
        return false;
    }
}
