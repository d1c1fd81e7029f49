using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using FinScale.Telemetry.Kafka.Tests.Support;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OtlpMetrics = OpenTelemetry.Proto.Metrics.V1;

namespace FinScale.Telemetry.Kafka.Tests;

/// <summary>Metrics recorded through a MeterProvider with the Kafka exporter, read back from the embedded broker and decoded with the OTLP parser.</summary>
public sealed class MetricExportTests(KafkaClusterFixture kafka) : IClassFixture<KafkaClusterFixture>
{
    private static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(5);

    [Fact]
    public void Export_LongCounter_MonotonicCumulativeSumWithTypedAttributes()
    {
        long[] codes = [200, 201];
        string[] names = ["a", "b"];
        bool[] flags = [true, false];
        double[] weights = [1.5, 2.5];
        var run = Run(meter =>
        {
            var counter = meter.CreateCounter<long>("requests", "{request}", "Requests served");
            var tags = new TagList
            {
                { "route", "/pay" }, { "ok", true }, { "attempt", 2L }, { "ratio", 0.5 },
                { "codes", codes }, { "names", names }, { "flags", flags }, { "weights", weights },
            };
            counter.Add(3, tags);
            counter.Add(4, tags);
            counter.Add(10, new KeyValuePair<string, object?>("route", "/refund"));
        });

        var metric = Assert.Single(Assert.Single(run.Request.ResourceMetrics).ScopeMetrics.SelectMany(s => s.Metrics));
        Assert.Equal(("requests", "{request}", "Requests served"), (metric.Name, metric.Unit, metric.Description));
        Assert.Equal(OtlpMetrics.Metric.DataOneofCase.Sum, metric.DataCase);
        Assert.True(metric.Sum.IsMonotonic);
        Assert.Equal(OtlpMetrics.AggregationTemporality.Cumulative, metric.Sum.AggregationTemporality);
        Assert.Equal(2, metric.Sum.DataPoints.Count);

        var pay = metric.Sum.DataPoints.Single(p => OtlpAssert.Attribute(p.Attributes, "route").StringValue == "/pay");
        Assert.Equal(OtlpMetrics.NumberDataPoint.ValueOneofCase.AsInt, pay.ValueCase);
        Assert.Equal(7, pay.AsInt);
        Assert.True(OtlpAssert.Attribute(pay.Attributes, "ok").BoolValue);
        Assert.Equal(2, OtlpAssert.Attribute(pay.Attributes, "attempt").IntValue);
        Assert.Equal(0.5, OtlpAssert.Attribute(pay.Attributes, "ratio").DoubleValue);
        Assert.Equal(codes, OtlpAssert.Attribute(pay.Attributes, "codes").ArrayValue.Values.Select(v => v.IntValue));
        Assert.Equal(names, OtlpAssert.Attribute(pay.Attributes, "names").ArrayValue.Values.Select(v => v.StringValue));
        Assert.Equal(flags, OtlpAssert.Attribute(pay.Attributes, "flags").ArrayValue.Values.Select(v => v.BoolValue));
        Assert.Equal(weights, OtlpAssert.Attribute(pay.Attributes, "weights").ArrayValue.Values.Select(v => v.DoubleValue));
        Assert.Equal(8, pay.Attributes.Count);

        var refund = metric.Sum.DataPoints.Single(p => OtlpAssert.Attribute(p.Attributes, "route").StringValue == "/refund");
        Assert.Equal(10, refund.AsInt);
        Assert.Single(refund.Attributes);
        foreach (var point in metric.Sum.DataPoints)
        {
            AssertWindow(run, point.StartTimeUnixNano, point.TimeUnixNano);
        }

        Assert.Equal(1, run.Statistics.RecordsSent);
        Assert.Equal(2, run.Statistics.DataPointsSent);
        Assert.Equal(0, run.Statistics.RecordsDropped);
    }

    [Fact]
    public void Export_DoubleCounter_MonotonicSumAsDouble()
    {
        var run = Run(meter =>
        {
            var counter = meter.CreateCounter<double>("bytes.ratio");
            counter.Add(1.25);
            counter.Add(2.5);
        });

        var metric = SingleMetric(run.Request);
        Assert.True(metric.Sum.IsMonotonic);
        var point = Assert.Single(metric.Sum.DataPoints);
        Assert.Equal(OtlpMetrics.NumberDataPoint.ValueOneofCase.AsDouble, point.ValueCase);
        Assert.Equal(3.75, point.AsDouble);
        Assert.Empty(point.Attributes);
        AssertWindow(run, point.StartTimeUnixNano, point.TimeUnixNano);
    }

    [Fact]
    public void Export_UpDownCounters_NonMonotonicSums()
    {
        var run = Run(meter =>
        {
            var longs = meter.CreateUpDownCounter<long>("queue.depth");
            longs.Add(5);
            longs.Add(-8);
            var doubles = meter.CreateUpDownCounter<double>("balance");
            doubles.Add(1.5);
            doubles.Add(-4.0);
        });

        var metrics = Metrics(run.Request);
        var depth = metrics["queue.depth"];
        Assert.False(depth.Sum.IsMonotonic);
        Assert.Equal(OtlpMetrics.AggregationTemporality.Cumulative, depth.Sum.AggregationTemporality);
        Assert.Equal(-3, Assert.Single(depth.Sum.DataPoints).AsInt);
        var balance = metrics["balance"];
        Assert.False(balance.Sum.IsMonotonic);
        Assert.Equal(-2.5, Assert.Single(balance.Sum.DataPoints).AsDouble);
    }

    [Fact]
    public void Export_Gauges_LastValueAsIntAndDouble()
    {
        var run = Run(meter =>
        {
            meter.CreateObservableGauge("pool.size", () => new Measurement<long>(42, new KeyValuePair<string, object?>("pool", "db")));
            meter.CreateObservableGauge("cpu.utilization", () => 0.75);
            var gauge = meter.CreateGauge<long>("inflight");
            gauge.Record(5);
            gauge.Record(9);
        });

        var metrics = Metrics(run.Request);
        var pool = Assert.Single(metrics["pool.size"].Gauge.DataPoints);
        Assert.Equal(OtlpMetrics.Metric.DataOneofCase.Gauge, metrics["pool.size"].DataCase);
        Assert.Equal(42, pool.AsInt);
        Assert.Equal("db", OtlpAssert.Attribute(pool.Attributes, "pool").StringValue);
        var cpu = Assert.Single(metrics["cpu.utilization"].Gauge.DataPoints);
        Assert.Equal(OtlpMetrics.NumberDataPoint.ValueOneofCase.AsDouble, cpu.ValueCase);
        Assert.Equal(0.75, cpu.AsDouble);
        Assert.Equal(9, Assert.Single(metrics["inflight"].Gauge.DataPoints).AsInt);
        AssertWindow(run, pool.StartTimeUnixNano, pool.TimeUnixNano);
    }

    [Fact]
    public void Export_Histogram_ExplicitBoundsBucketCountsSumMinMax()
    {
        var run = Run(
            meter =>
            {
                var histogram = meter.CreateHistogram<double>("latency", "ms");
                foreach (var v in new[] { 5.0, 15, 150, -1, 10 })
                {
                    histogram.Record(v, new KeyValuePair<string, object?>("route", "/pay"));
                }
            },
            builder => builder.AddView("latency", new ExplicitBucketHistogramConfiguration { Boundaries = [0, 10, 100] }));

        var metric = SingleMetric(run.Request);
        Assert.Equal(OtlpMetrics.Metric.DataOneofCase.Histogram, metric.DataCase);
        Assert.Equal(OtlpMetrics.AggregationTemporality.Cumulative, metric.Histogram.AggregationTemporality);
        var point = Assert.Single(metric.Histogram.DataPoints);
        Assert.Equal(5UL, point.Count);
        Assert.True(point.HasSum);
        Assert.Equal(179.0, point.Sum);
        Assert.True(point.HasMin && point.HasMax);
        Assert.Equal(-1.0, point.Min);
        Assert.Equal(150.0, point.Max);
        Assert.Equal([0.0, 10, 100], point.ExplicitBounds);
        Assert.Equal([1UL, 2, 1, 1], point.BucketCounts);
        Assert.Equal("/pay", OtlpAssert.Attribute(point.Attributes, "route").StringValue);
        AssertWindow(run, point.StartTimeUnixNano, point.TimeUnixNano);
    }

    [Fact]
    public void Export_HistogramWithoutMinMax_LeavesMinAndMaxUnset()
    {
        var run = Run(
            meter => meter.CreateHistogram<long>("size").Record(7),
            builder => builder.AddView("size", new ExplicitBucketHistogramConfiguration { Boundaries = [10], RecordMinMax = false }));

        var point = Assert.Single(SingleMetric(run.Request).Histogram.DataPoints);
        Assert.Equal(1UL, point.Count);
        Assert.Equal(7.0, point.Sum);
        Assert.False(point.HasMin);
        Assert.False(point.HasMax);
        Assert.Equal([1UL, 0], point.BucketCounts);
    }

    [Fact]
    public void Export_ExponentialHistogram_ScaleZeroCountAndPositiveBuckets()
    {
        var run = Run(
            meter =>
            {
                var histogram = meter.CreateHistogram<double>("payload");
                foreach (var v in new[] { 0.0, 1, 2, 3, 4 })
                {
                    histogram.Record(v);
                }
            },
            builder => builder.AddView("payload", new Base2ExponentialBucketHistogramConfiguration { MaxScale = 0 }));

        var metric = SingleMetric(run.Request);
        Assert.Equal(OtlpMetrics.Metric.DataOneofCase.ExponentialHistogram, metric.DataCase);
        Assert.Equal(OtlpMetrics.AggregationTemporality.Cumulative, metric.ExponentialHistogram.AggregationTemporality);
        var point = Assert.Single(metric.ExponentialHistogram.DataPoints);
        Assert.Equal(5UL, point.Count);
        Assert.Equal(10.0, point.Sum);
        Assert.Equal(0.0, point.Min);
        Assert.Equal(4.0, point.Max);
        Assert.Equal(0, point.Scale);
        Assert.Equal(1UL, point.ZeroCount);

        // Scale 0: bucket i holds (2^i, 2^(i+1)]; 1 -> -1, 2 -> 0, 3 and 4 -> 1.
        Assert.Equal(-1, point.Positive.Offset);
        Assert.Equal([1UL, 1, 2], point.Positive.BucketCounts);
        AssertWindow(run, point.StartTimeUnixNano, point.TimeUnixNano);
    }

    [Fact]
    public void Export_DeltaTemporality_SumsAndHistogramsAreDelta()
    {
        var run = Run(
            meter =>
            {
                meter.CreateCounter<long>("hits").Add(2);
                meter.CreateHistogram<double>("latency").Record(3);
            },
            configureOptions: o => o.MetricTemporality = MetricReaderTemporalityPreference.Delta);

        var metrics = Metrics(run.Request);
        Assert.Equal(OtlpMetrics.AggregationTemporality.Delta, metrics["hits"].Sum.AggregationTemporality);
        Assert.Equal(2, Assert.Single(metrics["hits"].Sum.DataPoints).AsInt);
        Assert.Equal(OtlpMetrics.AggregationTemporality.Delta, metrics["latency"].Histogram.AggregationTemporality);
    }

    [Fact]
    public void Export_Resource_AttributesCarriedAndRecordKeyIsCollectorMapHash()
    {
        var run = Run(meter => meter.CreateCounter<long>("hits").Add(1));

        var resource = Assert.Single(run.Request.ResourceMetrics).Resource;
        var attributes = OtlpAssert.ToDictionary(resource.Attributes);
        Assert.Equal(TestResource.Attributes.Count, attributes.Count);
        Assert.Equal("checkout", attributes["service.name"].StringValue);
        Assert.Equal("pod-7", attributes["service.instance.id"].StringValue);
        Assert.Equal(4, attributes["host.cpu.count"].IntValue);
        Assert.Equal(0.25, attributes["sampling.ratio"].DoubleValue);
        Assert.True(attributes["canary"].BoolValue);
        Assert.Equal(["a", "b"], attributes["zones"].ArrayValue.Values.Select(v => v.StringValue));

        Assert.Equal(TestResource.CollectorMapHashHex, Convert.ToHexStringLower(run.Record.Message.Key));
    }

    [Fact]
    public void Export_TwoMeters_OneScopeEachWithNameVersionAndTags()
    {
        var second = "test.second." + Guid.NewGuid().ToString("N");
        using var other = new Meter(second, "9.9.9", [new KeyValuePair<string, object?>("team", "payments")]);
        var run = Run(
            meter =>
            {
                meter.CreateCounter<long>("first.hits").Add(1);
                other.CreateCounter<long>("second.hits").Add(2);
            },
            builder => builder.AddMeter(second));

        var scopes = Assert.Single(run.Request.ResourceMetrics).ScopeMetrics;
        Assert.Equal(2, scopes.Count);
        var first = scopes.Single(s => s.Scope.Name == run.MeterName);
        Assert.Equal("1.2.3", first.Scope.Version);
        Assert.Equal("first.hits", Assert.Single(first.Metrics).Name);
        var secondScope = scopes.Single(s => s.Scope.Name == second);
        Assert.Equal("9.9.9", secondScope.Scope.Version);
        Assert.Equal("payments", OtlpAssert.Attribute(secondScope.Scope.Attributes, "team").StringValue);
        Assert.Equal("second.hits", Assert.Single(secondScope.Metrics).Name);
    }

    [Fact]
    public void Export_OverMaxRecordBytes_SplitsIntoCompleteRequestsWithTheSameKey()
    {
        const int Series = 300;
        const int MaxRecordBytes = 4096;
        var topic = kafka.NewTopic("otlp-metrics-split");
        var meterName = "test.meter." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        var statistics = BuildAndDispose(topic, meterName, o => o.MaxRecordBytes = MaxRecordBytes, null, () =>
        {
            var counter = meter.CreateCounter<long>("per.series");
            for (var i = 0; i < Series; i++)
            {
                counter.Add(i, new KeyValuePair<string, object?>("series", "series-" + i));
            }
        });

        var records = TopicReader.ReadAll(kafka.BootstrapServers, topic, 2);
        Assert.True(records.Count > 1, $"expected a split, got {records.Count} record(s)");
        Assert.Single(records.Select(r => Convert.ToHexString(r.Message.Key)).Distinct());
        Assert.Single(records.Select(r => r.Partition.Value).Distinct());
        var values = new Dictionary<string, long>();
        foreach (var record in records)
        {
            Assert.True(record.Message.Value.Length <= MaxRecordBytes, $"record of {record.Message.Value.Length} bytes");
            var request = ExportMetricsServiceRequest.Parser.ParseFrom(record.Message.Value);
            var resourceMetrics = Assert.Single(request.ResourceMetrics);
            Assert.Equal("checkout", OtlpAssert.Attribute(resourceMetrics.Resource.Attributes, "service.name").StringValue);
            var metric = Assert.Single(Assert.Single(resourceMetrics.ScopeMetrics).Metrics);
            Assert.Equal("per.series", metric.Name);
            Assert.True(metric.Sum.IsMonotonic);
            foreach (var point in metric.Sum.DataPoints)
            {
                values.Add(OtlpAssert.Attribute(point.Attributes, "series").StringValue, point.AsInt);
            }
        }

        Assert.Equal(Enumerable.Range(0, Series).ToDictionary(i => "series-" + i, i => (long)i), values);
        Assert.Equal(records.Count, statistics.RecordsSent);
        Assert.Equal(Series, statistics.DataPointsSent);
    }

    [Fact]
    public void Export_ExemplarsOn_ExemplarCarriesValueTimeAndSpanContext()
    {
        ActivityTraceId traceId = default;
        ActivitySpanId spanId = default;
        var run = Run(
            meter =>
            {
                var counter = meter.CreateCounter<long>("orders");
                var previous = Activity.Current;
                using var activity = new Activity("place-order").SetIdFormat(ActivityIdFormat.W3C);
                activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
                activity.Start();
                traceId = activity.TraceId;
                spanId = activity.SpanId;
                counter.Add(6);
                activity.Stop();
                Activity.Current = previous;
            },
            builder => builder.SetExemplarFilter(ExemplarFilterType.AlwaysOn));

        var point = Assert.Single(SingleMetric(run.Request).Sum.DataPoints);
        var exemplar = Assert.Single(point.Exemplars);
        Assert.Equal(OtlpMetrics.Exemplar.ValueOneofCase.AsInt, exemplar.ValueCase);
        Assert.Equal(6, exemplar.AsInt);
        Assert.Equal(traceId.ToHexString(), Convert.ToHexStringLower(exemplar.TraceId.ToByteArray()));
        Assert.Equal(spanId.ToHexString(), Convert.ToHexStringLower(exemplar.SpanId.ToByteArray()));
        AssertWindow(run, exemplar.TimeUnixNano, exemplar.TimeUnixNano);
    }

    [Fact]
    public void Export_ProducerSettingsCompression_RecordsStillDecode()
    {
        var run = Run(
            meter => meter.CreateCounter<long>("hits").Add(5),
            configureOptions: o => o.ProducerSettings["compression.type"] = "gzip");

        Assert.Equal(5, Assert.Single(SingleMetric(run.Request).Sum.DataPoints).AsInt);
    }

    private static void AssertWindow(ExportRun run, ulong start, ulong end)
    {
        Assert.True(start <= end, $"start {start} after end {end}");
        Assert.InRange(start, OtlpAssert.UnixNanos(run.Before - ClockSlack), OtlpAssert.UnixNanos(run.After + ClockSlack));
        Assert.InRange(end, OtlpAssert.UnixNanos(run.Before - ClockSlack), OtlpAssert.UnixNanos(run.After + ClockSlack));
    }

    private static OtlpMetrics.Metric SingleMetric(ExportMetricsServiceRequest request) =>
        Assert.Single(Assert.Single(Assert.Single(request.ResourceMetrics).ScopeMetrics).Metrics);

    private static Dictionary<string, OtlpMetrics.Metric> Metrics(ExportMetricsServiceRequest request) =>
        Assert.Single(request.ResourceMetrics).ScopeMetrics.SelectMany(s => s.Metrics).ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>Records on a fresh meter, disposes the provider (its final collection is the one export), and reads the one record back.</summary>
    private ExportRun Run(
        Action<Meter> record,
        Action<MeterProviderBuilder>? configureBuilder = null,
        Action<KafkaExporterOptions>? configureOptions = null)
    {
        var topic = kafka.NewTopic("otlp-metrics");
        var meterName = "test.meter." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName, "1.2.3");
        var before = DateTimeOffset.UtcNow;
        var statistics = BuildAndDispose(topic, meterName, configureOptions, configureBuilder, () => record(meter));
        var after = DateTimeOffset.UtcNow;

        var consumed = Assert.Single(TopicReader.ReadAll(kafka.BootstrapServers, topic, 1));
        var request = ExportMetricsServiceRequest.Parser.ParseFrom(consumed.Message.Value);
        return new ExportRun(request, consumed, statistics, meterName, before, after);
    }

    private KafkaExporterStatistics BuildAndDispose(
        string topic,
        string meterName,
        Action<KafkaExporterOptions>? configureOptions,
        Action<MeterProviderBuilder>? configureBuilder,
        Action record)
    {
        KafkaExporterStatistics? statistics = null;
        var builder = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(TestResource.Builder())
            .AddMeter(meterName);
        configureBuilder?.Invoke(builder);
        builder.AddKafkaExporter(o =>
        {
            o.BootstrapServers = kafka.BootstrapServers;
            o.MetricsTopic = topic;

            // Only the provider's final collection at dispose exports, so each test sees exactly one export.
            o.MetricExportInterval = TimeSpan.FromHours(1);
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);
            configureOptions?.Invoke(o);
            statistics = o.Statistics;
        });

        using (builder.Build())
        {
            record();
        }

        return statistics!;
    }

    private sealed record ExportRun(
        ExportMetricsServiceRequest Request,
        ConsumeResult<byte[], byte[]> Record,
        KafkaExporterStatistics Statistics,
        string MeterName,
        DateTimeOffset Before,
        DateTimeOffset After);
}
