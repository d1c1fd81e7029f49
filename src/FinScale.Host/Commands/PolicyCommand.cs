using System.CommandLine;
using FinScale.Remediation.Policy;

namespace FinScale.Host.Commands;

/// <summary>
/// <c>finscale policy</c>: checks a remediation policy file (<c>validate</c>) and prints the shipped one (<c>default</c>).
/// </summary>
internal static class PolicyCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The policy YAML file to check." };
        var validate = new Command("validate", "Check a policy file; print every error as FILE:LINE:COL: message and exit 2 if there is one.") { file };
        validate.SetAction((parse, _) => Task.FromResult(Validate(parse.GetRequiredValue(file), Console.Out, Console.Error)));

        var shipped = new Command("default", "Print the policy finscale uses when none is given (deploy/base/policy.yaml), to start your own from.");
        shipped.SetAction(_ =>
        {
            Console.Out.Write(PolicyLoader.DefaultText);
            return CommandRunner.Ok;
        });

        return new Command("policy", "Remediation policy as code: which findings lead to which actions, modes and guard limits.") { validate, shipped };
    }

    /// <summary>Validates <paramref name="path"/>: <c>policy FILE: ok (N rules)</c> on stdout and exit 0, or the errors on stderr and exit 2. Warnings go to stderr either way.</summary>
    internal static int Validate(string path, TextWriter stdout, TextWriter stderr)
    {
        PolicyLoadResult result;
        try
        {
            result = PolicyLoader.LoadFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"finscale policy validate: cannot read {path}: {ex.Message}");
            return CommandRunner.BadConfiguration;
        }

        foreach (var warning in result.Warnings)
            stderr.WriteLine((warning with { Message = "warning: " + warning.Message }).Format(path));
        if (!result.IsValid)
        {
            foreach (var error in result.Errors)
                stderr.WriteLine(error.Format(path));
            stderr.WriteLine($"policy {path}: {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}");
            return CommandRunner.BadConfiguration;
        }

        var rules = result.Document.Rules.Count;
        stdout.WriteLine($"policy {path}: ok ({rules} rule{(rules == 1 ? "" : "s")})");
        return CommandRunner.Ok;
    }
}
