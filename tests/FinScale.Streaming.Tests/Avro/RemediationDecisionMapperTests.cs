using Avro.Generic;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

public sealed class RemediationDecisionMapperTests
{
    private readonly RemediationDecisionMapper _mapper = new();

    [Theory]
    [InlineData(ExecutionMode.Shadow, "shadow")]
    [InlineData(ExecutionMode.DryRun, "dry_run")]
    [InlineData(ExecutionMode.Enforce, "enforce")]
    public void ToAvro_Mode_WritesSchemaSymbol(ExecutionMode mode, string symbol)
    {
        var record = _mapper.ToAvro(TestRecords.Decision(mode: mode));

        Assert.Equal(symbol, ((GenericEnum)record["mode"]).Value);
    }

    [Theory]
    [InlineData(ActionKind.None, "none")]
    [InlineData(ActionKind.RestartPod, "restart_pod")]
    [InlineData(ActionKind.Unknown, "unknown")]
    public void ToAvro_Action_WritesSchemaSymbol(ActionKind action, string symbol)
    {
        var record = _mapper.ToAvro(TestRecords.Decision(action: action));

        Assert.Equal(symbol, ((GenericEnum)record["action"]).Value);
    }

    [Theory]
    [InlineData(DecisionOutcome.Recommended, "recommended")]
    [InlineData(DecisionOutcome.HeldBack, "held_back")]
    [InlineData(DecisionOutcome.Executed, "executed")]
    [InlineData(DecisionOutcome.Failed, "failed")]
    [InlineData(DecisionOutcome.NoAction, "no_action")]
    [InlineData(DecisionOutcome.Unknown, "unknown")]
    public void ToAvro_Outcome_WritesSchemaSymbol(DecisionOutcome outcome, string symbol)
    {
        var record = _mapper.ToAvro(TestRecords.Decision(outcome: outcome));

        Assert.Equal(symbol, ((GenericEnum)record["outcome"]).Value);
    }

    [Fact]
    public void ToAvro_EveryEnumValue_IsASymbolOfItsSchemaEnum()
    {
        var schema = AvroSchemas.RemediationDecision;
        Assert.All(Enum.GetValues<ExecutionMode>(), v => Assert.Contains(AvroNames.Of(v), ((global::Avro.EnumSchema)schema["mode"].Schema).Symbols));
        Assert.All(Enum.GetValues<ActionKind>(), v => Assert.Contains(AvroNames.Of(v), ((global::Avro.EnumSchema)schema["action"].Schema).Symbols));
        Assert.All(Enum.GetValues<DecisionOutcome>(), v => Assert.Contains(AvroNames.Of(v), ((global::Avro.EnumSchema)schema["outcome"].Schema).Symbols));
    }

    [Fact]
    public void ToAvro_NoTargetNoGuard_WritesNulls()
    {
        var record = _mapper.ToAvro(TestRecords.Decision(withTarget: false, guard: null));

        Assert.Null(record["target"]);
        Assert.Null(record["guard"]);
    }

    [Fact]
    public void FromAvro_UnknownSymbolsFromNewerWriter_MapToUnknown()
    {
        var record = _mapper.ToAvro(TestRecords.Decision(action: ActionKind.Unknown, outcome: DecisionOutcome.Unknown));

        var decision = _mapper.FromAvro(record);

        Assert.Equal(ActionKind.Unknown, decision.Action);
        Assert.Equal(DecisionOutcome.Unknown, decision.Outcome);
    }
}
