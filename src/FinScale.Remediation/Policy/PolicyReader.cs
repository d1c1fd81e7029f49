using System.Globalization;
using System.Text.RegularExpressions;
using FinScale.Contracts;
using FinScale.Remediation.Diagnosis;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace FinScale.Remediation.Policy;

/// <summary>
/// Walks the YAML representation model of a policy and builds the document, collecting every error (with the
/// position of the node it is about) instead of stopping at the first: a team fixes a file in one pass.
/// </summary>
internal sealed partial class PolicyReader
{
    private static readonly string[] TopKeys = ["apiVersion", "kind", "modes", "rules", "guards"];
    private static readonly string[] ModeKeys = ["default", "actions"];
    private static readonly string[] RuleKeys = ["name", "when", "action", "params"];
    private static readonly string[] WhenKeys = ["finding", "min_score", "min_anomalies", "metrics", "namespaces"];
    private static readonly string[] ParamKeys = ["canary_weight", "restore_on_recovery", "restore_after", "factor", "min_added", "max_replicas"];
    private static readonly string[] GuardKeys =
        ["cooldown", "rate_limit", "max_workload_share", "max_cordoned_nodes", "max_cordoned_share", "stale_after", "allowed_namespaces", "freeze_windows"];
    private static readonly string[] RateLimitKeys = ["actions", "per"];
    private static readonly string[] OneOffKeys = ["start", "end"];
    private static readonly string[] RecurringKeys = ["days", "days_of_month", "from", "to", "time_zone"];
    private static readonly string[] WindowKeys = ["name", "allow_actions", .. OneOffKeys, .. RecurringKeys];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private const string DurationForms = "a duration (30s, 15m, 2h, 1d, or ISO-8601 such as PT15M)";

    private readonly List<PolicyError> _errors = [];
    private readonly List<PolicyError> _warnings = [];

    private PolicyReader()
    {
    }

    public static PolicyLoadResult Read(string yaml, string source)
    {
        var reader = new PolicyReader();
        var document = reader.ReadStream(yaml);
        return new PolicyLoadResult(source, document, Sorted(reader._errors), Sorted(reader._warnings));
    }

    private static List<PolicyError> Sorted(List<PolicyError> list) => [.. list.OrderBy(e => e.Line).ThenBy(e => e.Column)];

    private RemediationPolicyDocument? ReadStream(string yaml)
    {
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(yaml)));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            // Syntax errors (and duplicate keys) stop the parser; nothing after them can be read reliably.
            Error(ex.Start, "YAML syntax error: " + StripPosition(ex.Message));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (with no position) on some malformed flow collections,
            // e.g. an unclosed '[' followed by more lines; report where parsing last succeeded.
            Error(parser.LastGood, "YAML syntax error: cannot parse what follows (an unclosed '[' or '{'?)");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            _errors.Add(new PolicyError(1, 1, "the policy is empty; expected a mapping with apiVersion, kind and rules"));
            return null;
        }

        if (stream.Documents.Count > 1)
            Error(stream.Documents[1].RootNode, "one policy per file: found a second YAML document");
        return ReadPolicy(stream.Documents[0].RootNode);
    }

    private RemediationPolicyDocument? ReadPolicy(YamlNode root)
    {
        if (Mapping(root, "the policy") is not { } map)
            return null;
        CheckKeys(map, "the policy", TopKeys);

        Literal(map, "apiVersion", PolicyLoader.ApiVersion);
        Literal(map, "kind", PolicyLoader.Kind);
        var modes = Get(map, "modes") is { } m ? ReadModes(m) : ModeSettings.Shadow;
        var rules = Get(map, "rules") is { } r ? ReadRules(r) : Missing(map, "the policy", "rules", new List<PolicyRule>());
        var guards = ReadGuards(Get(map, "guards"), map);
        return _errors.Count == 0 ? new RemediationPolicyDocument(rules, modes, guards) : null;
    }

    private void Literal(YamlMappingNode map, string key, string expected)
    {
        if (Get(map, key) is not { } node)
        {
            Missing(map, "the policy", key, 0);
            return;
        }

        if (String(node, key) is { } value && value != expected)
            Error(node, $"{key}: expected '{expected}', got '{value}'");
    }

    // ---- modes ----

    private ModeSettings ReadModes(YamlNode node)
    {
        if (Mapping(node, "modes") is not { } map)
            return ModeSettings.Shadow;
        CheckKeys(map, "modes", ModeKeys);
        var fallback = Get(map, "default") is { } d ? Mode(d, "modes.default") ?? ExecutionMode.Shadow : ExecutionMode.Shadow;
        var perAction = new Dictionary<ActionKind, ExecutionMode>();
        if (Get(map, "actions") is { } a && Mapping(a, "modes.actions") is { } actions)
        {
            foreach (var (keyNode, valueNode) in actions.Children)
            {
                var name = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                var path = "modes.actions." + name;
                var kind = Action(keyNode, "modes.actions");
                if (kind == ActionKind.None)
                {
                    Error(keyNode, $"{path}: 'none' takes no mode: it never acts");
                    continue;
                }

                if (Mode(valueNode, path) is { } mode && kind is { } k)
                    perAction[k] = mode;
            }
        }

        return new ModeSettings(fallback, perAction);
    }

    // ---- rules ----

    private List<PolicyRule> ReadRules(YamlNode node)
    {
        var rules = new List<PolicyRule>();
        if (Sequence(node, "rules") is not { } list)
            return rules;
        if (list.Children.Count == 0)
            Warn(node, "rules is empty: every finding is recorded and none is acted on");

        var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        for (var i = 0; i < list.Children.Count; i++)
        {
            if (ReadRule(list.Children[i], $"rules[{i}]", names) is not { } rule)
                continue;
            if (rules.FirstOrDefault(earlier => earlier.Finding == rule.Finding && MatchesEverything(earlier)) is { } shadowing)
                Warn(list.Children[i], $"rules[{i}] '{rule.Name}' never matches: rule '{shadowing.Name}' before it matches every {PolicyNames.Of(rule.Finding)} finding");
            rules.Add(rule);
        }

        return rules;
    }

    private static bool MatchesEverything(PolicyRule rule) =>
        rule.MinScore <= 0 && rule.MinAnomalies <= 1 && rule.Metrics.Count == 0 && rule.Namespaces.Count == 0;

    private PolicyRule? ReadRule(YamlNode node, string path, Dictionary<string, YamlNode> names)
    {
        if (Mapping(node, path) is not { } map)
            return null;
        CheckKeys(map, path, RuleKeys);

        string? name = null;
        if (Get(map, "name") is { } nameNode)
        {
            name = String(nameNode, path + ".name");
            if (name is { Length: 0 })
                Error(nameNode, $"{path}.name: must not be empty");
            else if (name is not null && !names.TryAdd(name, nameNode))
                Error(nameNode, $"{path}.name: duplicate rule name '{name}' (first at line {names[name].Start.Line})");
        }
        else
        {
            Missing(map, path, "name", 0);
        }

        FindingKind? finding = null;
        double minScore = 0;
        var minAnomalies = 1;
        IReadOnlyList<string> metrics = [];
        IReadOnlyList<string> namespaces = [];
        if (Get(map, "when") is not { } whenNode)
        {
            Missing(map, path, "when", 0);
        }
        else if (Mapping(whenNode, path + ".when") is { } when)
        {
            var w = path + ".when";
            CheckKeys(when, w, WhenKeys);
            if (Get(when, "finding") is { } f)
                finding = Finding(f, w + ".finding");
            else
                Missing(when, w, "finding", 0);
            if (Get(when, "min_score") is { } s && Number(s, w + ".min_score") is { } score)
                minScore = Check(score, s, w + ".min_score", score is >= 0 and <= 1, "must be between 0 and 1");
            if (Get(when, "min_anomalies") is { } n && Integer(n, w + ".min_anomalies") is { } count)
                minAnomalies = Check(count, n, w + ".min_anomalies", count >= 1, "must be at least 1");
            if (Get(when, "metrics") is { } mt && StringList(mt, w + ".metrics") is { } globs)
                metrics = globs;
            if (Get(when, "namespaces") is { } ns)
                namespaces = Namespaces(ns, w + ".namespaces");
        }

        ActionKind? action = null;
        YamlNode? actionNode = Get(map, "action");
        if (actionNode is null)
            Missing(map, path, "action", 0);
        else
            action = Action(actionNode, path + ".action");

        if (finding is { } fk && action is { } ak && actionNode is not null && !PolicyCompatibility.IsAllowed(fk, ak))
        {
            Error(actionNode, $"{path}.action: {PolicyNames.Of(ak)} does not fit a {PolicyNames.Of(fk)} finding "
                              + $"(allowed: {string.Join(", ", PolicyCompatibility.AllowedActions(fk).Select(PolicyNames.Of))})");
        }

        var parameters = Get(map, "params") is { } p ? ReadParams(p, action, path + ".params") : new ActionParameters();
        if (name is null || finding is null || action is null)
            return null;
        return new PolicyRule(name, finding.Value, action.Value, minScore, minAnomalies, metrics, namespaces, parameters);
    }

    private ActionParameters ReadParams(YamlNode node, ActionKind? action, string path)
    {
        var parameters = new ActionParameters();
        if (Mapping(node, path) is not { } map)
            return parameters;
        CheckKeys(map, path, ParamKeys);
        foreach (var (keyNode, _) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            var owner = key switch
            {
                "canary_weight" or "restore_on_recovery" or "restore_after" => ActionKind.ShiftTraffic,
                "factor" or "min_added" or "max_replicas" => ActionKind.Scale,
                _ => (ActionKind?)null,
            };
            if (owner is { } o && action is { } a && a != o)
                Error(keyNode, $"{path}.{key}: applies to {PolicyNames.Of(o)}, not {PolicyNames.Of(a)}");
        }

        if (Get(map, "canary_weight") is { } cw && Integer(cw, path + ".canary_weight") is { } weight)
            parameters = parameters with { CanaryWeight = Check(weight, cw, path + ".canary_weight", weight is >= 0 and <= 100, "must be between 0 and 100") };
        if (Get(map, "restore_on_recovery") is { } ror && Boolean(ror, path + ".restore_on_recovery") is { } restore)
            parameters = parameters with { RestoreOnRecovery = restore };
        if (Get(map, "restore_after") is { } ra && Duration(ra, path + ".restore_after") is { } after)
            parameters = parameters with { RestoreAfter = after };
        if (Get(map, "factor") is { } fn && Number(fn, path + ".factor") is { } factor)
            parameters = parameters with { ScaleFactor = Check(factor, fn, path + ".factor", factor > 1, "must be greater than 1") };
        if (Get(map, "min_added") is { } ma && Integer(ma, path + ".min_added") is { } added)
            parameters = parameters with { MinAdded = Check(added, ma, path + ".min_added", added >= 0, "must be at least 0") };
        if (Get(map, "max_replicas") is { } mr && Integer(mr, path + ".max_replicas") is { } max)
            parameters = parameters with { MaxReplicas = Check(max, mr, path + ".max_replicas", max >= 1, "must be at least 1") };
        return parameters;
    }

    // ---- guards ----

    private GuardSettings ReadGuards(YamlNode? node, YamlMappingNode root)
    {
        var g = PolicyLoader.DefaultGuards;
        if (node is null)
        {
            WarnNoNamespaces(root, "guards is omitted");
            return g;
        }

        if (Mapping(node, "guards") is not { } map)
            return g;
        CheckKeys(map, "guards", GuardKeys);

        if (Get(map, "cooldown") is { } c && Duration(c, "guards.cooldown") is { } cooldown)
            g = g with { Cooldown = cooldown };
        if (Get(map, "rate_limit") is { } rl && Mapping(rl, "guards.rate_limit") is { } rate)
        {
            CheckKeys(rate, "guards.rate_limit", RateLimitKeys);
            var limit = g.RateLimit;
            if (Get(rate, "actions") is { } a && Integer(a, "guards.rate_limit.actions") is { } actions)
                limit = limit with { Actions = Check(actions, a, "guards.rate_limit.actions", actions >= 1, "must be at least 1 (to stop acting, use shadow mode)") };
            if (Get(rate, "per") is { } p && Duration(p, "guards.rate_limit.per") is { } per)
                limit = limit with { Per = per };
            g = g with { RateLimit = limit };
        }

        if (Get(map, "max_workload_share") is { } ws && Share(ws, "guards.max_workload_share") is { } workloadShare)
            g = g with { MaxWorkloadShare = workloadShare };
        if (Get(map, "max_cordoned_nodes") is { } cn && Integer(cn, "guards.max_cordoned_nodes") is { } nodes)
            g = g with { MaxCordonedNodes = Check(nodes, cn, "guards.max_cordoned_nodes", nodes >= 0, "must be at least 0 (0: never cordon)") };
        if (Get(map, "max_cordoned_share") is { } cs && Share(cs, "guards.max_cordoned_share") is { } cordonedShare)
            g = g with { MaxCordonedShare = cordonedShare };
        if (Get(map, "stale_after") is { } sa && Duration(sa, "guards.stale_after") is { } stale)
            g = g with { StaleAfter = stale };

        if (Get(map, "allowed_namespaces") is { } an)
        {
            g = g with { AllowedNamespaces = Namespaces(an, "guards.allowed_namespaces") };
            if (g.AllowedNamespaces.Count == 0 && an is YamlSequenceNode)
                WarnNoNamespaces(an, "guards.allowed_namespaces is empty");
        }
        else
        {
            WarnNoNamespaces(map, "guards.allowed_namespaces is omitted");
        }

        if (Get(map, "freeze_windows") is { } fw && Sequence(fw, "guards.freeze_windows") is { } windows)
        {
            var list = new List<FreezeWindow>();
            var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            for (var i = 0; i < windows.Children.Count; i++)
            {
                if (ReadWindow(windows.Children[i], $"guards.freeze_windows[{i}]", names) is { } window)
                    list.Add(window);
            }

            g = g with { FreezeWindows = list };
        }

        return g;
    }

    private void WarnNoNamespaces(YamlNode at, string what) =>
        Warn(at, what + ": no namespace is allowed, so nothing will be acted on until the team lists its namespaces");

    private FreezeWindow? ReadWindow(YamlNode node, string path, Dictionary<string, YamlNode> names)
    {
        if (Mapping(node, path) is not { } map)
            return null;
        CheckKeys(map, path, WindowKeys);
        var errorsBefore = _errors.Count;

        string? name = null;
        if (Get(map, "name") is { } nameNode)
        {
            name = String(nameNode, path + ".name");
            if (name is { Length: 0 })
                Error(nameNode, $"{path}.name: must not be empty");
            else if (name is not null && !names.TryAdd(name, nameNode))
                Error(nameNode, $"{path}.name: duplicate freeze window name '{name}' (first at line {names[name].Start.Line})");
        }
        else
        {
            Missing(map, path, "name", 0);
        }

        var allowed = new List<ActionKind>();
        if (Get(map, "allow_actions") is { } an && Sequence(an, path + ".allow_actions") is { } actionSeq)
        {
            foreach (var a in actionSeq.Children)
            {
                if (Action(a, path + ".allow_actions") is { } kind)
                    allowed.Add(kind);
            }
        }

        var oneOff = OneOffKeys.Any(k => Get(map, k) is not null);
        var recurring = RecurringKeys.Any(k => Get(map, k) is not null);
        if (oneOff && recurring)
        {
            Error(map, $"{path}: a window is either one-off (start, end) or recurring (days, days_of_month, from, to, time_zone), not both");
            return null;
        }

        if (!oneOff && !recurring)
        {
            Error(map, $"{path}: needs start and end (one-off) or from and to (recurring)");
            return null;
        }

        if (oneOff)
        {
            var start = Get(map, "start") is { } s ? Timestamp(s, path + ".start") : Missing(map, path, "start", (DateTimeOffset?)null);
            var endNode = Get(map, "end");
            var end = endNode is not null ? Timestamp(endNode, path + ".end") : Missing(map, path, "end", (DateTimeOffset?)null);
            if (start is { } a && end is { } b && endNode is not null && b <= a)
                Error(endNode, $"{path}.end: must be after start");
            return _errors.Count == errorsBefore ? new FreezeWindow(name!, start, end, [], [], null, null, "UTC") { AllowedActions = allowed } : null;
        }

        var from = Get(map, "from") is { } f ? TimeOfDay(f, path + ".from") : Missing(map, path, "from", (TimeOnly?)null);
        var toNode = Get(map, "to");
        var to = toNode is not null ? TimeOfDay(toNode, path + ".to") : Missing(map, path, "to", (TimeOnly?)null);
        if (from is { } x && to is { } y && toNode is not null && x == y)
            Error(toNode, $"{path}.to: equals from; the window would be empty (to before from spans midnight)");

        var days = new List<DayOfWeek>();
        if (Get(map, "days") is { } dn && Sequence(dn, path + ".days") is { } daySeq)
        {
            foreach (var d in daySeq.Children)
            {
                if (String(d, path + ".days") is not { } text)
                    continue;
                var key = text.Length >= 3 ? text[..3].ToLowerInvariant() : text;
                var index = Array.IndexOf(DayNames, key);
                var full = index >= 0 ? ((DayOfWeek)index).ToString() : null;
                if (index < 0 || !(text.Length == 3 || string.Equals(text, full, StringComparison.OrdinalIgnoreCase)))
                    Error(d, $"{path}.days: unknown day '{text}' (valid: mon, tue, wed, thu, fri, sat, sun)");
                else
                    days.Add((DayOfWeek)index);
            }
        }

        var daysOfMonth = new List<int>();
        if (Get(map, "days_of_month") is { } dm && Sequence(dm, path + ".days_of_month") is { } domSeq)
        {
            foreach (var d in domSeq.Children)
            {
                if (Integer(d, path + ".days_of_month") is { } day)
                    daysOfMonth.Add(Check(day, d, path + ".days_of_month", day is >= -27 and <= 31, "must be between -27 and 31 (0 is the month's last day, -1 the day before)"));
            }
        }

        var timeZone = "UTC";
        if (Get(map, "time_zone") is { } tz && String(tz, path + ".time_zone") is { } id)
        {
            if (string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase))
                timeZone = "UTC";
            else if (KnownTimeZone(id))
                timeZone = id;
            else
                Error(tz, $"{path}.time_zone: unknown time zone '{id}' (an IANA id such as Europe/London, or UTC; is tzdata installed?)");
        }

        return _errors.Count == errorsBefore ? new FreezeWindow(name!, null, null, days, daysOfMonth, from, to, timeZone) { AllowedActions = allowed } : null;
    }

    private static bool KnownTimeZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }

    // ---- typed values ----

    private ExecutionMode? Mode(YamlNode node, string path)
    {
        if (String(node, path) is not { } text)
            return null;
        if (PolicyNames.TryParseMode(text, out var mode))
            return mode;
        Unknown(node, path, "mode", text, PolicyNames.Modes);
        return null;
    }

    private ActionKind? Action(YamlNode node, string path)
    {
        if (String(node, path) is not { } text)
            return null;
        if (PolicyNames.TryParseAction(text, out var kind))
            return kind;
        Unknown(node, path, "action", text, PolicyNames.Actions);
        return null;
    }

    private FindingKind? Finding(YamlNode node, string path)
    {
        if (String(node, path) is not { } text)
            return null;
        if (PolicyNames.TryParseFinding(text, out var kind))
            return kind;
        Unknown(node, path, "finding", text, PolicyNames.Findings);
        return null;
    }

    private void Unknown(YamlNode node, string path, string what, string value, IReadOnlyList<string> valid)
    {
        var hint = Suggestions.Closest(value, valid) is { } s ? $"; did you mean '{s}'?" : string.Empty;
        Error(node, $"{path}: unknown {what} '{value}'{hint} (valid: {string.Join(", ", valid)})");
    }

    private double? Share(YamlNode node, string path) =>
        Number(node, path) is { } v ? Check(v, node, path, v is > 0 and <= 1, "must be greater than 0 and at most 1") : null;

    private bool? Boolean(YamlNode node, string path)
    {
        if (Scalar(node, path, "true or false") is not { } text)
            return null;
        if (bool.TryParse(text, out var value))
            return value;
        Error(node, $"{path}: expected true or false, got '{text}'");
        return null;
    }

    private TimeSpan? Duration(YamlNode node, string path)
    {
        if (Scalar(node, path, DurationForms) is not { } text)
            return null;
        if (!PolicyDuration.TryParse(text, out var value))
        {
            Error(node, $"{path}: expected {DurationForms}, got '{text}'");
            return null;
        }

        return Check(value, node, path, value > TimeSpan.Zero, "must be greater than zero");
    }

    private DateTimeOffset? Timestamp(YamlNode node, string path)
    {
        const string Expected = "a timestamp with a UTC offset, such as 2026-11-27T00:00:00Z";
        if (Scalar(node, path, Expected) is not { } text)
            return null;
        if (ExplicitOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            return value;
        }

        Error(node, $"{path}: expected {Expected}, got '{text}'");
        return null;
    }

    private TimeOnly? TimeOfDay(YamlNode node, string path)
    {
        if (Scalar(node, path, "a time of day (HH:mm)") is not { } text)
            return null;
        if (TimeOnly.TryParseExact(text, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            return value;
        Error(node, $"{path}: expected a time of day (HH:mm, 00:00 to 23:59), got '{text}'");
        return null;
    }

    private List<string> Namespaces(YamlNode node, string path)
    {
        var result = new List<string>();
        foreach (var (item, text) in StringItems(node, path))
        {
            if (NamespaceName().IsMatch(text))
                result.Add(text);
            else
                Error(item, $"{path}: '{text}' is not a namespace name (lower-case letters, digits and '-', at most 63; no wildcards)");
        }

        return result;
    }

    private List<string>? StringList(YamlNode node, string path)
    {
        if (node is not YamlSequenceNode)
        {
            Sequence(node, path);
            return null;
        }

        var result = new List<string>();
        foreach (var (item, text) in StringItems(node, path))
        {
            if (text.Length == 0)
                Error(item, $"{path}: must not be empty");
            else
                result.Add(text);
        }

        return result;
    }

    private List<(YamlNode Node, string Text)> StringItems(YamlNode node, string path)
    {
        var items = new List<(YamlNode, string)>();
        if (Sequence(node, path) is not { } list)
            return items;
        foreach (var item in list.Children)
        {
            if (String(item, path) is { } text)
                items.Add((item, text));
        }

        return items;
    }

    private double? Number(YamlNode node, string path)
    {
        if (Scalar(node, path, "a number") is not { } text)
            return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            return value;
        Error(node, $"{path}: expected a number, got '{text}'");
        return null;
    }

    private int? Integer(YamlNode node, string path)
    {
        if (Scalar(node, path, "a whole number") is not { } text)
            return null;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return value;
        Error(node, $"{path}: expected a whole number, got '{text}'");
        return null;
    }

    private string? String(YamlNode node, string path) => Scalar(node, path, "a string");

    private string? Scalar(YamlNode node, string path, string expected)
    {
        if (node is YamlScalarNode scalar && !IsNull(scalar))
            return scalar.Value ?? string.Empty;
        Error(node, $"{path}: expected {expected}, got {Describe(node)}");
        return null;
    }

    private YamlMappingNode? Mapping(YamlNode node, string path)
    {
        if (node is YamlMappingNode map)
            return map;
        Error(node, $"{path}: expected a mapping, got {Describe(node)}");
        return null;
    }

    private YamlSequenceNode? Sequence(YamlNode node, string path)
    {
        if (node is YamlSequenceNode list)
            return list;
        Error(node, $"{path}: expected a list, got {Describe(node)}");
        return null;
    }

    private T Check<T>(T value, YamlNode node, string path, bool ok, string rule)
    {
        if (!ok)
            Error(node, $"{path}: {rule}, got {Describe(node)}");
        return value;
    }

    private void CheckKeys(YamlMappingNode map, string path, string[] allowed)
    {
        foreach (var (keyNode, _) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } || IsNull((YamlScalarNode)keyNode))
            {
                Error(keyNode, $"{path}: keys must be strings, got {Describe(keyNode)}");
                continue;
            }

            if (allowed.Contains(key, StringComparer.Ordinal))
                continue;
            var hint = Suggestions.Closest(key, allowed) is { } s
                ? $"; did you mean '{s}'?"
                : $" (valid: {string.Join(", ", allowed)})";
            Error(keyNode, $"{path}: unknown key '{key}'{hint}");
        }
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private T Missing<T>(YamlMappingNode map, string path, string key, T fallback)
    {
        Error(map, $"{path}: missing required key '{key}'");
        return fallback;
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "nothing (null)",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "an alias",
    };

    private void Error(YamlNode node, string message) => Error(node.Start, message);

    private void Error(Mark at, string message) => _errors.Add(new PolicyError((int)at.Line, (int)at.Column, message));

    private void Warn(YamlNode node, string message) => _warnings.Add(new PolicyError((int)node.Start.Line, (int)node.Start.Column, message));

    private static string StripPosition(string message)
    {
        // YamlException messages start with "(Line: 3, Col: 5, Idx: 40) - (Line: 3, Col: 6, Idx: 41): "; the position is reported separately.
        var match = PositionPrefix().Match(message);
        return match.Success ? message[match.Length..] : message;
    }

    /// <summary>Remembers where the last event that parsed ended, for errors the parser reports without a position.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public Mark LastGood { get; private set; } = Mark.Empty;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current)
                LastGood = current.End;
            return inner.MoveNext();
        }
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", RegexOptions.CultureInvariant)]
    private static partial Regex PositionPrefix();

    [GeneratedRegex(@"(?:[zZ]|[+-]\d{2}:?\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex ExplicitOffset();

    [GeneratedRegex(@"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamespaceName();
}
