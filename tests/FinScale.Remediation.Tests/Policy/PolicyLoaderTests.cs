using System.Runtime.CompilerServices;
using FinScale.Contracts;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Policy;

namespace FinScale.Remediation.Tests.Policy;

public class PolicyLoaderTests
{
    // Lines 1-6 of most cases below; what a case appends starts on line 7.
    private const string Head =
        "apiVersion: finscale.io/v1\n" +
        "kind: RemediationPolicy\n" +
        "rules:\n" +
        "  - name: restart\n" +
        "    when: { finding: pod_fault }\n" +
        "    action: restart_pod\n";

    private const string Full = """
        apiVersion: finscale.io/v1
        kind: RemediationPolicy
        modes:
          default: shadow            # shadow | dry-run | enforce
          actions: { restart_pod: dry-run, scale: enforce }
        rules:
          - name: restart-faulty-pod
            when: { finding: pod_fault, min_score: 0.9, min_anomalies: 1, metrics: ["*duration*", "*error*"], namespaces: [payments] }
            action: restart_pod
          - name: rollback-canary
            when: { finding: canary_regression }
            action: shift_traffic
            params: { canary_weight: 0 }
          - name: scale-on-surge
            when: { finding: traffic_surge }
            action: scale
            params: { factor: 1.5, min_added: 1, max_replicas: 40 }
        guards:
          cooldown: 15m              # durations: 30s, 15m, 2h, 1d, or ISO-8601 PT15M
          rate_limit: { actions: 5, per: 10m }
          max_workload_share: 0.25
          max_cordoned_nodes: 2
          max_cordoned_share: 0.1
          stale_after: PT5M
          allowed_namespaces: [payments, checkout]
          freeze_windows:
            - { name: month-end-close, days_of_month: [0, -1], from: "18:00", to: "23:59", time_zone: Europe/London }
            - { name: black-friday, start: 2026-11-27T00:00:00Z, end: 2026-11-30T00:00:00Z }
            - { name: market-open, days: [mon, tue, wed, thu, fri], from: "09:25", to: "09:45", time_zone: America/New_York }
        """;

    [Fact]
    public void Load_FullPolicy_BuildsTheExpectedModel()
    {
        var result = PolicyLoader.Load(Full);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.True(result.IsValid);
        var policy = result.Document;

        Assert.Equal(ExecutionMode.Shadow, policy.Modes.Default);
        Assert.Equal(ExecutionMode.DryRun, policy.Modes.Of(ActionKind.RestartPod));
        Assert.Equal(ExecutionMode.Enforce, policy.Modes.Of(ActionKind.Scale));
        Assert.Equal(ExecutionMode.Shadow, policy.Modes.Of(ActionKind.CordonNode));

        Assert.Equal(["restart-faulty-pod", "rollback-canary", "scale-on-surge"], policy.Rules.Select(r => r.Name));
        var restart = policy.Rules[0];
        Assert.Equal(FindingKind.PodFault, restart.Finding);
        Assert.Equal(ActionKind.RestartPod, restart.Action);
        Assert.Equal(0.9, restart.MinScore);
        Assert.Equal(1, restart.MinAnomalies);
        Assert.Equal(["*duration*", "*error*"], restart.Metrics);
        Assert.Equal(["payments"], restart.Namespaces);
        Assert.Equal(new ActionParameters(), restart.Parameters);

        var rollback = policy.Rules[1];
        Assert.Equal((FindingKind.CanaryRegression, ActionKind.ShiftTraffic, 0), (rollback.Finding, rollback.Action, rollback.Parameters.CanaryWeight));
        Assert.Equal(0, rollback.MinScore);
        Assert.Empty(rollback.Metrics);
        Assert.Empty(rollback.Namespaces);

        var scale = policy.Rules[2];
        Assert.Equal(new ActionParameters(CanaryWeight: 0, ScaleFactor: 1.5, MinAdded: 1, MaxReplicas: 40), scale.Parameters);

        var g = policy.Guards;
        Assert.Equal(TimeSpan.FromMinutes(15), g.Cooldown);
        Assert.Equal(new RateLimit(5, TimeSpan.FromMinutes(10)), g.RateLimit);
        Assert.Equal(0.25, g.MaxWorkloadShare);
        Assert.Equal(2, g.MaxCordonedNodes);
        Assert.Equal(0.1, g.MaxCordonedShare);
        Assert.Equal(TimeSpan.FromMinutes(5), g.StaleAfter);
        Assert.Equal(["payments", "checkout"], g.AllowedNamespaces);

        Assert.Equal(3, g.FreezeWindows.Count);
        var monthEnd = g.FreezeWindows[0];
        Assert.Equal("month-end-close", monthEnd.Name);
        Assert.Null(monthEnd.Start);
        Assert.Equal([0, -1], monthEnd.DaysOfMonth);
        Assert.Empty(monthEnd.Days);
        Assert.Equal((new TimeOnly(18, 0), new TimeOnly(23, 59)), (monthEnd.From, monthEnd.To));
        Assert.Equal("Europe/London", monthEnd.TimeZone);

        var blackFriday = g.FreezeWindows[1];
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero), blackFriday.Start);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), blackFriday.End);
        Assert.Null(blackFriday.From);
        Assert.Equal("UTC", blackFriday.TimeZone);

        var marketOpen = g.FreezeWindows[2];
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], marketOpen.Days);
        Assert.Equal((new TimeOnly(9, 25), new TimeOnly(9, 45)), (marketOpen.From, marketOpen.To));
        Assert.Equal("America/New_York", marketOpen.TimeZone);
    }

    [Fact]
    public void Load_GuardsOmitted_GetsTheSafeDefaultsAndWarnsThatNothingActs()
    {
        var result = PolicyLoader.Load(Head);

        Assert.Empty(result.Errors);
        var policy = result.GetDocumentOrThrow();
        Assert.Equal(PolicyLoader.DefaultGuards, policy.Guards);
        Assert.Equal(TimeSpan.FromMinutes(15), policy.Guards.Cooldown);
        Assert.Equal(new RateLimit(5, TimeSpan.FromMinutes(10)), policy.Guards.RateLimit);
        Assert.Equal(0.25, policy.Guards.MaxWorkloadShare);
        Assert.Equal(1, policy.Guards.MaxCordonedNodes);
        Assert.Equal(0.1, policy.Guards.MaxCordonedShare);
        Assert.Equal(TimeSpan.FromMinutes(5), policy.Guards.StaleAfter);
        Assert.Empty(policy.Guards.AllowedNamespaces);
        Assert.Empty(policy.Guards.FreezeWindows);
        Assert.All(Enum.GetValues<ActionKind>(), k => Assert.Equal(ExecutionMode.Shadow, policy.Modes.Of(k)));
        Assert.Equal(new ActionParameters(), policy.Rules[0].Parameters);

        var warning = Assert.Single(result.Warnings);
        Assert.Equal(1, warning.Line);
        Assert.Contains("no namespace is allowed", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SomeGuardsGiven_OthersKeepTheirDefaults()
    {
        var result = PolicyLoader.Load(Head + "guards:\n  cooldown: 30s\n  rate_limit: { per: 1h }\n  allowed_namespaces: [payments]\n");

        var guards = result.GetDocumentOrThrow().Guards;
        Assert.Empty(result.Warnings);
        Assert.Equal(TimeSpan.FromSeconds(30), guards.Cooldown);
        Assert.Equal(new RateLimit(5, TimeSpan.FromHours(1)), guards.RateLimit);
        Assert.Equal(PolicyLoader.DefaultGuards.MaxWorkloadShare, guards.MaxWorkloadShare);
        Assert.Equal(PolicyLoader.DefaultGuards.StaleAfter, guards.StaleAfter);
    }

    [Fact]
    public void Load_EmptyAllowedNamespaces_IsAWarningAtTheListNotAnError()
    {
        var result = PolicyLoader.Load(Head + "guards:\n  allowed_namespaces: []\n");

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal((8, 23), (warning.Line, warning.Column));
        Assert.StartsWith("guards.allowed_namespaces is empty: no namespace is allowed", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RuleAfterACatchAllForTheSameFinding_WarnsItNeverMatches()
    {
        var result = PolicyLoader.Load(Head + "  - name: later\n    when: { finding: pod_fault, min_score: 0.5 }\n    action: none\nguards: { allowed_namespaces: [payments] }\n");

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal((7, 5), (warning.Line, warning.Column));
        Assert.Equal("rules[1] 'later' never matches: rule 'restart' before it matches every pod_fault finding", warning.Message);
    }

    [Fact]
    public void Load_DryRunWithUnderscore_ReadsAsDryRun()
    {
        var policy = PolicyLoader.Load(Head + "modes: { default: dry_run }\n").GetDocumentOrThrow();

        Assert.Equal(ExecutionMode.DryRun, policy.Modes.Default);
    }

    public static TheoryData<string, int, int, string> GuardErrors => new()
    {
        { "guards:\n  cooldwn: 15m\n", 8, 3, "guards: unknown key 'cooldwn'; did you mean 'cooldown'?" },
        { "guards:\n  banana: 1\n", 8, 3, "guards: unknown key 'banana' (valid: cooldown, rate_limit, max_workload_share, max_cordoned_nodes, max_cordoned_share, stale_after, allowed_namespaces, freeze_windows)" },
        { "guards:\n  cooldown: 15\n", 8, 13, "guards.cooldown: expected a duration (30s, 15m, 2h, 1d, or ISO-8601 such as PT15M), got '15'" },
        { "guards:\n  cooldown: 0s\n", 8, 13, "guards.cooldown: must be greater than zero, got '0s'" },
        { "guards:\n  stale_after:\n", 8, 15, "guards.stale_after: expected a duration (30s, 15m, 2h, 1d, or ISO-8601 such as PT15M), got nothing (null)" },
        { "guards:\n  max_workload_share: 0\n", 8, 23, "guards.max_workload_share: must be greater than 0 and at most 1, got '0'" },
        { "guards:\n  max_cordoned_share: 1.5\n", 8, 23, "guards.max_cordoned_share: must be greater than 0 and at most 1, got '1.5'" },
        { "guards:\n  max_cordoned_nodes: -1\n", 8, 23, "guards.max_cordoned_nodes: must be at least 0 (0: never cordon), got '-1'" },
        { "guards:\n  max_cordoned_nodes: 1.5\n", 8, 23, "guards.max_cordoned_nodes: expected a whole number, got '1.5'" },
        { "guards:\n  rate_limit: { actions: 0, per: 10m }\n", 8, 26, "guards.rate_limit.actions: must be at least 1 (to stop acting, use shadow mode), got '0'" },
        { "guards:\n  allowed_namespaces: payments\n", 8, 23, "guards.allowed_namespaces: expected a list, got 'payments'" },
        { "guards:\n  allowed_namespaces: [Payments]\n", 8, 24, "guards.allowed_namespaces: 'Payments' is not a namespace name (lower-case letters, digits and '-', at most 63; no wildcards)" },
        { "guards: [cooldown]\n", 7, 9, "guards: expected a mapping, got a list" },
        { "modes: { default: enforced }\n", 7, 19, "modes.default: unknown mode 'enforced'; did you mean 'enforce'? (valid: shadow, dry-run, enforce)" },
        { "modes:\n  actions: { restrat_pod: enforce }\n", 8, 14, "modes.actions: unknown action 'restrat_pod'; did you mean 'restart_pod'? (valid: none, restart_pod, restart_deployment, cordon_node, shift_traffic, scale)" },
        { "modes:\n  actions: { none: enforce }\n", 8, 14, "modes.actions.none: 'none' takes no mode: it never acts" },
        { "banana: 1\n", 7, 1, "the policy: unknown key 'banana' (valid: apiVersion, kind, modes, rules, guards)" },
    };

    [Theory]
    [MemberData(nameof(GuardErrors))]
    public void Load_BadTopLevelOrGuardValue_ReportsItAtItsNode(string tail, int line, int column, string message)
    {
        var error = Assert.Single(PolicyLoader.Load(Head + tail).Errors);

        Assert.Equal(new PolicyError(line, column, message), error);
    }

    public static TheoryData<string, int, int, string> RuleErrors => new()
    {
        {
            "  - name: r\n    when: { finding: pod_falt }\n    action: restart_pod\n", 5, 22,
            "rules[0].when.finding: unknown finding 'pod_falt'; did you mean 'pod_fault'? (valid: pod_fault, node_fault, canary_regression, traffic_surge, service_fault, forecast_load, unattributed)"
        },
        {
            "  - name: r\n    when: { finding: pod_fault }\n    action: reboot\n", 6, 13,
            "rules[0].action: unknown action 'reboot' (valid: none, restart_pod, restart_deployment, cordon_node, shift_traffic, scale)"
        },
        {
            "  - name: r\n    when: { finding: canary_regression }\n    action: cordon_node\n", 6, 13,
            "rules[0].action: cordon_node does not fit a canary_regression finding (allowed: none, shift_traffic)"
        },
        { "  - name: r\n    when: { finding: pod_fault }\n", 4, 5, "rules[0]: missing required key 'action'" },
        { "  - when: { finding: pod_fault }\n    action: restart_pod\n", 4, 5, "rules[0]: missing required key 'name'" },
        { "  - name: r\n    action: restart_pod\n", 4, 5, "rules[0]: missing required key 'when'" },
        { "  - name: r\n    when: { min_score: 0.5 }\n    action: restart_pod\n", 5, 11, "rules[0].when: missing required key 'finding'" },
        { "  - name: r\n    when: { finding: pod_fault, min_score: 1.5 }\n    action: restart_pod\n", 5, 44, "rules[0].when.min_score: must be between 0 and 1, got '1.5'" },
        { "  - name: r\n    when: { finding: pod_fault, min_score: high }\n    action: restart_pod\n", 5, 44, "rules[0].when.min_score: expected a number, got 'high'" },
        { "  - name: r\n    when: { finding: pod_fault, min_anomalies: 0 }\n    action: restart_pod\n", 5, 48, "rules[0].when.min_anomalies: must be at least 1, got '0'" },
        { "  - name: r\n    when: { finding: pod_fault, metrics: \"*duration*\" }\n    action: restart_pod\n", 5, 42, "rules[0].when.metrics: expected a list, got '*duration*'" },
        { "  - name: r\n    when: { finding: pod_fault, score: 1 }\n    action: restart_pod\n", 5, 33, "rules[0].when: unknown key 'score' (valid: finding, min_score, min_anomalies, metrics, namespaces)" },
        {
            "  - name: r\n    when: { finding: canary_regression }\n    action: shift_traffic\n    params: { canary_weight: 150 }\n", 7, 30,
            "rules[0].params.canary_weight: must be between 0 and 100, got '150'"
        },
        {
            "  - name: r\n    when: { finding: canary_regression }\n    action: shift_traffic\n    params: { canary_wieght: 0 }\n", 7, 15,
            "rules[0].params: unknown key 'canary_wieght'; did you mean 'canary_weight'?"
        },
        { "  - name: r\n    when: { finding: traffic_surge }\n    action: scale\n    params: { factor: 1 }\n", 7, 23, "rules[0].params.factor: must be greater than 1, got '1'" },
        { "  - name: r\n    when: { finding: traffic_surge }\n    action: scale\n    params: { max_replicas: 0 }\n", 7, 29, "rules[0].params.max_replicas: must be at least 1, got '0'" },
        { "  - name: r\n    when: { finding: traffic_surge }\n    action: scale\n    params: { min_added: -1 }\n", 7, 26, "rules[0].params.min_added: must be at least 0, got '-1'" },
        { "  - name: r\n    when: { finding: pod_fault }\n    action: restart_pod\n    params: { factor: 2 }\n", 7, 15, "rules[0].params.factor: applies to scale, not restart_pod" },
        { "  - name: r\n    when: { finding: pod_fault }\n    action: restart_pod\n    params: { restore_after: 5m }\n", 7, 15, "rules[0].params.restore_after: applies to shift_traffic, not restart_pod" },
        {
            "  - name: r\n    when: { finding: canary_regression }\n    action: shift_traffic\n    params: { restore_on_recovery: maybe }\n", 7, 36,
            "rules[0].params.restore_on_recovery: expected true or false, got 'maybe'"
        },
        {
            "  - name: r\n    when: { finding: pod_fault }\n    action: restart_pod\n  - name: r\n    when: { finding: node_fault }\n    action: cordon_node\n", 7, 11,
            "rules[1].name: duplicate rule name 'r' (first at line 4)"
        },
        { "  - restart_pod\n", 4, 5, "rules[0]: expected a mapping, got 'restart_pod'" },
    };

    [Fact]
    public void Load_ShiftWithRestore_ReadsTheRestoreParameters()
    {
        var yaml = "apiVersion: finscale.io/v1\nkind: RemediationPolicy\nrules:\n"
            + "  - name: r\n    when: { finding: canary_regression }\n    action: shift_traffic\n    params: { canary_weight: 5, restore_on_recovery: true, restore_after: 30m }\n"
            + "guards: { allowed_namespaces: [payments] }\n";

        var p = Assert.Single(PolicyLoader.Load(yaml).GetDocumentOrThrow().Rules).Parameters;

        Assert.Equal(new ActionParameters(CanaryWeight: 5, RestoreOnRecovery: true, RestoreAfter: TimeSpan.FromMinutes(30)), p);
    }

    [Theory]
    [MemberData(nameof(RuleErrors))]
    public void Load_BadRule_ReportsItAtItsNode(string rules, int line, int column, string message)
    {
        var yaml = "apiVersion: finscale.io/v1\nkind: RemediationPolicy\nrules:\n" + rules + "guards: { allowed_namespaces: [payments] }\n";

        var error = Assert.Single(PolicyLoader.Load(yaml).Errors);

        Assert.Equal(new PolicyError(line, column, message), error);
    }

    public static TheoryData<string, int, int, string> FreezeWindowErrors => new()
    {
        { "    - { name: w, start: 2026-11-30T00:00:00Z, end: 2026-11-27T00:00:00Z }\n", 10, 52, "guards.freeze_windows[0].end: must be after start" },
        { "    - { name: w, start: 2026-11-27T00:00:00, end: 2026-11-30T00:00:00Z }\n", 10, 25, "guards.freeze_windows[0].start: expected a timestamp with a UTC offset, such as 2026-11-27T00:00:00Z, got '2026-11-27T00:00:00'" },
        { "    - { name: w, start: 2026-11-27T00:00:00Z }\n", 10, 7, "guards.freeze_windows[0]: missing required key 'end'" },
        {
            "    - { name: w, start: 2026-11-27T00:00:00Z, end: 2026-11-30T00:00:00Z, from: \"09:00\", to: \"10:00\" }\n", 10, 7,
            "guards.freeze_windows[0]: a window is either one-off (start, end) or recurring (days, days_of_month, from, to, time_zone), not both"
        },
        { "    - { name: w }\n", 10, 7, "guards.freeze_windows[0]: needs start and end (one-off) or from and to (recurring)" },
        {
            "    - { name: w, from: \"09:00\", to: \"10:00\", allow_actions: [scael] }\n", 10, 62,
            "guards.freeze_windows[0].allow_actions: unknown action 'scael' (valid: none, restart_pod, restart_deployment, cordon_node, shift_traffic, scale)"
        },
        { "    - { name: w, from: \"09:00\" }\n", 10, 7, "guards.freeze_windows[0]: missing required key 'to'" },
        { "    - { name: w, from: \"25:00\", to: \"10:00\" }\n", 10, 24, "guards.freeze_windows[0].from: expected a time of day (HH:mm, 00:00 to 23:59), got '25:00'" },
        { "    - { name: w, from: \"09:00\", to: \"09:00\" }\n", 10, 37, "guards.freeze_windows[0].to: equals from; the window would be empty (to before from spans midnight)" },
        {
            "    - { name: w, days_of_month: [32], from: \"09:00\", to: \"10:00\" }\n", 10, 34,
            "guards.freeze_windows[0].days_of_month: must be between -27 and 31 (0 is the month's last day, -1 the day before), got '32'"
        },
        {
            "    - { name: w, days_of_month: [-28], from: \"09:00\", to: \"10:00\" }\n", 10, 34,
            "guards.freeze_windows[0].days_of_month: must be between -27 and 31 (0 is the month's last day, -1 the day before), got '-28'"
        },
        { "    - { name: w, days: [mon, funday], from: \"09:00\", to: \"10:00\" }\n", 10, 30, "guards.freeze_windows[0].days: unknown day 'funday' (valid: mon, tue, wed, thu, fri, sat, sun)" },
        {
            "    - { name: w, from: \"09:00\", to: \"10:00\", time_zone: Mars/Olympus }\n", 10, 57,
            "guards.freeze_windows[0].time_zone: unknown time zone 'Mars/Olympus' (an IANA id such as Europe/London, or UTC; is tzdata installed?)"
        },
        { "    - { from: \"09:00\", to: \"10:00\" }\n", 10, 7, "guards.freeze_windows[0]: missing required key 'name'" },
        {
            "    - { name: w, from: \"09:00\", to: \"10:00\" }\n    - { name: w, from: \"11:00\", to: \"12:00\" }\n", 11, 15,
            "guards.freeze_windows[1].name: duplicate freeze window name 'w' (first at line 10)"
        },
    };

    [Theory]
    [MemberData(nameof(FreezeWindowErrors))]
    public void Load_BadFreezeWindow_ReportsItAtItsNode(string windows, int line, int column, string message)
    {
        var yaml = Head + "guards:\n  allowed_namespaces: [payments]\n  freeze_windows:\n" + windows;

        var error = Assert.Single(PolicyLoader.Load(yaml).Errors);

        Assert.Equal(new PolicyError(line, column, message), error);
    }

    [Theory]
    [InlineData("mon", DayOfWeek.Monday)]
    [InlineData("Sunday", DayOfWeek.Sunday)]
    [InlineData("SAT", DayOfWeek.Saturday)]
    public void Load_RecurringWindowDays_ShortOrFullNamesInAnyCase(string day, DayOfWeek expected)
    {
        var yaml = Head + $"guards:\n  allowed_namespaces: [payments]\n  freeze_windows:\n    - {{ name: w, days: [{day}], from: \"22:00\", to: \"02:00\", time_zone: utc }}\n";

        var window = Assert.Single(PolicyLoader.Load(yaml).GetDocumentOrThrow().Guards.FreezeWindows);

        Assert.Equal([expected], window.Days);
        Assert.Equal((new TimeOnly(22, 0), new TimeOnly(2, 0)), (window.From, window.To)); // spans midnight
        Assert.Equal("UTC", window.TimeZone);
    }

    [Fact]
    public void Load_OneOffWindowWithOffset_KeepsTheInstant()
    {
        var yaml = Head + "guards:\n  allowed_namespaces: [payments]\n  freeze_windows:\n    - { name: w, start: \"2026-03-01T09:00:00+01:00\", end: 2026-03-01T12:00:00Z }\n";

        var window = Assert.Single(PolicyLoader.Load(yaml).GetDocumentOrThrow().Guards.FreezeWindows);

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), window.End);
    }

    [Fact]
    public void Load_SeveralErrors_ReportsEveryOneInFileOrder()
    {
        const string yaml = """
            apiVersion: finscale.io/v2
            kind: RemediationPolicy
            rules:
              - name: r
                when: { finding: canary_regression, min_score: 2 }
                action: cordon_node
              - name: r
                when: { finding: traffic_surge }
                action: scale
                params: { factor: 0.5 }
            guards:
              cooldwn: 15m
              max_workload_share: 0
              allowed_namespaces: [payments]
            """;

        var result = PolicyLoader.Load(yaml);

        Assert.False(result.IsValid);
        Assert.Null(result.Document);
        Assert.Equal(
        [
            (1, 13), // apiVersion
            (5, 52), // min_score
            (6, 13), // cordon_node for a canary
            (7, 11), // duplicate name
            (10, 23), // factor
            (12, 3), // cooldwn
            (13, 23), // max_workload_share
        ], result.Errors.Select(e => (e.Line, e.Column)));
    }

    [Theory]
    [InlineData("apiVersion: finscale.io/v2\nkind: RemediationPolicy\nrules: []\n", 1, 13, "apiVersion: expected 'finscale.io/v1', got 'finscale.io/v2'")]
    [InlineData("apiVersion: finscale.io/v1\nrules: []\n", 1, 1, "the policy: missing required key 'kind'")]
    [InlineData("apiVersion: finscale.io/v1\nkind: RemediationPolicy\n", 1, 1, "the policy: missing required key 'rules'")]
    [InlineData("apiVersion: finscale.io/v1\nkind: RemediationPolicy\nrules: {}\n", 3, 8, "rules: expected a list, got a mapping")]
    [InlineData("- just\n- a list\n", 1, 1, "the policy: expected a mapping, got a list")]
    [InlineData("", 1, 1, "the policy is empty; expected a mapping with apiVersion, kind and rules")]
    public void Load_BadDocumentShape_ReportsIt(string yaml, int line, int column, string message)
    {
        var error = Assert.Single(PolicyLoader.Load(yaml).Errors);

        Assert.Equal(new PolicyError(line, column, message), error);
    }

    [Theory]
    [InlineData("guards:\n  cooldown: 15m\n stale_after: 5m\n", 9, 2)]            // indented less than its siblings
    [InlineData("guards:\n  cooldown: \"15m\n", 8, 13)]                         // unclosed quote
    [InlineData("guards:\n  cooldown: [15m\n  stale_after: 5m\n", 8, 13)]     // unclosed '[' (YamlDotNet throws without a position)
    public void Load_YamlSyntaxError_ReportsThePosition(string tail, int line, int column)
    {
        var error = Assert.Single(PolicyLoader.Load(Head + tail).Errors);

        Assert.StartsWith("YAML syntax error: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Load_DuplicateKey_IsASyntaxErrorAtTheSecondKey()
    {
        var error = Assert.Single(PolicyLoader.Load(Head + "kind: RemediationPolicy\n").Errors);

        Assert.Equal((7, 1), (error.Line, error.Column));
        Assert.Contains("Duplicate key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SecondYamlDocument_IsAnError()
    {
        var error = Assert.Single(PolicyLoader.Load(Head + "---\nkind: Other\n").Errors);

        Assert.Equal(new PolicyError(8, 1, "one policy per file: found a second YAML document"), error);
    }

    [Fact]
    public void GetDocumentOrThrow_Invalid_ThrowsWithEveryErrorFormattedWithTheFile()
    {
        var result = PolicyLoader.Load("apiVersion: finscale.io/v2\nkind: Policy\nrules: []\n", "team.yaml");

        var ex = Assert.Throws<PolicyValidationException>(result.GetDocumentOrThrow);

        Assert.Equal("team.yaml", ex.File);
        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains("team.yaml:1:13: apiVersion: expected 'finscale.io/v1', got 'finscale.io/v2'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("team.yaml:2:7: kind: expected 'RemediationPolicy', got 'Policy'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_Missing_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => PolicyLoader.LoadFile(Path.Combine(Path.GetTempPath(), "no-such-policy-" + Guid.NewGuid() + ".yaml")));
    }

    [Fact]
    public void LoadFile_ShippedPolicy_LoadsWithNoErrors()
    {
        var result = PolicyLoader.LoadFile(ShippedPolicyPath());

        Assert.Empty(result.Errors);
        Assert.True(result.IsValid);
        // The shipped file lists no namespaces on purpose: teams must name their own.
        Assert.Contains(result.Warnings, w => w.Message.Contains("no namespace is allowed", StringComparison.Ordinal));
    }

    [Fact]
    public void Default_IsTheEmbeddedCopyOfTheShippedFile_AllInShadow()
    {
        Assert.Equal(File.ReadAllText(ShippedPolicyPath()), PolicyLoader.DefaultText);

        var policy = PolicyLoader.Default;
        Assert.All(Enum.GetValues<ActionKind>(), k => Assert.Equal(ExecutionMode.Shadow, policy.Modes.Of(k)));
        Assert.Equal(ActionKind.RestartPod, Rule(policy, FindingKind.PodFault).Action);
        Assert.Equal(ActionKind.CordonNode, Rule(policy, FindingKind.NodeFault).Action);
        Assert.Equal((ActionKind.ShiftTraffic, 0), (Rule(policy, FindingKind.CanaryRegression).Action, Rule(policy, FindingKind.CanaryRegression).Parameters.CanaryWeight));
        Assert.Equal(ActionKind.Scale, Rule(policy, FindingKind.TrafficSurge).Action);
        Assert.Equal(ActionKind.None, Rule(policy, FindingKind.ServiceFault).Action);
        Assert.Equal(ActionKind.None, Rule(policy, FindingKind.Unattributed).Action);
        Assert.Empty(policy.Guards.AllowedNamespaces);
    }

    private static PolicyRule Rule(RemediationPolicyDocument policy, FindingKind finding) => policy.Rules.First(r => r.Finding == finding);

    private static string ShippedPolicyPath([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "deploy", "base", "policy.yaml"));
}
