using System.Text.Json;
using FinScale.Contracts;
using FinScale.Streaming.Audit;
using FinScale.Streaming.Tests.Avro;

namespace FinScale.Streaming.Tests.Audit;

public sealed class AuditJsonTests
{
    [Fact]
    public void Format_Decision_OneLineWithSnakeCaseKeysAndSymbols()
    {
        var json = AuditJson.Format(TestRecords.Decision(ExecutionMode.Shadow, ActionKind.RestartPod, DecisionOutcome.HeldBack, guard: "max-restarts"));

        Assert.DoesNotContain('\n', json);
        Assert.DoesNotContain('\r', json);
        Assert.Contains("\"decision_id\":\"d-42\"", json, StringComparison.Ordinal);
        Assert.Contains("\"idempotency_key\":\"idem-42\"", json, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"restart_pod\"", json, StringComparison.Ordinal);
        Assert.Contains("\"mode\":\"shadow\"", json, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"held_back\"", json, StringComparison.Ordinal);
        Assert.Contains("\"guard\":\"max-restarts\"", json, StringComparison.Ordinal);
        Assert.Contains("\"event_time\":", json, StringComparison.Ordinal);
        Assert.Contains("\"z_score\":", json, StringComparison.Ordinal);
        Assert.Contains("\"anomaly_id\":\"a1b2c3\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_Decision_AttributeKeysKeptVerbatim()
    {
        var json = AuditJson.Format(TestRecords.Decision());

        using var doc = JsonDocument.Parse(json);
        var attributes = doc.RootElement.GetProperty("anomaly").GetProperty("attributes");
        Assert.Equal("checkout", attributes.GetProperty(WellKnownAttributes.ServiceName).GetString());
    }

    [Theory]
    [InlineData(ExecutionMode.DryRun, "dry_run")]
    [InlineData(ExecutionMode.Enforce, "enforce")]
    public void Format_Mode_WritesAvroSymbol(ExecutionMode mode, string symbol)
    {
        var json = AuditJson.Format(TestRecords.Decision(mode));

        Assert.Contains($"\"mode\":\"{symbol}\"", json, StringComparison.Ordinal);
        Assert.Equal(AvroSymbol(mode), symbol);
    }

    public static TheoryData<ExecutionMode, ActionKind, DecisionOutcome> EveryEnumValue()
    {
        var data = new TheoryData<ExecutionMode, ActionKind, DecisionOutcome>();
        var modes = Enum.GetValues<ExecutionMode>();
        var actions = Enum.GetValues<ActionKind>();
        var outcomes = Enum.GetValues<DecisionOutcome>();
        for (var i = 0; i < Math.Max(modes.Length, Math.Max(actions.Length, outcomes.Length)); i++)
            data.Add(modes[i % modes.Length], actions[i % actions.Length], outcomes[i % outcomes.Length]);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryEnumValue))]
    public void Format_EnumValues_SpelledAsTheAvroSymbols(ExecutionMode mode, ActionKind action, DecisionOutcome outcome)
    {
        var json = AuditJson.Format(TestRecords.Decision(mode, action, outcome));

        using var doc = JsonDocument.Parse(json);
        Assert.Equal(FinScale.Streaming.Avro.AvroNames.Of(mode), doc.RootElement.GetProperty("mode").GetString());
        Assert.Equal(FinScale.Streaming.Avro.AvroNames.Of(action), doc.RootElement.GetProperty("action").GetString());
        Assert.Equal(FinScale.Streaming.Avro.AvroNames.Of(outcome), doc.RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public void Format_Anomaly_OneLineWithSnakeCaseKeys()
    {
        var json = AuditJson.Format(TestRecords.Anomaly());

        Assert.DoesNotContain('\n', json);
        Assert.Contains("\"anomaly_id\":\"a1b2c3\"", json, StringComparison.Ordinal);
        Assert.Contains("\"z_score\":-7.25", json, StringComparison.Ordinal);
        Assert.Contains("\"event_time\":", json, StringComparison.Ordinal);
    }

    public static TheoryData<ExecutionMode, ActionKind, DecisionOutcome, bool, string?> Shapes() => new()
    {
        { ExecutionMode.Shadow, ActionKind.RestartPod, DecisionOutcome.Recommended, true, null },
        { ExecutionMode.DryRun, ActionKind.RestartPod, DecisionOutcome.HeldBack, true, "cooldown" },
        { ExecutionMode.Enforce, ActionKind.RestartPod, DecisionOutcome.Executed, true, null },
        { ExecutionMode.Enforce, ActionKind.RestartPod, DecisionOutcome.Failed, true, null },
        { ExecutionMode.Shadow, ActionKind.None, DecisionOutcome.NoAction, false, null },
        { ExecutionMode.Shadow, ActionKind.Unknown, DecisionOutcome.Unknown, false, null },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ParseDecision_FormattedDecision_EqualInContent(ExecutionMode mode, ActionKind action, DecisionOutcome outcome, bool withTarget, string? guard)
    {
        var decision = TestRecords.Decision(mode, action, outcome, withTarget, guard);

        var parsed = AuditJson.ParseDecision(AuditJson.Format(decision));

        TestRecords.AssertSameContent(decision, parsed);
    }

    [Fact]
    public void ParseDecision_NonUtcEventTime_SameInstant()
    {
        var decision = TestRecords.Decision() with { EventTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(-5)) };

        var parsed = AuditJson.ParseDecision(AuditJson.Format(decision));

        Assert.Equal(decision.EventTime, parsed.EventTime);
    }

    [Fact]
    public void ParseDecision_Null_ThrowsJsonException()
    {
        Assert.Throws<JsonException>(() => AuditJson.ParseDecision("null"));
    }

    private static string AvroSymbol(ExecutionMode mode) => FinScale.Streaming.Avro.AvroNames.Of(mode);
}
