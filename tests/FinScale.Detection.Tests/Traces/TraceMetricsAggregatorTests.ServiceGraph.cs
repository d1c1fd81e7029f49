using FinScale.Detection.Traces;
using static FinScale.Detection.Tests.Traces.TraceTestKit;

namespace FinScale.Detection.Tests.Traces;

public partial class TraceMetricsAggregatorTests
{
    private static readonly UInt128 Trace = UInt128.Parse("4bf92f3577b34da6a3ce929d0e0e4736", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Add_ClientAndServerInEitherOrder_PairIntoOneEdge(bool clientFirst)
    {
        var kit = new TraceTestKit();
        var client = Span(Frontend, "GET /cart", SpanKind.Client, T0 + 500, durationMs: 30, trace: Trace, spanId: 0xA1, parent: 0x01);
        var server = Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 495, durationMs: 20, trace: Trace, spanId: 0xB2, parent: 0xA1);
        kit.Add(clientFirst ? client : server);
        Assert.Equal(1, kit.Aggregator.PendingCount);
        kit.Add(clientFirst ? server : client);
        Assert.Equal(0, kit.Aggregator.PendingCount);
        kit.Flush();

        var edge = Edge("frontend", "checkout");
        Assert.Equal(1, kit.Aggregator.EdgesPaired);
        Assert.Equal(0.1, kit.Value(TraceMetricNames.GraphCalls, edge, W0End)!.Value, 9);
        Assert.Equal(0.0, kit.Value(TraceMetricNames.GraphFailed, edge, W0End));
        Assert.Equal(20, kit.Value(TraceMetricNames.GraphServerDurationP99, edge, W0End)!.Value, 6);
        Assert.Equal(20, kit.Value(TraceMetricNames.GraphServerDurationMean, edge, W0End)!.Value, 6);
        Assert.Equal(30, kit.Value(TraceMetricNames.GraphClientDurationP99, edge, W0End)!.Value, 6);
        Assert.Equal(0, kit.Aggregator.UnpairedExpired);
        Assert.Equal(2, kit.Released.Count);
    }

    [Fact]
    public void Add_EitherSideError_CountsTheRequestAsFailed()
    {
        var kit = new TraceTestKit();
        AddPair(kit, 0xA1, T0 + 100, SpanStatus.Ok, SpanStatus.Error);
        AddPair(kit, 0xA2, T0 + 200, SpanStatus.Error, SpanStatus.Unset);
        AddPair(kit, 0xA3, T0 + 300, SpanStatus.Ok, SpanStatus.Ok);
        kit.Flush();

        var edge = Edge("frontend", "checkout");
        Assert.Equal(0.3, kit.Value(TraceMetricNames.GraphCalls, edge, W0End)!.Value, 9);
        Assert.Equal(0.2, kit.Value(TraceMetricNames.GraphFailed, edge, W0End)!.Value, 9);
    }

    [Fact]
    public void Add_PairEndingInTwoWindows_CountsInTheWindowOfTheLaterEndingSpan()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 9_900, trace: Trace, spanId: 0xB2, parent: 0xA1));
        kit.Add(Span(Frontend, "GET /cart", SpanKind.Client, W0End + 100, trace: Trace, spanId: 0xA1));
        kit.Flush();

        var edge = Edge("frontend", "checkout");
        Assert.Null(kit.Value(TraceMetricNames.GraphCalls, edge, W0End));
        Assert.Equal(0.1, kit.Value(TraceMetricNames.GraphCalls, edge, W0End + 10_000)!.Value, 9);
        Assert.NotNull(kit.Value(TraceMetricNames.Calls, Red(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Unset), W0End));
    }

    [Fact]
    public void Advance_PairCompletingAfterTheWaitingHalfsRedWindowWasEmitted_HoldsItsTokenUntilTheEdgeIsEmitted()
    {
        var kit = new TraceTestKit();
        var clientToken = new object();
        var serverToken = new object();
        kit.Add(Span(Frontend, "GET /cart", SpanKind.Client, T0 + 9_000, trace: Trace, spanId: 0xA1), clientToken);
        kit.Add(Span(Frontend, "tick", SpanKind.Internal, W0End + 5_000));
        kit.Advance();
        Assert.NotNull(kit.Value(TraceMetricNames.Calls, Red(Frontend, "GET /cart", SpanKind.Client, SpanStatus.Unset), W0End));
        Assert.DoesNotContain(clientToken, kit.Released);

        // The server half, skewed into the next window, completes the pair while the client still waits.
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, W0End + 5_500, trace: Trace, spanId: 0xB2, parent: 0xA1), serverToken);
        Assert.Equal(1, kit.Aggregator.EdgesPaired);
        kit.Add(Span(Frontend, "tick", SpanKind.Internal, W0End + 10_000 + 9_999));
        kit.Advance();
        Assert.DoesNotContain(clientToken, kit.Released);
        Assert.Null(kit.Value(TraceMetricNames.GraphCalls, Edge("frontend", "checkout"), W0End + 10_000));

        kit.Add(Span(Frontend, "tick", SpanKind.Internal, W0End + 10_000 + 10_000));
        var before = kit.Points.Count;
        kit.Advance();
        Assert.Equal(0.1, kit.Value(TraceMetricNames.GraphCalls, Edge("frontend", "checkout"), W0End + 10_000)!.Value, 9);
        Assert.True(kit.Points.Count > before);
        Assert.Single(kit.Released, clientToken);
        Assert.Single(kit.Released, serverToken);
    }

    [Fact]
    public void Advance_UnpairedServerPastTheWait_ExpiresDroppedCountedAndReleased()
    {
        var kit = new TraceTestKit();
        var token = new object();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100, trace: Trace, spanId: 0xB2, parent: 0xA1), token);

        kit.Add(Span(CheckoutA, "tick", SpanKind.Internal, W0End + 9_999));
        kit.Advance();
        Assert.Equal(0, kit.Aggregator.UnpairedExpired);
        Assert.Equal(1, kit.Aggregator.PendingCount);
        Assert.DoesNotContain(token, kit.Released);

        kit.Add(Span(CheckoutA, "tick", SpanKind.Internal, W0End + 10_000));
        Assert.Equal(1, kit.Aggregator.UnpairedExpired);
        Assert.Equal(0, kit.Aggregator.PendingCount);
        kit.Advance();
        Assert.Single(kit.Released, token);
        Assert.DoesNotContain(kit.SeriesTexts(), t => t.StartsWith("traces.service_graph", StringComparison.Ordinal));

        // The client half arriving now is past its own window's lateness: late, not paired.
        kit.Add(Span(Frontend, "GET /cart", SpanKind.Client, T0 + 110, trace: Trace, spanId: 0xA1));
        Assert.Equal(1, kit.Aggregator.LateSpansDropped);
        Assert.Equal(0, kit.Aggregator.EdgesPaired);
    }

    [Fact]
    public void Advance_UnpairedClientNamingAPeerService_BecomesAnEdgeToThatVirtualNode()
    {
        var kit = new TraceTestKit();
        var token = new object();
        kit.Add(Span(CheckoutA, "SELECT orders", SpanKind.Client, T0 + 100, durationMs: 40, status: SpanStatus.Error, trace: Trace, spanId: 0xC3, parent: 0xB2, peer: "postgres"), token);
        kit.Add(Span(CheckoutA, "tick", SpanKind.Internal, W0End + 10_000));
        kit.Advance();

        var edge = Edge("checkout", "postgres", serverNs: null, connection: TraceMetricNames.VirtualNode);
        Assert.Equal(1, kit.Aggregator.VirtualEdges);
        Assert.Equal(0, kit.Aggregator.UnpairedExpired);
        Assert.Equal(0.1, kit.Value(TraceMetricNames.GraphCalls, edge, W0End)!.Value, 9);
        Assert.Equal(0.1, kit.Value(TraceMetricNames.GraphFailed, edge, W0End)!.Value, 9);
        Assert.Equal(40, kit.Value(TraceMetricNames.GraphClientDurationP99, edge, W0End)!.Value, 6);
        Assert.Null(kit.Value(TraceMetricNames.GraphServerDurationP99, edge, W0End));
        Assert.Null(kit.Value(TraceMetricNames.GraphServerDurationMean, edge, W0End));
        Assert.Single(kit.Released, token);
    }

    [Fact]
    public void Add_UnpairedClientWithoutPeerService_IsDroppedFromTheGraphAtFlush()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(CheckoutA, "GET /x", SpanKind.Client, T0 + 100, trace: Trace, spanId: 0xC3));
        kit.Flush();

        Assert.Equal(1, kit.Aggregator.UnpairedExpired);
        Assert.Equal(0, kit.Aggregator.VirtualEdges);
        Assert.Single(kit.Released);
    }

    [Fact]
    public void Add_WaitShorterThanLateness_SpanArrivingAfterItsWaitExpiresAtOnce()
    {
        var kit = new TraceTestKit(new TraceMetricsOptions { ServiceGraphWait = TimeSpan.Zero });
        kit.Add(Span(CheckoutA, "SELECT", SpanKind.Client, T0 + 100, trace: Trace, spanId: 0xC1, peer: "postgres"));
        kit.Add(Span(CheckoutA, "tick", SpanKind.Internal, W0End + 1));
        Assert.Equal(1, kit.Aggregator.VirtualEdges);
        kit.Add(Span(CheckoutA, "SELECT", SpanKind.Client, T0 + 200, trace: Trace, spanId: 0xC2, peer: "postgres"));
        Assert.Equal(2, kit.Aggregator.VirtualEdges);
        Assert.Equal(0, kit.Aggregator.PendingCount);
        kit.Flush();

        Assert.Equal(0.2, kit.Value(TraceMetricNames.GraphCalls, Edge("checkout", "postgres", serverNs: null, connection: TraceMetricNames.VirtualNode), W0End)!.Value, 9);
    }

    [Fact]
    public void Add_PendingStoreFull_DropsNewUnpairedSpansFromTheGraphAndCountsThem()
    {
        var kit = new TraceTestKit(new TraceMetricsOptions { MaxPendingSpans = 2 });
        for (ulong c = 1; c <= 3; c++)
            kit.Add(Span(Frontend, "GET /cart", SpanKind.Client, T0 + 100 + (long)c, trace: Trace, spanId: c));
        Assert.Equal(1, kit.Aggregator.PendingDropped);
        Assert.Equal(2, kit.Aggregator.PendingCount);

        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 200, trace: Trace, spanId: 0x11, parent: 1));
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 201, trace: Trace, spanId: 0x13, parent: 3));
        kit.Flush();

        Assert.Equal(1, kit.Aggregator.EdgesPaired);
        Assert.Equal(2, kit.Aggregator.UnpairedExpired);
        Assert.Equal(5, kit.Released.Count);
        Assert.Equal(0.1, kit.Value(TraceMetricNames.GraphCalls, Edge("frontend", "checkout"), W0End)!.Value, 9);
        Assert.Equal(0.3, kit.Value(TraceMetricNames.Calls, Red(Frontend, "GET /cart", SpanKind.Client, SpanStatus.Unset), W0End)!.Value, 9);
    }

    [Fact]
    public void Add_ProducerAndConsumer_PairAsAMessagingEdge()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(Frontend, "orders publish", SpanKind.Producer, T0 + 100, durationMs: 2, trace: Trace, spanId: 0xA1));
        kit.Add(Span(CheckoutA, "orders process", SpanKind.Consumer, T0 + 400, durationMs: 50, trace: Trace, spanId: 0xB1, parent: 0xA1));
        kit.Flush();

        var edge = Edge("frontend", "checkout", connection: TraceMetricNames.MessagingSystem);
        Assert.Equal(0.1, kit.Value(TraceMetricNames.GraphCalls, edge, W0End)!.Value, 9);
        Assert.Equal(50, kit.Value(TraceMetricNames.GraphServerDurationMean, edge, W0End)!.Value, 6);
    }

    [Fact]
    public void Add_SecondClientWithTheSameSpanIdWhileTheFirstWaits_IsCountedAsDuplicateAndStillReleased()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(Frontend, "GET /cart", SpanKind.Client, T0 + 100, trace: Trace, spanId: 0xA1));
        kit.Add(Span(Frontend, "GET /cart", SpanKind.Client, T0 + 100, trace: Trace, spanId: 0xA1));
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 90, trace: Trace, spanId: 0xB1, parent: 0xA1));
        kit.Flush();

        Assert.Equal(1, kit.Aggregator.DuplicateGraphSpans);
        Assert.Equal(1, kit.Aggregator.EdgesPaired);
        Assert.Equal(3, kit.Released.Count);
    }

    [Fact]
    public void Add_RootServerSpan_NeverWaitsForAPartner()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(Frontend, "GET /", SpanKind.Server, T0 + 100, trace: Trace, spanId: 0xA1, parent: 0));
        Assert.Equal(0, kit.Aggregator.PendingCount);
        kit.Flush();
        Assert.Equal(0, kit.Aggregator.UnpairedExpired);
    }

    private static void AddPair(TraceTestKit kit, ulong clientSpan, long endMs, SpanStatus clientStatus, SpanStatus serverStatus)
    {
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, endMs - 1, status: serverStatus, trace: Trace, spanId: clientSpan + 0x1000, parent: clientSpan));
        kit.Add(Span(Frontend, "GET /cart", SpanKind.Client, endMs, status: clientStatus, trace: Trace, spanId: clientSpan));
    }
}
