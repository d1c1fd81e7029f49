using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;
using System.Text.Json;
using FinScale.Host;

namespace FinScale.IntegrationTests;

/// <summary>
/// .ci/finscale-cli.json, the copy of finscale's command tree that .ci/validate-deploy.sh checks docker-compose's and the
/// Deployments' commands against when no CLI is built, is the real tree: every command with the options it takes
/// (valued or flag), the required ones, allowed values and positional arguments. A command or option added, removed
/// or renamed without updating the file fails here, not in a container.
/// </summary>
public class CliTableTests
{
    [Fact]
    public void CiCommandTable_IsFinscalesCommandTree()
    {
        var real = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var command in Program.CreateRootCommand().Subcommands)
            Describe(command, command.Name, real);
        var path = Path.Combine(RepoRoot(), ".ci", "finscale-cli.json");
        var copy = Read(path);

        var problems = new List<string>();
        foreach (var name in real.Keys.Union(copy.Keys).Order(StringComparer.Ordinal))
        {
            if (!copy.TryGetValue(name, out var inFile))
                problems.Add($"'{name}' is missing: {real[name]}");
            else if (!real.TryGetValue(name, out var inCli))
                problems.Add($"'{name}' is not a finscale command");
            else if (inCli != inFile)
                problems.Add($"'{name}': the CLI has {inCli}; the file has {inFile}");
        }

        Assert.True(
            problems.Count == 0,
            ".ci/finscale-cli.json differs from finscale's command tree; update it (bash .ci/validate-deploy.sh reads the same shape from a built CLI's --help):\n  "
            + string.Join("\n  ", problems));
    }

    [Fact]
    public void CiCommandTable_HasTheCommandsTheDeploymentsUse()
    {
        var copy = Read(Path.Combine(RepoRoot(), ".ci", "finscale-cli.json"));

        Assert.Contains("--kubeconfig", copy["run"], StringComparison.Ordinal);
        Assert.Contains("options=--config --port", copy["health"], StringComparison.Ordinal);
        Assert.Contains("arguments=FILE", copy["policy validate"], StringComparison.Ordinal);
    }

    /// <summary>Leaf commands as "audit tail" -> a canonical text of what the command accepts.</summary>
    private static void Describe(Command command, string path, SortedDictionary<string, string> into)
    {
        if (command.Subcommands.Count > 0)
        {
            foreach (var sub in command.Subcommands)
                Describe(sub, path + " " + sub.Name, into);
            return;
        }

        List<string> options = [], flags = [], required = [], choices = [];
        foreach (var option in command.Options.Where(o => !o.Hidden && o is not HelpOption and not VersionOption))
        {
            var names = option.Aliases.Append(option.Name).Distinct(StringComparer.Ordinal).ToList();
            var longest = names.MaxBy(n => n.Length)!;
            if (option.Arity.MaximumNumberOfValues == 0 || option.ValueType == typeof(bool))
            {
                flags.AddRange(names);
                continue;
            }

            options.AddRange(names);
            if (option.Required)
                required.Add(longest);
            var allowed = option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).Order(StringComparer.Ordinal).ToList();
            if (allowed.Count > 0)
                choices.Add(longest + ":" + string.Join('|', allowed));
        }

        into[path] = Canonical(options, flags, required, choices, command.Arguments.Where(a => !a.Hidden).Select(a => a.Name));
    }

    private static SortedDictionary<string, string> Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var command in doc.RootElement.GetProperty("commands").EnumerateObject())
        {
            IEnumerable<string> List(string key) =>
                command.Value.TryGetProperty(key, out var v) ? v.EnumerateArray().Select(e => e.GetString()!) : [];
            var choices = command.Value.TryGetProperty("choices", out var c)
                ? c.EnumerateObject().Select(o => o.Name + ":" + string.Join('|', o.Value.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal)))
                : [];
            result[command.Name] = Canonical(List("options"), List("flags"), List("required"), choices, List("arguments"));
        }

        return result;
    }

    private static string Canonical(IEnumerable<string> options, IEnumerable<string> flags, IEnumerable<string> required, IEnumerable<string> choices, IEnumerable<string> arguments)
    {
        static string Join(IEnumerable<string> items) => string.Join(' ', items.Order(StringComparer.Ordinal));
        return $"options={Join(options)}; flags={Join(flags)}; required={Join(required)}; choices={Join(choices)}; arguments={string.Join(' ', arguments)}";
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FinScale.Streaming.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
