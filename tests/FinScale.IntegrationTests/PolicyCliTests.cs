using System.Runtime.CompilerServices;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary><c>finscale policy validate</c> as a user (or CI) runs it: exit code, stdout, and compiler-style errors on stderr.</summary>
public sealed class PolicyCliTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("finscale-policy-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task PolicyValidate_ShippedPolicy_ExitsZeroPrintsOkAndWarnsAboutNamespaces()
    {
        var file = ShippedPolicyPath();

        var run = await FinscaleProcess.RunAsync(["policy", "validate", file], Generous);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal($"policy {file}: ok (7 rules)", run.Stdout.Trim());
        Assert.Contains("warning: guards.allowed_namespaces is empty", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyValidate_InvalidPolicy_ExitsTwoWithEveryErrorAsFileLineColumn()
    {
        var file = Write("bad.yaml", """
            apiVersion: finscale.io/v1
            kind: RemediationPolicy
            modes: { default: enforced }
            rules:
              - name: r
                when: { finding: canary_regression }
                action: cordon_node
            guards:
              cooldwn: 15m
              allowed_namespaces: [payments]
            """);

        var run = await FinscaleProcess.RunAsync(["policy", "validate", file], Generous);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
        [
            $"{file}:3:19: modes.default: unknown mode 'enforced'; did you mean 'enforce'? (valid: shadow, dry-run, enforce)",
            $"{file}:7:13: rules[0].action: cordon_node does not fit a canary_regression finding (allowed: none, shift_traffic)",
            $"{file}:9:3: guards: unknown key 'cooldwn'; did you mean 'cooldown'?",
            $"policy {file}: 3 errors",
        ], lines);
    }

    [Fact]
    public async Task PolicyValidate_MissingFile_ExitsTwoNamingIt()
    {
        var file = Path.Combine(_dir.FullName, "absent.yaml");

        var run = await FinscaleProcess.RunAsync(["policy", "validate", file], Generous);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"cannot read {file}", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyDefault_PrintsTheShippedFile()
    {
        var run = await FinscaleProcess.RunAsync(["policy", "default"], Generous);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(await File.ReadAllTextAsync(ShippedPolicyPath()), run.Stdout.ReplaceLineEndings("\n"));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string ShippedPolicyPath([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "deploy", "base", "policy.yaml"));
}
