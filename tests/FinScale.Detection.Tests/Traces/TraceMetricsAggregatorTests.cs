using FinScale.Contracts;
using FinScale.Detection.Traces;
using static FinScale.Detection.Tests.Traces.TraceTestKit;

namespace FinScale.Detection.Tests.Traces;

public partial class TraceMetricsAggregatorTests
{
    private const long W0End = T0 + 10_000;

    [Fact]
    public void Advance_HundredSpansDurationsOneToHundred_EmitsRateMeanAndBucketQuantiles()
    {
        var kit = new TraceTestKit();
        for (var i = 1; i <= 100; i++)
            kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + (i * 50), durationMs: i));
        kit.Flush();

        var red = Red(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Unset);
        Assert.Equal(10.0, kit.Value(TraceMetricNames.Calls, red, W0End)!.Value, 9);
        Assert.Equal(50.5, kit.Value(TraceMetricNames.DurationMean, red, W0End)!.Value, 9);

        // Default bounds (10, 50] and (50, 100]: the estimates sit on the true quantiles within bucket resolution.
        Assert.Equal(50, kit.Value(TraceMetricNames.DurationP50, red, W0End)!.Value, 6);
        Assert.Equal(90, kit.Value(TraceMetricNames.DurationP90, red, W0End)!.Value, 6);
        Assert.Equal(99, kit.Value(TraceMetricNames.DurationP99, red, W0End)!.Value, 6);
        Assert.Equal(0.0, kit.Value(TraceMetricNames.ErrorRatio, Red(CheckoutA, "GET /cart", SpanKind.Server, null), W0End));
        Assert.Equal(100, kit.Aggregator.SpansAccepted);
    }

    [Fact]
    public void Advance_FiveErrorsInHundredCalls_ErrorRatioIsFivePercentAndCallsSplitByStatus()
    {
        var kit = new TraceTestKit();
        for (var i = 1; i <= 100; i++)
            kit.Add(Span(CheckoutA, "POST /pay", SpanKind.Server, T0 + (i * 50), durationMs: i, status: i % 20 == 0 ? SpanStatus.Error : SpanStatus.Ok));
        kit.Flush();

        Assert.Equal(0.05, kit.Value(TraceMetricNames.ErrorRatio, Red(CheckoutA, "POST /pay", SpanKind.Server, null), W0End)!.Value, 12);
        Assert.Equal(9.5, kit.Value(TraceMetricNames.Calls, Red(CheckoutA, "POST /pay", SpanKind.Server, SpanStatus.Ok), W0End)!.Value, 9);
        Assert.Equal(0.5, kit.Value(TraceMetricNames.Calls, Red(CheckoutA, "POST /pay", SpanKind.Server, SpanStatus.Error), W0End)!.Value, 9);
        Assert.Equal(60, kit.Value(TraceMetricNames.DurationMean, Red(CheckoutA, "POST /pay", SpanKind.Server, SpanStatus.Error), W0End)!.Value, 9);
        Assert.Equal(0.05, kit.Value(TraceMetricNames.ErrorRatio, Instance(CheckoutA, "POST /pay", SpanKind.Server, null), W0End)!.Value, 12);
    }

    [Fact]
    public void Advance_OneSpan_SeriesKeysAreExactlyTheDocumentedNamesAndAttributes()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100, status: SpanStatus.Ok));
        kit.Flush();

        string[] perStatus = [TraceMetricNames.Calls, TraceMetricNames.DurationMean, TraceMetricNames.DurationP50, TraceMetricNames.DurationP90, TraceMetricNames.DurationP99];
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attributes in new[] { Red(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Ok), Instance(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Ok) })
        {
            foreach (var metric in perStatus)
                expected.Add(SeriesKey.Create(metric, attributes).Text);
        }

        expected.Add(SeriesKey.Create(TraceMetricNames.ErrorRatio, Red(CheckoutA, "GET /cart", SpanKind.Server, null)).Text);
        expected.Add(SeriesKey.Create(TraceMetricNames.ErrorRatio, Instance(CheckoutA, "GET /cart", SpanKind.Server, null)).Text);

        Assert.Equal(expected.Order(StringComparer.Ordinal), kit.SeriesTexts().Order(StringComparer.Ordinal));
        Assert.Contains(
            "traces.span.metrics.calls{k8s.namespace.name=\"shop\",service.name=\"checkout\",span.kind=\"SPAN_KIND_SERVER\",span.name=\"GET /cart\",status.code=\"STATUS_CODE_OK\"}",
            kit.SeriesTexts());
        Assert.Contains(
            "traces.span.metrics.error_ratio{k8s.deployment.name=\"checkout\",k8s.namespace.name=\"shop\",k8s.node.name=\"node-a\",k8s.pod.name=\"checkout-7d9f-aaaaa\",service.name=\"checkout\",service.version=\"1.4.2\",span.kind=\"SPAN_KIND_SERVER\",span.name=\"GET /cart\"}",
            kit.SeriesTexts());
        Assert.All(kit.Points, p => Assert.Equal(W0End, p.TimestampMs));
    }

    [Fact]
    public void Advance_ResourceWithoutNamespaceOrInstanceAttributes_EmitsServiceLevelOnlyWithoutNamespace()
    {
        var kit = new TraceTestKit();
        var bare = new SpanResource("batch", null, null, "", null, null);
        kit.Add(Span(bare, "run", SpanKind.Internal, T0 + 100));
        kit.Flush();

        var expected = new[] { TraceMetricNames.Calls, TraceMetricNames.DurationMean, TraceMetricNames.DurationP50, TraceMetricNames.DurationP90, TraceMetricNames.DurationP99 }
            .Select(m => SeriesKey.Create(m, Red(bare, "run", SpanKind.Internal, SpanStatus.Unset)).Text)
            .Append(SeriesKey.Create(TraceMetricNames.ErrorRatio, Red(bare, "run", SpanKind.Internal, null)).Text);
        Assert.Equal(expected.Order(StringComparer.Ordinal), kit.SeriesTexts().Order(StringComparer.Ordinal));
        Assert.Equal(6, kit.Points.Count);
    }

    [Fact]
    public void Advance_OneSlowPodAmongPeers_InstanceSeriesSeparateItWhileServiceSeriesBlend()
    {
        var kit = new TraceTestKit();
        for (var i = 0; i < 300; i++)
        {
            var pod = (i % 3) switch { 0 => CheckoutA, 1 => CheckoutB, _ => CheckoutC };
            var slow = ReferenceEquals(pod, CheckoutB);
            kit.Add(Span(pod, "GET /cart", SpanKind.Server, T0 + (i * 30), durationMs: slow ? 700 + (i % 50) : 5 + (i % 3)));
        }

        kit.Flush();

        double P99(SpanResource r) => kit.Value(TraceMetricNames.DurationP99, Instance(r, "GET /cart", SpanKind.Server, SpanStatus.Unset), W0End)!.Value;
        Assert.InRange(P99(CheckoutB), 700, 800);
        Assert.InRange(P99(CheckoutA), 4, 10);
        Assert.InRange(P99(CheckoutC), 4, 10);
        Assert.Equal(10.0, kit.Value(TraceMetricNames.Calls, Instance(CheckoutB, "GET /cart", SpanKind.Server, SpanStatus.Unset), W0End)!.Value, 9);

        // The service-level series blends the pods: a third of calls slow.
        var service = Red(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Unset);
        Assert.Equal(30.0, kit.Value(TraceMetricNames.Calls, service, W0End)!.Value, 9);
        Assert.InRange(kit.Value(TraceMetricNames.DurationP50, service, W0End)!.Value, 4, 10);
        Assert.InRange(kit.Value(TraceMetricNames.DurationP99, service, W0End)!.Value, 700, 800);
    }

    [Fact]
    public void Advance_InstanceSeriesDisabled_EmitsNoPodSeries()
    {
        var kit = new TraceTestKit(new TraceMetricsOptions { EmitInstanceSeries = false });
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100));
        kit.Flush();

        Assert.Equal(6, kit.Points.Count);
        Assert.DoesNotContain(kit.SeriesTexts(), t => t.Contains(WellKnownAttributes.PodName, StringComparison.Ordinal));
    }

    [Fact]
    public void Advance_WatermarkBeforeWindowEndPlusLateness_EmitsNothingThenEmitsAtExactlyThatWatermark()
    {
        var kit = new TraceTestKit();
        var token = new object();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 9_999), token);

        kit.Add(Span(CheckoutA, "tick", SpanKind.Internal, W0End + 4_999));
        kit.Advance();
        Assert.Empty(kit.Points);
        Assert.DoesNotContain(token, kit.Released);
        Assert.Equal(W0End + 4_999, kit.Aggregator.WatermarkMs);

        kit.Add(Span(CheckoutA, "tick", SpanKind.Internal, W0End + 5_000));
        kit.Advance();
        Assert.NotEmpty(kit.Points);
        Assert.All(kit.Points, p => Assert.Equal(W0End, p.TimestampMs));
        Assert.Single(kit.Released, token);
        Assert.Equal(12, kit.Points.Count);
    }

    [Fact]
    public void Add_SpanForAWindowPastItsLateness_IsDroppedCountedAndItsTokenReleasedByTheNextCall()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100));
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, W0End + 6_000));
        var late = new object();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 9_000), late);

        Assert.Equal(1, kit.Aggregator.LateSpansDropped);
        Assert.Equal(2, kit.Aggregator.SpansAccepted);
        kit.Advance();
        Assert.Single(kit.Released, late);
        Assert.Equal(0.1, kit.Value(TraceMetricNames.Calls, Red(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Unset), W0End)!.Value, 9);
    }

    [Fact]
    public void Add_SpanInAWindowAlreadyFlushed_IsLateEvenBeforeItsLatenessPassed()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100));
        kit.Flush();
        var points = kit.Points.Count;

        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 200));
        kit.Flush();

        Assert.Equal(1, kit.Aggregator.LateSpansDropped);
        Assert.Equal(points, kit.Points.Count);
        Assert.Equal(2, kit.Released.Count);
    }

    [Fact]
    public void Add_SpanWithoutEndTime_IsDroppedAsInvalidAndReleased()
    {
        var kit = new TraceTestKit();
        var token = new object();
        kit.Aggregator.Add(new SpanRecord(1, 1, 0, CheckoutA, "x", SpanKind.Server, SpanStatus.Unset, 0, 0, null), token);
        kit.Advance();

        Assert.Equal(1, kit.Aggregator.InvalidSpansDropped);
        Assert.Single(kit.Released, token);
        Assert.Empty(kit.Points);
    }

    [Fact]
    public void Advance_KeyWithNoCallsInAWindow_EmitsNothingForItThere()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100));
        kit.Add(Span(CheckoutA, "GET /item", SpanKind.Server, T0 + 200));
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, W0End + 100));
        kit.Flush();

        var item = Red(CheckoutA, "GET /item", SpanKind.Server, SpanStatus.Unset);
        Assert.NotNull(kit.Value(TraceMetricNames.Calls, item, W0End));
        Assert.Null(kit.Value(TraceMetricNames.Calls, item, W0End + 10_000));
        Assert.Null(kit.Value(TraceMetricNames.ErrorRatio, Red(CheckoutA, "GET /item", SpanKind.Server, null), W0End + 10_000));
        Assert.Equal(1, kit.PointCount(TraceMetricNames.DurationP99, item));
        Assert.Equal(2, kit.PointCount(TraceMetricNames.Calls, Red(CheckoutA, "GET /cart", SpanKind.Server, SpanStatus.Unset)));
    }

    [Fact]
    public void Add_CatalogFull_CountsRefusedSeriesEmitsOnlyInternedOnesAndStillReleasesTokens()
    {
        // Room for exactly the six service-level series of the first key.
        var kit = new TraceTestKit(new TraceMetricsOptions { EmitInstanceSeries = false }, capacity: 6);
        var first = new object();
        var second = new object();
        kit.Add(Span(CheckoutA, "GET /cart", SpanKind.Server, T0 + 100), first);
        kit.Add(Span(Frontend, "GET /", SpanKind.Server, T0 + 200), second);
        kit.Add(Span(Frontend, "GET /", SpanKind.Server, T0 + 300), second);
        kit.Flush();

        Assert.Equal(6, kit.Catalog.Count);
        Assert.True(kit.Aggregator.SeriesRefused >= 6, $"refused {kit.Aggregator.SeriesRefused}");
        Assert.Equal(6, kit.Points.Count);
        Assert.All(kit.Points, p => Assert.Contains("checkout", kit.Catalog.TextOf(p.SeriesId), StringComparison.Ordinal));
        Assert.Equal(new[] { first, second, second }, kit.Released);
        Assert.Equal(6, kit.Aggregator.PointsEmitted);
    }

    [Fact]
    public void Add_UnknownKindAndStatusValues_ReadAsUnspecifiedAndUnsetWithoutDuplicateSeries()
    {
        var kit = new TraceTestKit();
        kit.Add(Span(CheckoutA, "odd", (SpanKind)42, T0 + 100, status: (SpanStatus)9));
        kit.Add(Span(CheckoutA, "odd", SpanKind.Unspecified, T0 + 200));
        kit.Flush();

        Assert.Equal(0.2, kit.Value(TraceMetricNames.Calls, Red(CheckoutA, "odd", SpanKind.Unspecified, SpanStatus.Unset), W0End)!.Value, 9);
    }

    [Fact]
    public void Add_SameSpansSameOrder_GiveTheSamePointsInTheSameOrder()
    {
        var spans = RandomWorkload(seed: 11, count: 3_000);
        var first = Replay(spans, advanceEvery: 37);
        var second = Replay(spans, advanceEvery: 37);

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Advance_CalledAtDifferentCadences_GivesTheSamePointStream()
    {
        var spans = RandomWorkload(seed: 5, count: 3_000);
        var rarely = Replay(spans, advanceEvery: 1_000);
        var often = Replay(spans, advanceEvery: 1);
        var never = Replay(spans, advanceEvery: int.MaxValue);

        Assert.Equal(often, rarely);
        Assert.Equal(often, never);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheKey()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TraceMetricsAggregator<object>(new TraceMetricsOptions { DurationBoundsMs = [5, 1] }, new SeriesCatalog(10)));
        Assert.Contains("Traces:DurationBoundsMs", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Runs the spans through a fresh aggregator, advancing every <paramref name="advanceEvery"/> spans, then flushing.</summary>
    private static List<(string Series, long Ts, double Value)> Replay(IReadOnlyList<SpanRecord> spans, int advanceEvery)
    {
        var kit = new TraceTestKit();
        for (var i = 0; i < spans.Count; i++)
        {
            kit.Add(spans[i]);
            if ((i + 1) % advanceEvery == 0)
                kit.Advance();
        }

        kit.Flush();
        Assert.Equal(spans.Count, kit.Released.Count);
        return kit.Points.Select(p => (kit.Catalog.TextOf(p.SeriesId), p.TimestampMs, p.Value)).ToList();
    }

    /// <summary>
    /// Services calling each other (pairs arriving in either order, some split across windows), internal spans,
    /// clients of uninstrumented peers, some late spans and errors.
    /// </summary>
    private static List<SpanRecord> RandomWorkload(int seed, int count)
    {
        var rng = new Random(seed);
        SpanResource[] resources = [Frontend, CheckoutA, CheckoutB, CheckoutC];
        string[] names = ["GET /", "GET /cart", "POST /pay", "db.query"];
        var spans = new List<SpanRecord>(count);
        var t = T0;
        ulong nextId = 1;
        while (spans.Count < count)
        {
            t += rng.Next(0, 40);
            var status = rng.Next(20) == 0 ? SpanStatus.Error : SpanStatus.Ok;
            switch (rng.Next(4))
            {
                case 0:
                {
                    var trace = (UInt128)nextId++;
                    var clientId = nextId++;
                    var client = Span(Frontend, "GET /cart", SpanKind.Client, t, rng.Next(5, 200), status, trace, clientId, 0);
                    var server = Span(resources[1 + rng.Next(3)], "GET /cart", SpanKind.Server, t - rng.Next(0, 3), rng.Next(1, 150), SpanStatus.Unset, trace, nextId++, clientId);
                    var clientFirst = rng.Next(2) == 0;
                    spans.Add(clientFirst ? client : server);
                    spans.Add(clientFirst ? server : client);
                    break;
                }

                case 1:
                    spans.Add(Span(resources[rng.Next(4)], names[rng.Next(4)], SpanKind.Client, t, rng.Next(1, 90), status, (UInt128)nextId++, nextId++, 1, rng.Next(2) == 0 ? "postgres" : null));
                    break;
                case 2:
                    spans.Add(Span(resources[rng.Next(4)], names[rng.Next(4)], SpanKind.Internal, rng.Next(30) == 0 ? t - 20_000 : t, rng.Next(1, 2_000), status));
                    break;
                default:
                    spans.Add(Span(resources[rng.Next(4)], names[rng.Next(4)], SpanKind.Server, t, rng.NextDouble() * 300, status, (UInt128)nextId++, nextId++, 0));
                    break;
            }
        }

        return spans;
    }
}
