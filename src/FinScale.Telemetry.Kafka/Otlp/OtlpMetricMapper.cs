using Google.Protobuf;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OtlpMetrics = OpenTelemetry.Proto.Metrics.V1;

namespace FinScale.Telemetry.Kafka.Otlp;

/// <summary>Turns one SDK export batch into Kafka records, each a serialized <c>ExportMetricsServiceRequest</c> keyed by the resource hash.</summary>
/// <remarks>
/// The batch becomes one <c>ResourceMetrics</c> with one <c>ScopeMetrics</c> per meter (name and version). When that
/// would exceed the record size limit it is cut into several requests at data-point boundaries; each is still a
/// complete, valid request with the same resource and key, and a metric cut in two appears in both with its own points.
/// </remarks>
internal static class OtlpMetricMapper
{
    // Room for a field tag and a length prefix around each nested message when estimating sizes.
    private const int FramingBytes = 12;

    /// <summary>Maps the batch; returns the records and counts data points in <paramref name="dataPoints"/>.</summary>
    internal static List<OtlpRecord> Map(in Batch<Metric> batch, OtlpResource resource, int maxRecordBytes, out int dataPoints)
    {
        var scopes = new List<(InstrumentationScope Scope, List<(OtlpMetrics.Metric Shell, List<IMessage> Points)> Metrics)>();
        var scopeIndex = new Dictionary<(string Name, string Version), int>();
        dataPoints = 0;
        foreach (var metric in batch)
        {
            var points = new List<IMessage>();
            var shell = ToShell(metric, points);
            if (shell is null || points.Count == 0)
            {
                continue;
            }

            dataPoints += points.Count;
            var id = (metric.MeterName, metric.MeterVersion ?? string.Empty);
            if (!scopeIndex.TryGetValue(id, out var index))
            {
                index = scopes.Count;
                scopeIndex.Add(id, index);
                var scope = new InstrumentationScope { Name = id.Item1, Version = id.Item2 };
                OtlpAttributes.AddTo(scope.Attributes, metric.MeterTags);
                scopes.Add((scope, []));
            }

            scopes[index].Metrics.Add((shell, points));
        }

        return Pack(scopes, resource, maxRecordBytes);
    }

    private static List<OtlpRecord> Pack(
        List<(InstrumentationScope Scope, List<(OtlpMetrics.Metric Shell, List<IMessage> Points)> Metrics)> scopes,
        OtlpResource resource,
        int maxRecordBytes)
    {
        var records = new List<OtlpRecord>();
        var resourceSize = resource.Resource.CalculateSize() + (2 * FramingBytes);
        OtlpMetrics.ResourceMetrics? current = null;
        var size = 0;
        var items = 0;

        foreach (var (scope, metrics) in scopes)
        {
            var scopeSize = scope.CalculateSize() + (2 * FramingBytes);
            OtlpMetrics.ScopeMetrics? currentScope = null;
            foreach (var (shell, points) in metrics)
            {
                var shellSize = shell.CalculateSize() + (2 * FramingBytes);
                OtlpMetrics.Metric? currentMetric = null;
                foreach (var point in points)
                {
                    var pointSize = point.CalculateSize() + FramingBytes;
                    var growth = pointSize + (currentMetric is null ? shellSize : 0) + (currentScope is null ? scopeSize : 0);
                    if (current is not null && items > 0 && size + growth > maxRecordBytes)
                    {
                        records.Add(Seal(current, resource, items));
                        current = null;
                        currentScope = null;
                        currentMetric = null;
                    }

                    if (current is null)
                    {
                        current = new OtlpMetrics.ResourceMetrics { Resource = resource.Resource };
                        size = resourceSize;
                        items = 0;
                    }

                    if (currentScope is null)
                    {
                        currentScope = new OtlpMetrics.ScopeMetrics { Scope = scope };
                        current.ScopeMetrics.Add(currentScope);
                        size += scopeSize;
                    }

                    if (currentMetric is null)
                    {
                        currentMetric = shell.Clone();
                        currentScope.Metrics.Add(currentMetric);
                        size += shellSize;
                    }

                    AddPoint(currentMetric, point);
                    size += pointSize;
                    items++;
                }
            }
        }

        if (current is not null && items > 0)
        {
            records.Add(Seal(current, resource, items));
        }

        return records;
    }

    private static OtlpRecord Seal(OtlpMetrics.ResourceMetrics resourceMetrics, OtlpResource resource, int items)
    {
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(resourceMetrics);
        return new OtlpRecord(resource.AttributeHash, request.ToByteArray(), items);
    }

    private static void AddPoint(OtlpMetrics.Metric metric, IMessage point)
    {
        switch (metric.DataCase)
        {
            case OtlpMetrics.Metric.DataOneofCase.Sum:
                metric.Sum.DataPoints.Add((OtlpMetrics.NumberDataPoint)point);
                break;
            case OtlpMetrics.Metric.DataOneofCase.Gauge:
                metric.Gauge.DataPoints.Add((OtlpMetrics.NumberDataPoint)point);
                break;
            case OtlpMetrics.Metric.DataOneofCase.Histogram:
                metric.Histogram.DataPoints.Add((OtlpMetrics.HistogramDataPoint)point);
                break;
            case OtlpMetrics.Metric.DataOneofCase.ExponentialHistogram:
                metric.ExponentialHistogram.DataPoints.Add((OtlpMetrics.ExponentialHistogramDataPoint)point);
                break;
            default:
                throw new InvalidOperationException($"metric data {metric.DataCase} takes no points");
        }
    }

    /// <summary>Builds the metric without points (name, unit, kind, temporality) and collects its points; null for a type this exporter does not know.</summary>
    private static OtlpMetrics.Metric? ToShell(Metric metric, List<IMessage> points)
    {
        var shell = new OtlpMetrics.Metric
        {
            Name = metric.Name,
            Description = metric.Description ?? string.Empty,
            Unit = metric.Unit ?? string.Empty,
        };
        var temporality = metric.Temporality == AggregationTemporality.Delta
            ? OtlpMetrics.AggregationTemporality.Delta
            : OtlpMetrics.AggregationTemporality.Cumulative;

        switch (metric.MetricType)
        {
            case MetricType.LongSum:
            case MetricType.LongSumNonMonotonic:
                shell.Sum = new OtlpMetrics.Sum { AggregationTemporality = temporality, IsMonotonic = metric.MetricType == MetricType.LongSum };
                foreach (ref readonly var p in metric.GetMetricPoints())
                {
                    points.Add(LongPoint(in p, p.GetSumLong()));
                }

                break;
            case MetricType.DoubleSum:
            case MetricType.DoubleSumNonMonotonic:
                shell.Sum = new OtlpMetrics.Sum { AggregationTemporality = temporality, IsMonotonic = metric.MetricType == MetricType.DoubleSum };
                foreach (ref readonly var p in metric.GetMetricPoints())
                {
                    points.Add(DoublePoint(in p, p.GetSumDouble()));
                }

                break;
            case MetricType.LongGauge:
                shell.Gauge = new OtlpMetrics.Gauge();
                foreach (ref readonly var p in metric.GetMetricPoints())
                {
                    points.Add(LongPoint(in p, p.GetGaugeLastValueLong()));
                }

                break;
            case MetricType.DoubleGauge:
                shell.Gauge = new OtlpMetrics.Gauge();
                foreach (ref readonly var p in metric.GetMetricPoints())
                {
                    points.Add(DoublePoint(in p, p.GetGaugeLastValueDouble()));
                }

                break;
            case MetricType.Histogram:
                shell.Histogram = new OtlpMetrics.Histogram { AggregationTemporality = temporality };
                foreach (ref readonly var p in metric.GetMetricPoints())
                {
                    points.Add(HistogramPoint(in p));
                }

                break;
            case MetricType.ExponentialHistogram:
                shell.ExponentialHistogram = new OtlpMetrics.ExponentialHistogram { AggregationTemporality = temporality };
                foreach (ref readonly var p in metric.GetMetricPoints())
                {
                    points.Add(ExponentialHistogramPoint(in p));
                }

                break;
            default:
                return null;
        }

        return shell;
    }

    private static OtlpMetrics.NumberDataPoint LongPoint(in MetricPoint p, long value)
    {
        var point = new OtlpMetrics.NumberDataPoint
        {
            StartTimeUnixNano = UnixNanos.From(p.StartTime),
            TimeUnixNano = UnixNanos.From(p.EndTime),
            AsInt = value,
        };
        AddTags(point.Attributes, p.Tags);
        AddExemplars(point.Exemplars, in p, asLong: true);
        return point;
    }

    private static OtlpMetrics.NumberDataPoint DoublePoint(in MetricPoint p, double value)
    {
        var point = new OtlpMetrics.NumberDataPoint
        {
            StartTimeUnixNano = UnixNanos.From(p.StartTime),
            TimeUnixNano = UnixNanos.From(p.EndTime),
            AsDouble = value,
        };
        AddTags(point.Attributes, p.Tags);
        AddExemplars(point.Exemplars, in p, asLong: false);
        return point;
    }

    private static OtlpMetrics.HistogramDataPoint HistogramPoint(in MetricPoint p)
    {
        var point = new OtlpMetrics.HistogramDataPoint
        {
            StartTimeUnixNano = UnixNanos.From(p.StartTime),
            TimeUnixNano = UnixNanos.From(p.EndTime),
            Count = (ulong)p.GetHistogramCount(),
            Sum = p.GetHistogramSum(),
        };
        AddTags(point.Attributes, p.Tags);
        if (p.TryGetHistogramMinMaxValues(out var min, out var max))
        {
            point.Min = min;
            point.Max = max;
        }

        // The SDK's last bucket is the overflow bucket (+Inf bound); OTLP lists one bound fewer than counts.
        foreach (var bucket in p.GetHistogramBuckets())
        {
            point.BucketCounts.Add((ulong)bucket.BucketCount);
            if (!double.IsPositiveInfinity(bucket.ExplicitBound))
            {
                point.ExplicitBounds.Add(bucket.ExplicitBound);
            }
        }

        AddExemplars(point.Exemplars, in p, asLong: false);
        return point;
    }

    private static OtlpMetrics.ExponentialHistogramDataPoint ExponentialHistogramPoint(in MetricPoint p)
    {
        var data = p.GetExponentialHistogramData();
        var point = new OtlpMetrics.ExponentialHistogramDataPoint
        {
            StartTimeUnixNano = UnixNanos.From(p.StartTime),
            TimeUnixNano = UnixNanos.From(p.EndTime),
            Count = (ulong)p.GetHistogramCount(),
            Sum = p.GetHistogramSum(),
            Scale = data.Scale,
            ZeroCount = (ulong)data.ZeroCount,
            Positive = new OtlpMetrics.ExponentialHistogramDataPoint.Types.Buckets { Offset = data.PositiveBuckets.Offset },
        };
        AddTags(point.Attributes, p.Tags);
        if (p.TryGetHistogramMinMaxValues(out var min, out var max))
        {
            point.Min = min;
            point.Max = max;
        }

        foreach (var count in data.PositiveBuckets)
        {
            point.Positive.BucketCounts.Add((ulong)count);
        }

        AddExemplars(point.Exemplars, in p, asLong: false);
        return point;
    }

    private static void AddTags(Google.Protobuf.Collections.RepeatedField<KeyValue> target, ReadOnlyTagCollection tags)
    {
        foreach (var tag in tags)
        {
            if (OtlpAttributes.ToAnyValue(tag.Value) is { } value)
            {
                target.Add(new KeyValue { Key = tag.Key, Value = value });
            }
        }
    }

    private static void AddExemplars(Google.Protobuf.Collections.RepeatedField<OtlpMetrics.Exemplar> target, in MetricPoint p, bool asLong)
    {
        if (!p.TryGetExemplars(out var exemplars))
        {
            return;
        }

        Span<byte> id = stackalloc byte[16];
        foreach (ref readonly var e in exemplars)
        {
            var exemplar = new OtlpMetrics.Exemplar { TimeUnixNano = UnixNanos.From(e.Timestamp) };
            if (asLong)
            {
                exemplar.AsInt = e.LongValue;
            }
            else
            {
                exemplar.AsDouble = e.DoubleValue;
            }

            if (e.TraceId != default)
            {
                e.TraceId.CopyTo(id);
                exemplar.TraceId = ByteString.CopyFrom(id);
                e.SpanId.CopyTo(id[..8]);
                exemplar.SpanId = ByteString.CopyFrom(id[..8]);
            }

            foreach (var tag in e.FilteredTags)
            {
                if (OtlpAttributes.ToAnyValue(tag.Value) is { } value)
                {
                    exemplar.FilteredAttributes.Add(new KeyValue { Key = tag.Key, Value = value });
                }
            }

            target.Add(exemplar);
        }
    }
}
