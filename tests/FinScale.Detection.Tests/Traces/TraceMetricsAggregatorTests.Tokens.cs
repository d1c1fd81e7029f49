using FinScale.Contracts;
using FinScale.Detection.Traces;
using static FinScale.Detection.Tests.Traces.TraceTestKit;

namespace FinScale.Detection.Tests.Traces;

public partial class TraceMetricsAggregatorTests
{
    [Fact]
    public void Flush_OneTokenForManySpansAcrossWindows_ReleasesItOncePerSpan()
    {
        var kit = new TraceTestKit();
        var record = new object();
        for (var i = 0; i < 7; i++)
            kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + (i * 4_000)), record);
        kit.Flush();

        Assert.Equal(7, kit.Released.Count(t => ReferenceEquals(t, record)));
        kit.Flush();
        Assert.Equal(7, kit.Released.Count);
    }

    [Fact]
    public void Flush_UnpairedSpanWhoseRedWindowWasAlreadyEmitted_ReleasesItsTokenInThatFlush()
    {
        var kit = new TraceTestKit();
        var token = new object();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100, trace: 7, spanId: 0xB2, parent: 0xA1), token);
        kit.Add(Span(CheckoutA, "tick", SpanKind.Internal, T0 + 15_000));
        kit.Advance();
        Assert.NotEmpty(kit.Points);
        Assert.DoesNotContain(token, kit.Released);

        kit.Flush();
        Assert.Single(kit.Released, token);
        Assert.Equal(1, kit.Aggregator.UnpairedExpired);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void AdvanceAndFlush_RandomSpansAndTokens_ReleaseEveryTokenExactlyAsOftenAsAddedAndNeverBeforeItsPoints(int seed)
    {
        var rng = new Random(seed);
        var options = new TraceMetricsOptions
        {
            AllowedLateness = TimeSpan.FromMilliseconds(rng.Next(0, 8_000)),
            ServiceGraphWait = TimeSpan.FromMilliseconds(rng.Next(3_000, 15_000)),
        };
        var windowMs = (long)options.Window.TotalMilliseconds;
        var latenessMs = (long)options.AllowedLateness.TotalMilliseconds;
        var kit = new TraceTestKit(options);
        var spans = TokenWorkload(rng, 4_000);

        // Model of what each span must have produced before its record may be committed.
        var watermark = long.MinValue;
        var lateSpan = new bool[spans.Count];
        for (var i = 0; i < spans.Count; i++)
        {
            var endMs = spans[i].Span.EndUnixNano / 1_000_000;
            watermark = Math.Max(watermark, endMs);
            lateSpan[i] = (((endMs / windowMs) + 1) * windowMs) + latenessMs <= watermark;
        }

        var required = new Dictionary<object, List<int>>(ReferenceEqualityComparer.Instance);
        var added = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < spans.Count; i++)
        {
            var (span, token, partner) = spans[i];
            added[token] = added.GetValueOrDefault(token) + 1;
            if (!required.TryGetValue(token, out var list))
                required[token] = list = [];
            if (lateSpan[i])
                continue;
            var endMs = span.EndUnixNano / 1_000_000;
            var windowEnd = ((endMs / windowMs) + 1) * windowMs;
            list.Add(Require(kit, TraceMetricNames.Calls, Red(span.Resource, span.Name, span.Kind, span.Status), windowEnd));
            if (partner >= 0 && !lateSpan[partner])
            {
                var other = spans[partner].Span;
                var client = span.Kind == SpanKind.Client ? span : other;
                var server = span.Kind == SpanKind.Client ? other : span;
                var pairEnd = Math.Max(endMs, other.EndUnixNano / 1_000_000);
                list.Add(Require(kit, TraceMetricNames.GraphCalls, Edge(client.Resource.ServiceName, server.Resource.ServiceName), ((pairEnd / windowMs) + 1) * windowMs));
            }
            else if (partner == -2)
            {
                list.Add(Require(kit, TraceMetricNames.GraphCalls, Edge(span.Resource.ServiceName, span.PeerService!, serverNs: null, connection: TraceMetricNames.VirtualNode), windowEnd));
            }
        }

        var emitted = new HashSet<(int, long)>();
        var releasedSoFar = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        var advances = 0;

        void Check()
        {
            foreach (var p in kit.Points)
                emitted.Add((p.SeriesId, p.TimestampMs));
            foreach (var token in kit.Released)
            {
                var n = releasedSoFar[token] = releasedSoFar.GetValueOrDefault(token) + 1;
                Assert.True(n <= added.GetValueOrDefault(token), "a token came back more often than it was added");
                if (n == added[token])
                {
                    // The record is complete: everything its spans contributed to is out.
                    foreach (var requirement in required[token])
                        Assert.True(emitted.Contains(Requirements[requirement]), $"token completed before {kit.Catalog.TextOf(Requirements[requirement].Item1)} at {Requirements[requirement].Item2}");
                }
            }

            kit.Points.Clear();
            kit.Released.Clear();
        }

        for (var i = 0; i < spans.Count; i++)
        {
            kit.Add(spans[i].Span, spans[i].Token);
            if (rng.Next(25) == 0)
            {
                kit.Advance();
                advances++;
                Check();
            }
        }

        kit.Flush();
        Check();

        Assert.True(advances > 10);
        Assert.Equal(added.Count, releasedSoFar.Count);
        foreach (var (token, n) in added)
            Assert.Equal(n, releasedSoFar[token]);
        Assert.Equal(spans.Count, kit.Aggregator.SpansAccepted + kit.Aggregator.LateSpansDropped);
        Assert.True(kit.Aggregator.LateSpansDropped > 0, "the workload should include late spans");
        Assert.True(kit.Aggregator.EdgesPaired > 50, $"paired {kit.Aggregator.EdgesPaired}");
        Assert.True(kit.Aggregator.VirtualEdges > 10, $"virtual {kit.Aggregator.VirtualEdges}");
        Assert.Equal(0, kit.Aggregator.PendingCount);
        Assert.Equal(0, kit.Aggregator.OpenWindows);
    }

    /// <summary>(series id, timestamp) pairs a span requires, indexed; interned up front so the check can look them up.</summary>
    private List<(int, long)> Requirements { get; } = [];

    private int Require(TraceTestKit kit, string metric, Dictionary<string, string> attributes, long ts)
    {
        var id = kit.Catalog.GetOrAdd(SeriesKey.Create(metric, attributes));
        Requirements.Add((id, ts));
        return Requirements.Count - 1;
    }

    /// <summary>
    /// Spans grouped into records (consecutive spans share a token). Partner is the index of the other half of a
    /// client/server pair, -2 for a client of a virtual peer, -1 otherwise. Pair halves are spread over records and
    /// arrive in either order within ~2 s (well inside the wait); a few internal spans come 20-40 s late.
    /// </summary>
    private static List<(SpanRecord Span, object Token, int Partner)> TokenWorkload(Random rng, int count)
    {
        SpanResource[] servers = [CheckoutA, CheckoutB, CheckoutC];
        var spans = new List<(SpanRecord Span, int Partner)>(count);
        var deferred = new List<(int Due, SpanRecord Span, int PartnerSlot)>();
        var t = T0 + rng.Next(0, 10_000);
        ulong id = 1;
        var step = 0;
        while (spans.Count < count)
        {
            step++;
            t += rng.Next(0, 120);
            var status = rng.Next(15) == 0 ? SpanStatus.Error : SpanStatus.Unset;
            switch (rng.Next(6))
            {
                case 0:
                case 1:
                {
                    var trace = (UInt128)id++;
                    var clientId = id++;
                    var client = Span(Frontend, "GET /cart", SpanKind.Client, t, rng.Next(5, 300), status, trace, clientId);
                    var server = Span(servers[rng.Next(3)], "GET /cart", SpanKind.Server, t - rng.Next(0, 2_000), rng.Next(1, 200), SpanStatus.Unset, trace, id++, clientId);
                    var (now, later) = rng.Next(2) == 0 ? (client, server) : (server, client);
                    spans.Add((now, -1));
                    deferred.Add((step + rng.Next(0, 15), later, spans.Count - 1));
                    break;
                }

                case 2:
                    spans.Add((Span(servers[rng.Next(3)], "SELECT", SpanKind.Client, t, rng.Next(1, 50), status, (UInt128)id++, id++, 7, "postgres"), -2));
                    break;
                case 3:
                    spans.Add((Span(servers[rng.Next(3)], "render", SpanKind.Internal, rng.Next(40) == 0 ? t - rng.Next(20_000, 40_000) : t, rng.Next(1, 3_000), status), -1));
                    break;
                default:
                    spans.Add((Span(Frontend, "GET /", SpanKind.Server, t, rng.Next(1, 500), status, (UInt128)id++, id++), -1));
                    break;
            }

            for (var d = deferred.Count - 1; d >= 0; d--)
            {
                if (deferred[d].Due > step || spans.Count >= count)
                    continue;
                spans.Add((deferred[d].Span, deferred[d].PartnerSlot));
                spans[deferred[d].PartnerSlot] = (spans[deferred[d].PartnerSlot].Span, spans.Count - 1);
                deferred.RemoveAt(d);
            }
        }

        // Unmatched halves left in deferred keep Partner -1 on their first half: they simply expire.
        var result = new List<(SpanRecord, object, int)>(spans.Count);
        object token = new();
        for (var i = 0; i < spans.Count; i++)
        {
            if (rng.Next(6) == 0)
                token = new object();
            result.Add((spans[i].Span, token, spans[i].Partner));
        }

        return result;
    }
}
