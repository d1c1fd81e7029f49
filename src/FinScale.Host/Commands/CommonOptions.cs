using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FinScale.Host.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<string?> BootstrapServers() => new("--bootstrap-servers", "-b")
    {
        Description = "Kafka bootstrap servers (host:port,...). Without it, an embedded broker is started in-process.",
    };

    public static Option<string?> Config() => new("--config")
    {
        Description = "A JSON configuration file (same keys as appsettings.json).",
    };

    /// <summary>The configuration every Kafka command starts from: its <c>--config</c> file and <c>--bootstrap-servers</c>.</summary>
    public static CliSettings Settings(ParseResult parse, Option<string?> config, Option<string?> bootstrapServers) =>
        new CliSettings { ConfigFile = parse.GetValue(config) }.Set("Kafka:BootstrapServers", parse.GetValue(bootstrapServers));

    public static Option<TimeSpan?> UntilIdle() => new("--until-idle")
    {
        Description = "Exit 0 once caught up on every assigned partition and no new input came for this long (e.g. 5s, 2m, 00:00:05).",
        CustomParser = ParseDuration,
    };

    /// <summary>
    /// A validator for an int option: between <paramref name="min"/> and <paramref name="max"/>. A token that is not an
    /// integer is the parser's to report ("Cannot parse argument ..."); reading its value here would throw instead.
    /// </summary>
    public static void IntInRange(System.CommandLine.Parsing.OptionResult r, int min, int max, string name)
    {
        if (r.Tokens.Count > 0 && !int.TryParse(r.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            return;
        var n = r.GetValueOrDefault<int>();
        if (n < min || n > max)
            r.AddError($"{name} must be between {min} and {max}, got {n}");
    }

    /// <summary>Parses <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c> or a TimeSpan (<c>00:00:05</c>).</summary>
    public static TimeSpan? ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParseDuration(text, out var value))
            return value;
        result.AddError($"'{text}' is not a duration: use e.g. 500ms, 5s, 2m, 1h or 00:00:05");
        return null;
    }

    /// <summary>
    /// A parser for a duration option that must pass <paramref name="allowed"/>, reporting <paramref name="requirement"/>
    /// and the token otherwise. In the parser, not a validator: a validator reading a value that did not parse throws.
    /// </summary>
    public static Func<ArgumentResult, TimeSpan?> ParseDuration(Func<TimeSpan, bool> allowed, string requirement) => r =>
    {
        var value = ParseDuration(r);
        if (value is { } v && !allowed(v))
            r.AddError($"{requirement}, got {r.Tokens[0].Value}");
        return value;
    };

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        (string Suffix, double Ms)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, ms) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                && n >= 0 && double.IsFinite(n))
            {
                value = TimeSpan.FromMilliseconds(n * ms);
                return true;
            }
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero)
            return true;
        value = default;
        return false;
    }
}
