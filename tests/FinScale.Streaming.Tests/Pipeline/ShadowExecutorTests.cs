using FinScale.Remediation.Planning;
using FinScale.Contracts;
using FinScale.Streaming.Pipeline;
using FinScale.Streaming.Tests.Avro;

namespace FinScale.Streaming.Tests.Pipeline;

public sealed class ShadowExecutorTests
{
    private readonly ShadowExecutor _executor = new();

    [Fact]
    public void Modes_Always_ShadowOnly()
    {
        Assert.Equal([ExecutionMode.Shadow], _executor.Modes);
    }

    [Fact]
    public async Task ExecuteAsync_ShadowDecision_ReturnsItUnchanged()
    {
        var decision = TestRecords.Decision(ExecutionMode.Shadow, outcome: DecisionOutcome.Recommended);

        var result = await _executor.ExecuteAsync(new PlannedDecision(decision), CancellationToken.None);

        Assert.Same(decision, result);
    }

    [Theory]
    [InlineData(ExecutionMode.Enforce)]
    [InlineData(ExecutionMode.DryRun)]
    public async Task ExecuteAsync_NonShadowDecision_Throws(ExecutionMode mode)
    {
        var decision = TestRecords.Decision(mode);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await _executor.ExecuteAsync(new PlannedDecision(decision), CancellationToken.None));

        Assert.Contains(mode.ToString(), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _executor.ExecuteAsync(new PlannedDecision(TestRecords.Decision()), cts.Token));
    }

    [Fact]
    public async Task ExecuteAsync_Null_ThrowsArgumentNull()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await _executor.ExecuteAsync(null!, CancellationToken.None));
    }
}
