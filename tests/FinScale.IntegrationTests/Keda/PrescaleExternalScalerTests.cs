using FinScale.Host.Keda;
using FinScale.Host.Keda.Grpc;
using FinScale.Streaming.Prescale;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinScale.IntegrationTests.Keda;

/// <summary>
/// The KEDA external scaler as KEDA calls it: the server on a free port over h2c, a real gRPC client, and the
/// <see cref="PrescaleBoard"/> the forecast stage publishes to.
/// </summary>
public sealed class PrescaleExternalScalerTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly PrescaleBoard _board = new();
    private KedaScalerServer _server = null!;
    private GrpcChannel _channel = null!;
    private ExternalScaler.ExternalScalerClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KedaScalerServer.StartAsync(new KedaOptions { Port = 0 }, _board, NullLogger.Instance, CancellationToken.None)
            ?? throw new InvalidOperationException("the scaler did not start on a free port");
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.Port}");
        _client = new ExternalScaler.ExternalScalerClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public void StartAsync_Port0_ListensOnAChosenPort() => Assert.InRange(_server.Port, 1, 65535);

    [Fact]
    public async Task GetMetricSpec_DeploymentAndNamespace_OneMetricForTheTargetWithTargetOne()
    {
        var spec = await _client.GetMetricSpecAsync(Ref("checkout", "payments"), deadline: Deadline());

        var metric = Assert.Single(spec.MetricSpecs);
        Assert.Equal("finscale-prescale-payments-checkout", metric.MetricName);
        Assert.Equal(1, metric.TargetSize);
        Assert.Equal(1.0, metric.TargetSizeFloat);
    }

    [Fact]
    public async Task GetMetricSpec_NoNamespaceMetadata_UsesTheScaledObjectsNamespaceLowerCasedAndSanitized()
    {
        var spec = await _client.GetMetricSpecAsync(Ref("Checkout.V2_blue", ns: null, scaledObjectNamespace: "Payments"), deadline: Deadline());

        Assert.Equal("finscale-prescale-payments-checkout-v2-blue", Assert.Single(spec.MetricSpecs).MetricName);
    }

    [Fact]
    public async Task GetMetrics_Published_AnswersTheRecommendedReplicasAndFollowsTheNextPublish()
    {
        _board.Publish(Entry("payments", "checkout", 7));

        var first = Assert.Single((await _client.GetMetricsAsync(Request("checkout", "payments"), deadline: Deadline())).MetricValues);
        Assert.Equal("finscale-prescale-payments-checkout", first.MetricName);
        Assert.Equal(7, first.MetricValue_);
        Assert.Equal(7.0, first.MetricValueFloat);

        _board.Publish(Entry("payments", "checkout", 12));
        var second = Assert.Single((await _client.GetMetricsAsync(Request("checkout", "payments"), deadline: Deadline())).MetricValues);
        Assert.Equal(12, second.MetricValue_);
        Assert.Equal(12.0, second.MetricValueFloat);
    }

    [Fact]
    public async Task GetMetrics_NamespaceFromTheScaledObject_ReadsThatNamespacesEntry()
    {
        _board.Publish(Entry("payments", "checkout", 4));
        _board.Publish(Entry("staging", "checkout", 9));

        var value = Assert.Single((await _client.GetMetricsAsync(
            new GetMetricsRequest { ScaledObjectRef = Ref("checkout", ns: null, scaledObjectNamespace: "staging") }, deadline: Deadline())).MetricValues);

        Assert.Equal(9, value.MetricValue_);
    }

    [Fact]
    public async Task GetMetrics_NoRecommendationForTheTarget_FailsWithFailedPreconditionNamingIt()
    {
        _board.Publish(Entry("payments", "ledger", 5)); // another deployment's entry does not answer for checkout

        var ex = await Assert.ThrowsAsync<RpcException>(() => _client.GetMetricsAsync(Request("checkout", "payments"), deadline: Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("payments/checkout", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsActive_BeforeAnyEntry_FalseThenTrueOnceReplicasAreRecommendedAndFalseAtZero()
    {
        Assert.False((await _client.IsActiveAsync(Ref("checkout", "payments"), deadline: Deadline())).Result);

        _board.Publish(Entry("payments", "checkout", 3));
        Assert.True((await _client.IsActiveAsync(Ref("checkout", "payments"), deadline: Deadline())).Result);

        _board.Publish(Entry("payments", "checkout", 0));
        Assert.False((await _client.IsActiveAsync(Ref("checkout", "payments"), deadline: Deadline())).Result);
    }

    [Fact]
    public async Task StreamIsActive_Publish_SendsTheCurrentStateThenEachChange()
    {
        using var stop = new CancellationTokenSource(Generous);
        using var call = _client.StreamIsActive(Ref("checkout", "payments"), cancellationToken: stop.Token);
        var stream = call.ResponseStream;

        Assert.True(await stream.MoveNext(stop.Token));
        Assert.False(stream.Current.Result);

        _board.Publish(Entry("payments", "checkout", 3));
        Assert.True(await stream.MoveNext(stop.Token));
        Assert.True(stream.Current.Result);

        // Neither another target's publish nor a new count that keeps it active is a change: nothing is sent for them.
        var next = stream.MoveNext(stop.Token);
        _board.Publish(Entry("payments", "ledger", 0));
        _board.Publish(Entry("payments", "checkout", 5));
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(500), stop.Token)));

        // Going to 0 is.
        _board.Publish(Entry("payments", "checkout", 0));
        Assert.True(await next);
        Assert.False(stream.Current.Result);
    }

    [Fact]
    public async Task StreamIsActive_ServerStops_EndsTheStreamAndTheStopDoesNotWaitForIt()
    {
        using var stop = new CancellationTokenSource(Generous);
        using var call = _client.StreamIsActive(Ref("checkout", "payments"), cancellationToken: stop.Token);
        Assert.True(await call.ResponseStream.MoveNext(stop.Token));

        var stopping = TimeProvider.System.GetTimestamp();
        await _server.DisposeAsync();

        // Held back by the stream, the stop would take the server's whole 10 s stop timeout; the bound sits just under
        // it rather than near the usual few milliseconds, so a slow machine does not fail it.
        Assert.True(TimeProvider.System.GetElapsedTime(stopping) < TimeSpan.FromSeconds(9.5), "the open stream held the stop back");
        Assert.False(await call.ResponseStream.MoveNext(stop.Token));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Calls_NoDeploymentMetadata_FailWithInvalidArgumentNamingTheKey()
    {
        var noDeployment = new ScaledObjectRef { Name = "checkout", Namespace = "payments", ScalerMetadata = { ["namespace"] = "payments" } };

        var spec = await Assert.ThrowsAsync<RpcException>(() => _client.GetMetricSpecAsync(noDeployment, deadline: Deadline()).ResponseAsync);
        var metrics = await Assert.ThrowsAsync<RpcException>(() => _client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = noDeployment }, deadline: Deadline()).ResponseAsync);
        var active = await Assert.ThrowsAsync<RpcException>(() => _client.IsActiveAsync(noDeployment, deadline: Deadline()).ResponseAsync);

        foreach (var ex in new[] { spec, metrics, active })
        {
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Contains("'deployment'", ex.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StartAsync_PortInUse_ReturnsNullRatherThanFailingTheRun()
    {
        var second = await KedaScalerServer.StartAsync(new KedaOptions { Port = _server.Port }, _board, NullLogger.Instance, CancellationToken.None);

        Assert.Null(second);
    }

    [Fact]
    public async Task StartAsync_Disabled_ServesNothing()
    {
        var none = await KedaScalerServer.StartAsync(new KedaOptions { Enabled = false, Port = 0 }, _board, NullLogger.Instance, CancellationToken.None);

        Assert.Null(none);
    }

    private static DateTime Deadline() => TimeProvider.System.GetUtcNow().UtcDateTime + Generous;

    private static ScaledObjectRef Ref(string deployment, string? ns, string scaledObjectNamespace = "payments")
    {
        var r = new ScaledObjectRef { Name = "checkout-prescale", Namespace = scaledObjectNamespace };
        r.ScalerMetadata["scalerAddress"] = "finscale.finscale.svc.cluster.local:6000";
        r.ScalerMetadata["deployment"] = deployment;
        if (ns is not null)
            r.ScalerMetadata["namespace"] = ns;
        return r;
    }

    private static GetMetricsRequest Request(string deployment, string ns) =>
        new() { ScaledObjectRef = Ref(deployment, ns), MetricName = PrescaleExternalScaler.MetricName(ns, deployment) };

    private static PrescaleBoardEntry Entry(string ns, string deployment, int replicas) =>
        new(ns, deployment, replicas, ForecastUpper: replicas * 100.0, CurrentLoad: 250, CapacityPerReplica: 100, At: new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
}
