using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Otlp;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace FinScale.Streaming.Tests.Otlp;

public sealed class OtlpJsonTranscoderTests
{
    private const string TraceIdHex = "5b8efff798038103d269b633813fc60c";
    private const string SpanIdHex = "eee19b7ec3c1b174";
    private const string ParentIdHex = "00f067aa0ba902b7";

    private static readonly ByteString TraceId = Hex(TraceIdHex);
    private static readonly ByteString SpanId = Hex(SpanIdHex);
    private static readonly ByteString ParentId = Hex(ParentIdHex);

    // ---- Round trips: generated message -> OTLP/JSON -> transcoder -> bytes --------------------------------------

    [Fact]
    public void ToProtobuf_RichMetricsInFieldNumberOrder_IsByteIdenticalToToByteArray()
    {
        var request = RichMetrics();
        var json = ToOtlpJson(request, enumsAsIntegers: true, fieldNumberOrder: true);

        var bytes = OtlpJsonTranscoder.MetricsRequestToProtobuf(json);

        Assert.Equal(request, ExportMetricsServiceRequest.Parser.ParseFrom(bytes));
        Assert.Equal(request.ToByteArray(), bytes);
    }

    [Fact]
    public void ToProtobuf_RichTracesInFieldNumberOrder_IsByteIdenticalToToByteArray()
    {
        var request = RichTraces();
        var json = ToOtlpJson(request, enumsAsIntegers: true, fieldNumberOrder: true);

        var bytes = OtlpJsonTranscoder.TraceRequestToProtobuf(json);

        Assert.Equal(request, ExportTraceServiceRequest.Parser.ParseFrom(bytes));
        Assert.Equal(request.ToByteArray(), bytes);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, false)]
    [InlineData(true, true, true)]
    public void ToProtobuf_JsonFormatterOutputWithHexIds_ParsesToTheOriginal(bool enumsAsIntegers, bool snakeCase, bool relaxedEscaping)
    {
        var metrics = RichMetrics();
        var traces = RichTraces();

        var metricsJson = ToOtlpJson(metrics, enumsAsIntegers, fieldNumberOrder: false, snakeCase, relaxedEscaping);
        var tracesJson = ToOtlpJson(traces, enumsAsIntegers, fieldNumberOrder: false, snakeCase, relaxedEscaping);

        Assert.Equal(metrics, ExportMetricsServiceRequest.Parser.ParseFrom(OtlpJsonTranscoder.MetricsRequestToProtobuf(metricsJson)));
        Assert.Equal(traces, ExportTraceServiceRequest.Parser.ParseFrom(OtlpJsonTranscoder.TraceRequestToProtobuf(tracesJson)));
    }

    [Fact]
    public void ToProtobuf_GenericRootDescriptor_MatchesTheTypedEntryPoints()
    {
        var json = ToOtlpJson(RichTraces(), enumsAsIntegers: true, fieldNumberOrder: true);

        Assert.Equal(
            OtlpJsonTranscoder.TraceRequestToProtobuf(json),
            OtlpJsonTranscoder.ToProtobuf(json, ExportTraceServiceRequest.Descriptor));
    }

    [Fact]
    public void ToProtobuf_LargeNestedValues_WritesMultiByteLengthPrefixesCorrectly()
    {
        // Lengths past 127, 16383 and 2097151 need 2, 3 and 4 varint bytes at every level they pass through.
        var span = new Span { TraceId = TraceId, SpanId = SpanId, Name = "big" };
        span.Attributes.Add(Kv("s200", new AnyValue { StringValue = new string('a', 200) }));
        span.Attributes.Add(Kv("s20k", new AnyValue { StringValue = new string('b', 20_000) }));
        span.Attributes.Add(Kv("b3m", new AnyValue { BytesValue = ByteString.CopyFrom(new byte[3_000_000]) }));
        for (var i = 0; i < 300; i++)
            span.Events.Add(new Span.Types.Event { Name = "e" + i, TimeUnixNano = (ulong)i });
        var request = WrapSpans(span);

        var bytes = OtlpJsonTranscoder.TraceRequestToProtobuf(ToOtlpJson(request, enumsAsIntegers: true, fieldNumberOrder: true));

        Assert.Equal(request.ToByteArray(), bytes);
    }

    [Fact]
    public void ToProtobuf_WarmedUp_AllocatesLittleBeyondTheResult()
    {
        var json = ToOtlpJson(RichTraces(), enumsAsIntegers: true, fieldNumberOrder: false);
        OtlpJsonTranscoder.TraceRequestToProtobuf(json);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var bytes = OtlpJsonTranscoder.TraceRequestToProtobuf(json);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The result array plus the per-call state (the error-path stack); no DOM, no per-field strings.
        Assert.True(allocated < bytes.Length + 4096, $"{allocated} bytes allocated for a {bytes.Length}-byte result from {json.Length} bytes of JSON");
    }

    // ---- The OTLP/JSON rules, on hand-written input --------------------------------------------------------------

    [Fact]
    public void ToProtobuf_HandWrittenSpan_ReadsEveryOtlpJsonForm()
    {
        var json = $$"""
            {
              "resourceSpans": [{
                "resource": { "attributes": [ { "key": "service.name", "value": { "stringValue": "checkout" } } ] },
                "scopeSpans": [{
                  "scope": { "name": "lib", "version": "1.0" },
                  "spans": [{
                    "traceId": "{{TraceIdHex.ToUpperInvariant()}}",
                    "spanId": "{{SpanIdHex}}",
                    "parentSpanId": "00F067aa0BA902b7",
                    "name": "GET /",
                    "kind": 2,
                    "startTimeUnixNano": "1700000000000000000",
                    "endTimeUnixNano": 1700000000500000000,
                    "attributes": [
                      { "key": "i.str", "value": { "intValue": "-42" } },
                      { "key": "i.num", "value": { "intValue": 42 } },
                      { "key": "d.nan", "value": { "doubleValue": "NaN" } },
                      { "key": "d.inf", "value": { "doubleValue": "Infinity" } },
                      { "key": "d.ninf", "value": { "doubleValue": "-Infinity" } },
                      { "key": "d.str", "value": { "doubleValue": "2.5" } },
                      { "key": "b", "value": { "bytesValue": "AAEC+v8=" } },
                      { "key": "b.url", "value": { "bytesValue": "AAEC-v8" } }
                    ],
                    "droppedAttributesCount": 0,
                    "events": [ { "timeUnixNano": "1700000000100000000", "name": "retry" } ],
                    "links": [ { "traceId": "{{TraceIdHex}}", "spanId": "{{ParentIdHex}}", "flags": 256 } ],
                    "status": { "code": 2, "message": "boom" },
                    "flags": 257
                  }]
                }]
              }]
            }
            """;
        var expected = new Span
        {
            TraceId = TraceId,
            SpanId = SpanId,
            ParentSpanId = ParentId,
            Name = "GET /",
            Kind = Span.Types.SpanKind.Server,
            StartTimeUnixNano = 1_700_000_000_000_000_000,
            EndTimeUnixNano = 1_700_000_000_500_000_000,
            Status = new Status { Code = Status.Types.StatusCode.Error, Message = "boom" },
            Flags = 257,
        };
        expected.Attributes.Add(Kv("i.str", new AnyValue { IntValue = -42 }));
        expected.Attributes.Add(Kv("i.num", new AnyValue { IntValue = 42 }));
        expected.Attributes.Add(Kv("d.nan", new AnyValue { DoubleValue = double.NaN }));
        expected.Attributes.Add(Kv("d.inf", new AnyValue { DoubleValue = double.PositiveInfinity }));
        expected.Attributes.Add(Kv("d.ninf", new AnyValue { DoubleValue = double.NegativeInfinity }));
        expected.Attributes.Add(Kv("d.str", new AnyValue { DoubleValue = 2.5 }));
        expected.Attributes.Add(Kv("b", new AnyValue { BytesValue = ByteString.CopyFrom(0, 1, 2, 0xfa, 0xff) }));
        expected.Attributes.Add(Kv("b.url", new AnyValue { BytesValue = ByteString.CopyFrom(0, 1, 2, 0xfa, 0xff) }));
        expected.Events.Add(new Span.Types.Event { TimeUnixNano = 1_700_000_000_100_000_000, Name = "retry" });
        expected.Links.Add(new Span.Types.Link { TraceId = TraceId, SpanId = ParentId, Flags = 256 });
        var request = WrapSpans(expected);
        request.ResourceSpans[0].Resource = new Resource { Attributes = { Kv("service.name", new AnyValue { StringValue = "checkout" }) } };
        request.ResourceSpans[0].ScopeSpans[0].Scope = new InstrumentationScope { Name = "lib", Version = "1.0" };

        var bytes = OtlpJsonTranscoder.TraceRequestToProtobuf(Encoding.UTF8.GetBytes(json));

        Assert.Equal(request, ExportTraceServiceRequest.Parser.ParseFrom(bytes));
    }

    [Fact]
    public void ToProtobuf_SnakeCaseNamesAndEnumNames_EqualCamelCaseAndNumbers()
    {
        var camel = """
            {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","sum":{"dataPoints":[{"timeUnixNano":"5","asInt":"7"}],
             "aggregationTemporality":2,"isMonotonic":true}}]}]}]}
            """;
        var snake = """
            {"resource_metrics":[{"scope_metrics":[{"metrics":[{"name":"m","sum":{"data_points":[{"time_unix_nano":5,"as_int":7}],
             "aggregation_temporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","is_monotonic":true}}]}]}]}
            """;

        var fromCamel = OtlpJsonTranscoder.MetricsRequestToProtobuf(Encoding.UTF8.GetBytes(camel));
        var fromSnake = OtlpJsonTranscoder.MetricsRequestToProtobuf(Encoding.UTF8.GetBytes(snake));

        Assert.Equal(fromCamel, fromSnake);
        var sum = ExportMetricsServiceRequest.Parser.ParseFrom(fromCamel).ResourceMetrics[0].ScopeMetrics[0].Metrics[0].Sum;
        Assert.Equal(AggregationTemporality.Cumulative, sum.AggregationTemporality);
        Assert.Equal(7, sum.DataPoints[0].AsInt);
    }

    [Fact]
    public void ToProtobuf_UnknownFieldsAndNulls_AreIgnored()
    {
        var plain = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","kind":1}]}]}]}""";
        var noisy = """
            {"futureTopLevel":{"deep":[1,{"x":[[["y"]]]},null,true]},
             "resourceSpans":[{"resource":null,"schemaUrl":null,"entityRefs":[{"type":"k8s.pod"}],
               "scopeSpans":[{"scope":null,"spans":[{"name":"a","kind":1,"traceId":null,"attributes":null,
                 "newField":"x","newNumber":1e999,"newObj":{},"newArr":[]}]}]}],
             "zzz":"\ud83d\ude00"}
            """;

        Assert.Equal(
            OtlpJsonTranscoder.TraceRequestToProtobuf(Encoding.UTF8.GetBytes(plain)),
            OtlpJsonTranscoder.TraceRequestToProtobuf(Encoding.UTF8.GetBytes(noisy)));
    }

    [Fact]
    public void ToProtobuf_EmptyIdStrings_AreAbsent()
    {
        var json = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"","spanId":"","parentSpanId":"","name":"a"}]}]}]}""";

        var span = ParseTraces(json).ResourceSpans[0].ScopeSpans[0].Spans[0];

        Assert.True(span.TraceId.IsEmpty);
        Assert.True(span.SpanId.IsEmpty);
        Assert.True(span.ParentSpanId.IsEmpty);
        Assert.Equal(WrapSpans(new Span { Name = "a" }).ToByteArray(), OtlpJsonTranscoder.TraceRequestToProtobuf(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void ToProtobuf_ExemplarIds_AreHex()
    {
        var json = $$$"""
            {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asDouble":1,
              "exemplars":[{"timeUnixNano":"9","asInt":"3","spanId":"{{{SpanIdHex}}}","traceId":"{{{TraceIdHex}}}"}]}]}}]}]}]}
            """;

        var exemplar = ExportMetricsServiceRequest.Parser.ParseFrom(OtlpJsonTranscoder.MetricsRequestToProtobuf(Encoding.UTF8.GetBytes(json)))
            .ResourceMetrics[0].ScopeMetrics[0].Metrics[0].Gauge.DataPoints[0].Exemplars[0];

        Assert.Equal(TraceId, exemplar.TraceId);
        Assert.Equal(SpanId, exemplar.SpanId);
        Assert.Equal(3, exemplar.AsInt);
    }

    [Fact]
    public void ToProtobuf_ExplicitDefaults_AreLeftOffUnlessTheFieldHasPresence()
    {
        // Implicit-presence fields at their default leave no bytes (as protoc writes them); oneof members and proto3
        // 'optional' fields at 0 are kept, because there "0" and "unset" differ.
        var json = """
            {"resourceMetrics":[{"schemaUrl":"","scopeMetrics":[{"metrics":[
              {"name":"h","description":"","histogram":{"aggregationTemporality":0,"dataPoints":[
                {"count":"0","sum":0,"min":0,"flags":0,"bucketCounts":[],"explicitBounds":[]}]}},
              {"name":"g","gauge":{"dataPoints":[{"asInt":"0"}]}}]}]}]}
            """;
        var expected = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    ScopeMetrics =
                    {
                        new ScopeMetrics
                        {
                            Metrics =
                            {
                                new Metric { Name = "h", Histogram = new Histogram { DataPoints = { new HistogramDataPoint { Sum = 0, Min = 0 } } } },
                                new Metric { Name = "g", Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsInt = 0 } } } },
                            },
                        },
                    },
                },
            },
        };

        var bytes = OtlpJsonTranscoder.MetricsRequestToProtobuf(Encoding.UTF8.GetBytes(json));

        Assert.Equal(expected.ToByteArray(), bytes);
        var point = ExportMetricsServiceRequest.Parser.ParseFrom(bytes).ResourceMetrics[0].ScopeMetrics[0].Metrics[0].Histogram.DataPoints[0];
        Assert.True(point.HasSum);
        Assert.True(point.HasMin);
        Assert.False(point.HasMax);
    }

    [Fact]
    public void ToProtobuf_IntegersInEveryAcceptedSpelling_GiveTheSameValue()
    {
        foreach (var spelling in new[] { "12", "\"12\"", "12.0", "1.2e1", "\"1.2E1\"", "\"\\u0031\\u0032\"" })
        {
            var json = $$"""{"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedAttributesCount":{{spelling}},"startTimeUnixNano":{{spelling}}}]}]}]}""";
            var span = ParseTraces(json).ResourceSpans[0].ScopeSpans[0].Spans[0];
            Assert.Equal(12u, span.DroppedAttributesCount);
            Assert.Equal(12ul, span.StartTimeUnixNano);
        }
    }

    [Fact]
    public void ToProtobuf_SixtyFourBitExtremes_RoundTrip()
    {
        var json = """
            {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":{"dataPoints":[
              {"timeUnixNano":"18446744073709551615","asInt":"-9223372036854775808"},
              {"timeUnixNano":18446744073709551615,"asInt":9223372036854775807}]}}]}]}]}
            """;

        var points = ExportMetricsServiceRequest.Parser.ParseFrom(OtlpJsonTranscoder.MetricsRequestToProtobuf(Encoding.UTF8.GetBytes(json)))
            .ResourceMetrics[0].ScopeMetrics[0].Metrics[0].Gauge.DataPoints;

        Assert.Equal(ulong.MaxValue, points[0].TimeUnixNano);
        Assert.Equal(long.MinValue, points[0].AsInt);
        Assert.Equal(ulong.MaxValue, points[1].TimeUnixNano);
        Assert.Equal(long.MaxValue, points[1].AsInt);
    }

    [Fact]
    public void ToProtobuf_OneofMembersBothGiven_AreWrittenAsGivenAndTheLastWins()
    {
        var json = """{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"stringValue":"s","intValue":"5"}}]}}]}""";

        var value = ParseTraces(json).ResourceSpans[0].Resource.Attributes[0].Value;

        Assert.Equal(AnyValue.ValueOneofCase.IntValue, value.ValueCase);
        Assert.Equal(5, value.IntValue);
    }

    [Fact]
    public void ToProtobuf_UnnamedEnumNumber_IsKept()
    {
        var json = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":9}]}]}]}""";

        Assert.Equal(9, (int)ParseTraces(json).ResourceSpans[0].ScopeSpans[0].Spans[0].Kind);
    }

    // ---- Faults --------------------------------------------------------------------------------------------------

    [Fact]
    public void ToProtobuf_TraceIdOfWrongLength_NamesTheFieldPath()
    {
        var spans = string.Join(',', Enumerable.Range(0, 3).Select(_ => $$"""{"traceId":"{{TraceIdHex}}"}"""));
        var json = $$"""{"resourceSpans":[{"scopeSpans":[{"spans":[{{spans}},{"traceId":"W47/95gDgQPSabYzgT/GDA=="}]}]}]}""";

        var ex = Assert.Throws<RecordDecodeException>(() => OtlpJsonTranscoder.TraceRequestToProtobuf(Encoding.UTF8.GetBytes(json)));

        Assert.Contains("resourceSpans[0].scopeSpans[0].spans[3].traceId: expected 32 hex characters", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "invalid JSON")]
    [InlineData("   ", "invalid JSON")]
    [InlineData("[]", "$: expected a JSON object, got an array")]
    [InlineData("{} {}", "invalid JSON")]
    [InlineData("""{"resourceSpans":[""", "invalid JSON")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x",}]}]}]}""", "invalid JSON")]
    [InlineData("""{"resourceSpans":{}}""", "resourceSpans: expected an array, got an object")]
    [InlineData("""{"resourceSpans":[null]}""", "resourceSpans[0]: null is not allowed")]
    [InlineData("""{"resourceSpans":[7]}""", "resourceSpans[0]: expected an object, got a number")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}""", "resourceSpans[0].scopeSpans[0].spans[0].name: expected a string, got a number")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc6"}]}]}]}""", "spans[0].traceId: expected 32 hex characters, got 30")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc6zz"}]}]}]}""", "spans[0].traceId: invalid hex character at offset 30")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"eee19b7ec3c1b17"}]}]}]}""", "spans[0].spanId: expected 16 hex characters, got 15")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"parentSpanId":"eee19b7ec3c1b174eee19b7ec3c1b174"}]}]}]}""", "spans[0].parentSpanId: expected 16 hex characters, got 32")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"links":[{"spanId":7}]}]}]}]}""", "spans[0].links[0].spanId: expected a hex string, got a number")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedAttributesCount":4294967296}]}]}]}""", "spans[0].droppedAttributesCount: 4294967296 is out of range for uint32")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedAttributesCount":-1}]}]}]}""", "out of range for uint32")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}""", "spans[0].startTimeUnixNano: -1 is out of range for fixed64")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"18446744073709551616"}]}]}]}""", "out of range for fixed64")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"1.5"}]}]}]}""", "'1.5' is not an integer")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":" 1"}]}]}]}""", "is not an integer")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":""}]}]}]}""", "is not an integer")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":true}]}]}]}""", "expected an integer (number or decimal string), got a boolean")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":2147483648}]}]}]}""", "spans[0].kind: 2147483648 is out of range")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_SERVERLESS"}]}]}]}""", "'SPAN_KIND_SERVERLESS' is not a value of this enum")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":{}}]}]}]}""", "expected an enum number, got an object")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"boolValue":"true"}}]}}]}""", "resource.attributes[0].value.boolValue: expected true or false, got a string")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"9223372036854775808"}}]}}]}""", "value.intValue: 9223372036854775808 is out of range for int64")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"doubleValue":"nan"}}]}}]}""", "value.doubleValue: 'nan' is not a number")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"doubleValue":1e400}}]}}]}""", "value.doubleValue: 1e400 is out of range for double")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"bytesValue":"A"}}]}}]}""", "value.bytesValue: invalid base64")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"bytesValue":"A*=="}}]}}]}""", "value.bytesValue: invalid base64")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"stringValue":"\ud800"}}]}}]}""", "value.stringValue: invalid JSON string")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"arrayValue":{"values":[1]}}}]}}]}""", "value.arrayValue.values[0]: expected an object, got a number")]
    public void ToProtobuf_BadInput_ThrowsRecordDecodeExceptionWithReason(string json, string expected)
    {
        var ex = Assert.Throws<RecordDecodeException>(() => OtlpJsonTranscoder.TraceRequestToProtobuf(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("OTLP/JSON ExportTraceServiceRequest: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToProtobuf_InvalidUtf8InAString_Throws()
    {
        var json = Encoding.UTF8.GetBytes("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"ab"}]}]}]}""");
        json[json.AsSpan().IndexOf("\"ab\""u8) + 1] = 0xff;

        var ex = Assert.Throws<RecordDecodeException>(() => OtlpJsonTranscoder.TraceRequestToProtobuf(json));

        Assert.Contains("spans[0].name", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40, true)]
    [InlineData(41, false)]
    [InlineData(5000, false)]
    public void ToProtobuf_NestedAnyValues_AreBoundedByMaxDepth(int levels, bool accepted)
    {
        // Each level of nested arrays is three JSON levels (value object, arrayValue object, values array).
        var value = new StringBuilder();
        for (var i = 0; i < levels; i++)
            value.Append("""{"arrayValue":{"values":[""");
        value.Append("""{"intValue":"1"}""");
        for (var i = 0; i < levels; i++)
            value.Append("]}}");
        var json = Encoding.UTF8.GetBytes($$$"""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{{{value}}}}]}}]}""");

        if (accepted)
        {
            var parsed = ExportTraceServiceRequest.Parser.ParseFrom(OtlpJsonTranscoder.TraceRequestToProtobuf(json));
            Assert.Equal(AnyValue.ValueOneofCase.ArrayValue, parsed.ResourceSpans[0].Resource.Attributes[0].Value.ValueCase);
        }
        else
        {
            var ex = Assert.Throws<RecordDecodeException>(() => OtlpJsonTranscoder.TraceRequestToProtobuf(json));
            Assert.Contains("maximum", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ToProtobuf_DeepNestingInAnUnknownField_ThrowsInsteadOfOverflowingTheStack()
    {
        var json = "{\"x\":" + new string('[', 1_000_000) + new string(']', 1_000_000) + "}";

        Assert.Throws<RecordDecodeException>(() => OtlpJsonTranscoder.TraceRequestToProtobuf(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void ToProtobuf_MapOrWellKnownTypeRoot_IsRejectedAsAProgrammingError()
    {
        Assert.Throws<ArgumentException>(() => OtlpJsonTranscoder.ToProtobuf("{}"u8, Google.Protobuf.WellKnownTypes.Timestamp.Descriptor));
    }

    [Fact]
    public void ToProtobuf_FuzzedInput_SucceedsOrThrowsRecordDecodeExceptionOnly()
    {
        var random = new Random(20_241_128);
        var seeds = new List<byte[]>
        {
            ToOtlpJson(RichMetrics(), enumsAsIntegers: true, fieldNumberOrder: true),
            ToOtlpJson(RichTraces(), enumsAsIntegers: false, fieldNumberOrder: false),
            ToOtlpJson(RichTraces(), enumsAsIntegers: true, fieldNumberOrder: false, snakeCase: true, relaxedEscaping: true),
        };
        seeds.AddRange(Directory.GetFiles(FixtureDirectory, "*.json").Select(File.ReadAllBytes));
        var outcomes = new int[2];

        for (var i = 0; i < 4000; i++)
        {
            var input = Mutate(random, seeds[random.Next(seeds.Count)]);
            var traces = random.Next(2) == 0;
            try
            {
                var bytes = traces ? OtlpJsonTranscoder.TraceRequestToProtobuf(input) : OtlpJsonTranscoder.MetricsRequestToProtobuf(input);

                // Whatever the transcoder accepts must be protobuf the generated parser accepts.
                if (traces)
                    ExportTraceServiceRequest.Parser.ParseFrom(bytes);
                else
                    ExportMetricsServiceRequest.Parser.ParseFrom(bytes);
                outcomes[0]++;
            }
            catch (RecordDecodeException)
            {
                outcomes[1]++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i}: {ex.GetType().Name}: {ex.Message}\ninput (base64): {Convert.ToBase64String(input)}");
            }
        }

        // Both outcomes must be well represented, or the mutations are not exercising anything.
        Assert.True(outcomes[0] > 400, $"{outcomes[0]} accepted");
        Assert.True(outcomes[1] > 400, $"{outcomes[1]} rejected");
    }

    // ---- Interoperability with the OpenTelemetry JS serializers --------------------------------------------------

    private static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Otlp", "fixtures");

    [Theory]
    [InlineData("metrics-cumulative")]
    [InlineData("metrics-delta")]
    [InlineData("traces")]
    public void ToProtobuf_OpenTelemetryJsFixture_EqualsTheJsProtobufEncoding(string name)
    {
        var json = File.ReadAllBytes(Path.Combine(FixtureDirectory, name + ".json"));
        var pb = File.ReadAllBytes(Path.Combine(FixtureDirectory, name + ".pb"));

        if (name.StartsWith("traces", StringComparison.Ordinal))
        {
            var expected = ExportTraceServiceRequest.Parser.ParseFrom(pb);
            Assert.Equal(expected, ExportTraceServiceRequest.Parser.ParseFrom(OtlpJsonTranscoder.TraceRequestToProtobuf(json)));
        }
        else
        {
            var expected = ExportMetricsServiceRequest.Parser.ParseFrom(pb);
            Assert.Equal(expected, ExportMetricsServiceRequest.Parser.ParseFrom(OtlpJsonTranscoder.MetricsRequestToProtobuf(json)));
        }
    }

    [Fact]
    public void ToProtobuf_OpenTelemetryJsFixtures_AreAllCoveredInPairs()
    {
        var names = Directory.GetFiles(FixtureDirectory).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(
            ["metrics-cumulative.json", "metrics-cumulative.pb", "metrics-delta.json", "metrics-delta.pb", "traces.json", "traces.pb"],
            names);
    }

    [Fact]
    public void ToProtobuf_OpenTelemetryJsMetrics_CarryTheRecordedValues()
    {
        var request = ExportMetricsServiceRequest.Parser.ParseFrom(
            OtlpJsonTranscoder.MetricsRequestToProtobuf(File.ReadAllBytes(Path.Combine(FixtureDirectory, "metrics-cumulative.json"))));
        var metrics = request.ResourceMetrics.Single().ScopeMetrics.Single().Metrics.ToDictionary(m => m.Name);

        var orders = metrics["orders.placed"].Sum;
        Assert.True(orders.IsMonotonic);
        Assert.Equal(AggregationTemporality.Cumulative, orders.AggregationTemporality);
        Assert.Equal(7, orders.DataPoints.Single(p => p.Attributes.Single().Value.StringValue == "eu").AsInt);
        Assert.Equal(5, orders.DataPoints.Single(p => p.Attributes.Single().Value.StringValue == "us").AsInt);
        Assert.Equal(1_700_000_000_123_456_789ul, orders.DataPoints[0].StartTimeUnixNano);
        Assert.Equal(9_007_199_254_740_991, metrics["bytes.sent"].Sum.DataPoints.Single().AsInt);
        Assert.Equal(1.5, metrics["queue.depth"].Sum.DataPoints.Single().AsDouble);
        Assert.Equal(-12, metrics["process.threads"].Gauge.DataPoints.Single().AsInt);

        var duration = metrics["http.server.duration"].Histogram.DataPoints.Single();
        Assert.Equal(5ul, duration.Count);
        Assert.Equal(309, duration.Sum);
        Assert.Equal([5.0, 10, 25, 50, 100], duration.ExplicitBounds);
        Assert.Equal([1ul, 2, 0, 1, 0, 1], duration.BucketCounts);
        Assert.Equal(3, duration.Min);
        Assert.Equal(250, duration.Max);

        var size = metrics["http.server.request.body.size"].ExponentialHistogram.DataPoints.Single();
        Assert.Equal(6ul, size.Count);
        Assert.Equal(1ul, size.ZeroCount);
        Assert.Equal(5ul, size.Positive.BucketCounts.Aggregate(0ul, (a, b) => a + b));

        var delta = ExportMetricsServiceRequest.Parser.ParseFrom(
            OtlpJsonTranscoder.MetricsRequestToProtobuf(File.ReadAllBytes(Path.Combine(FixtureDirectory, "metrics-delta.json"))));
        Assert.Equal(AggregationTemporality.Delta, delta.ResourceMetrics[0].ScopeMetrics[0].Metrics.Single(m => m.Name == "orders.placed").Sum.AggregationTemporality);
    }

    [Fact]
    public void ToProtobuf_OpenTelemetryJsTraces_CarryTheRecordedValues()
    {
        var request = ExportTraceServiceRequest.Parser.ParseFrom(
            OtlpJsonTranscoder.TraceRequestToProtobuf(File.ReadAllBytes(Path.Combine(FixtureDirectory, "traces.json"))));
        var spans = request.ResourceSpans.Single().ScopeSpans.Single().Spans.ToDictionary(s => s.Name);

        var root = spans["GET /checkout"];
        Assert.Equal("5b8efff798038103d269b633813fc60c", Convert.ToHexStringLower(root.TraceId.Span));
        Assert.Equal(Span.Types.SpanKind.Server, root.Kind);
        Assert.Equal(Status.Types.StatusCode.Error, root.Status.Code);
        Assert.Equal("upstream timeout", root.Status.Message);
        Assert.Equal("TimeoutError", root.Events.Single().Attributes.Single(a => a.Key == "exception.type").Value.StringValue);

        var child = spans["SELECT orders"];
        Assert.Equal(root.SpanId, child.ParentSpanId);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", Convert.ToHexStringLower(child.Links.Single().TraceId.Span));
        Assert.Equal("b7ad6b7169203331", Convert.ToHexStringLower(spans["orders process"].ParentSpanId.Span));

        var hand = spans["hand built"].Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal(new byte[] { 0, 1, 2, 250, 251, 255 }, hand["payload.bytes"].BytesValue.ToByteArray());
        Assert.Equal("inner", hand["kv.list"].KvlistValue.Values.Single(v => v.Key == "name").Value.StringValue);
        Assert.Equal(-9_007_199_254_740_991, hand["int.negative"].IntValue);
        Assert.Equal(double.Epsilon, hand["double.tiny"].DoubleValue);
    }

    // ---- Test data -----------------------------------------------------------------------------------------------

    private static ExportMetricsServiceRequest RichMetrics()
    {
        var scope = new ScopeMetrics
        {
            Scope = new InstrumentationScope { Name = "finscale.test", Version = "1.0.0", Attributes = { Kv("scope.attr", Str("x")) }, DroppedAttributesCount = 1 },
            SchemaUrl = "https://opentelemetry.io/schemas/1.24.0",
        };

        var gauge = new Metric { Name = "cpu.utilization", Description = "CPU", Unit = "1", Gauge = new Gauge() };
        gauge.Gauge.DataPoints.Add(new NumberDataPoint
        {
            Attributes = { Kv("cpu", Str("0")) },
            StartTimeUnixNano = 1_700_000_000_000_000_001,
            TimeUnixNano = 1_700_000_060_999_999_999,
            AsDouble = 0.625,
            Exemplars = { NewExemplar(asDouble: 0.7) },
            Flags = 1,
        });
        gauge.Gauge.DataPoints.Add(new NumberDataPoint { TimeUnixNano = 5, AsInt = -42 });
        gauge.Gauge.DataPoints.Add(new NumberDataPoint { TimeUnixNano = 6, AsInt = 0 });
        gauge.Gauge.DataPoints.Add(new NumberDataPoint { TimeUnixNano = 7, AsDouble = double.NaN });
        gauge.Gauge.DataPoints.Add(new NumberDataPoint { TimeUnixNano = 8, AsDouble = double.NegativeInfinity });
        gauge.Metadata.Add(Kv("meta", Str("data")));

        var intSum = new Metric
        {
            Name = "orders.placed",
            Sum = new Sum { AggregationTemporality = AggregationTemporality.Cumulative, IsMonotonic = true },
        };
        intSum.Sum.DataPoints.Add(new NumberDataPoint { AsInt = long.MaxValue, TimeUnixNano = ulong.MaxValue, Exemplars = { NewExemplar(asInt: long.MinValue) } });

        var doubleSum = new Metric { Name = "queue.depth", Sum = new Sum { AggregationTemporality = AggregationTemporality.Delta } };
        doubleSum.Sum.DataPoints.Add(new NumberDataPoint { AsDouble = -1.5e-300 });

        var histogram = new Metric { Name = "http.server.duration", Unit = "ms", Histogram = new Histogram { AggregationTemporality = AggregationTemporality.Delta } };
        histogram.Histogram.DataPoints.Add(new HistogramDataPoint
        {
            Attributes = { Kv("route", Str("/checkout")) },
            StartTimeUnixNano = 1,
            TimeUnixNano = 2,
            Count = 10,
            Sum = 1234.5,
            BucketCounts = { 1, 0, 5, 3, 1 },
            ExplicitBounds = { 0.5, 1, 2.5, 1e10 },
            Exemplars = { NewExemplar(asDouble: 2.0) },
            Flags = 1,
            Min = 0.1,
            Max = 1e9,
        });
        histogram.Histogram.DataPoints.Add(new HistogramDataPoint { Count = 0, Sum = 0 });
        histogram.Histogram.DataPoints.Add(new HistogramDataPoint { Count = 1, BucketCounts = { ulong.MaxValue } });

        var exponential = new Metric { Name = "body.size", ExponentialHistogram = new ExponentialHistogram { AggregationTemporality = AggregationTemporality.Cumulative } };
        exponential.ExponentialHistogram.DataPoints.Add(new ExponentialHistogramDataPoint
        {
            Attributes = { Kv("a", Str("b")) },
            StartTimeUnixNano = 3,
            TimeUnixNano = 4,
            Count = 12,
            Sum = -3.25,
            Scale = -3,
            ZeroCount = 2,
            Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = -2, BucketCounts = { 1, 2, 3, 0, 300 } },
            Negative = new ExponentialHistogramDataPoint.Types.Buckets { Offset = 5, BucketCounts = { 0, 7 } },
            Flags = 1,
            Exemplars = { NewExemplar(asInt: 9) },
            Min = -10,
            Max = 10,
            ZeroThreshold = 1e-9,
        });
        exponential.ExponentialHistogram.DataPoints.Add(new ExponentialHistogramDataPoint { Scale = 20, Positive = new ExponentialHistogramDataPoint.Types.Buckets() });

        var summary = new Metric { Name = "rpc.latency", Summary = new Summary() };
        summary.Summary.DataPoints.Add(new SummaryDataPoint
        {
            Attributes = { Kv("rpc", Str("Get")) },
            StartTimeUnixNano = 11,
            TimeUnixNano = 12,
            Count = 100,
            Sum = 250.75,
            QuantileValues =
            {
                new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0, Value = 0.5 },
                new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.5, Value = 2 },
                new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 1, Value = 9 },
            },
            Flags = 1,
        });

        scope.Metrics.Add(gauge);
        scope.Metrics.Add(intSum);
        scope.Metrics.Add(doubleSum);
        scope.Metrics.Add(histogram);
        scope.Metrics.Add(exponential);
        scope.Metrics.Add(summary);
        scope.Metrics.Add(new Metric { Name = "no.data" });

        var resourceMetrics = new ResourceMetrics
        {
            Resource = new Resource { Attributes = { AllAnyValueKinds() }, DroppedAttributesCount = 3 },
            ScopeMetrics = { scope, new ScopeMetrics() },
            SchemaUrl = "https://opentelemetry.io/schemas/1.24.0",
        };
        return new ExportMetricsServiceRequest { ResourceMetrics = { resourceMetrics, new ResourceMetrics() } };
    }

    private static ExportTraceServiceRequest RichTraces()
    {
        var server = new Span
        {
            TraceId = TraceId,
            SpanId = SpanId,
            TraceState = "congo=t61rcWkgMzE",
            ParentSpanId = ParentId,
            Flags = 0x301,
            Name = "GET /checkout",
            Kind = Span.Types.SpanKind.Server,
            StartTimeUnixNano = 1_700_000_000_000_000_000,
            EndTimeUnixNano = 1_700_000_001_250_000_000,
            Attributes = { AllAnyValueKinds() },
            DroppedAttributesCount = 4,
            Events =
            {
                new Span.Types.Event { TimeUnixNano = 1_700_000_000_500_000_000, Name = "exception", Attributes = { Kv("exception.type", Str("Timeout")) }, DroppedAttributesCount = 1 },
                new Span.Types.Event { Name = "bare" },
            },
            DroppedEventsCount = 2,
            Links =
            {
                new Span.Types.Link
                {
                    TraceId = Hex("0af7651916cd43dd8448eb211c80319c"),
                    SpanId = Hex("b7ad6b7169203331"),
                    TraceState = "rojo=00f067aa0ba902b7",
                    Attributes = { Kv("link.reason", Str("batched")) },
                    DroppedAttributesCount = 5,
                    Flags = 0x100,
                },
                new Span.Types.Link(),
            },
            DroppedLinksCount = 6,
            Status = new Status { Message = "upstream timeout", Code = Status.Types.StatusCode.Error },
        };
        var client = new Span
        {
            TraceId = TraceId,
            SpanId = Hex("ffffffffffffffff"),
            ParentSpanId = SpanId,
            Name = "SELECT orders",
            Kind = Span.Types.SpanKind.Client,
            Status = new Status { Code = Status.Types.StatusCode.Ok },
        };
        var request = WrapSpans(server, client, new Span { Name = "unspecified", Status = new Status() });
        request.ResourceSpans[0].Resource = new Resource { Attributes = { Kv("service.name", Str("checkout")) } };
        request.ResourceSpans[0].SchemaUrl = "https://opentelemetry.io/schemas/1.24.0";
        request.ResourceSpans[0].ScopeSpans[0].Scope = new InstrumentationScope { Name = "finscale.test", Version = "2" };
        request.ResourceSpans[0].ScopeSpans.Add(new ScopeSpans { SchemaUrl = "s" });
        return request;
    }

    private static IEnumerable<KeyValue> AllAnyValueKinds() =>
    [
        Kv("string", Str("h\u00e9llo \"quoted\" \u2603 \\ / \n\t\u0001 \U0001F600")),
        Kv("string.empty", Str(string.Empty)),
        Kv("bool.true", new AnyValue { BoolValue = true }),
        Kv("bool.false", new AnyValue { BoolValue = false }),
        Kv("int.min", new AnyValue { IntValue = long.MinValue }),
        Kv("int.zero", new AnyValue { IntValue = 0 }),
        Kv("int.max", new AnyValue { IntValue = long.MaxValue }),
        Kv("double", new AnyValue { DoubleValue = 3.25 }),
        Kv("double.zero", new AnyValue { DoubleValue = 0 }),
        Kv("double.nan", new AnyValue { DoubleValue = double.NaN }),
        Kv("double.inf", new AnyValue { DoubleValue = double.PositiveInfinity }),
        Kv("double.max", new AnyValue { DoubleValue = double.MaxValue }),
        Kv("double.tiny", new AnyValue { DoubleValue = double.Epsilon }),
        Kv("bytes", new AnyValue { BytesValue = ByteString.CopyFrom(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray()) }),
        Kv("bytes.empty", new AnyValue { BytesValue = ByteString.Empty }),
        Kv("array", new AnyValue
        {
            ArrayValue = new ArrayValue
            {
                Values =
                {
                    Str("a"),
                    new AnyValue { IntValue = 1 },
                    new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { ArrayValue = new ArrayValue() }, Str("nested") } } },
                    new AnyValue { KvlistValue = new KeyValueList { Values = { Kv("in.array", new AnyValue { BoolValue = true }) } } },
                    new AnyValue(),
                },
            },
        }),
        Kv("kvlist", new AnyValue
        {
            KvlistValue = new KeyValueList
            {
                Values =
                {
                    Kv("inner", new AnyValue { KvlistValue = new KeyValueList { Values = { Kv("deep", new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { DoubleValue = -0.5 } } } }) } } }),
                    Kv("empty", new AnyValue { KvlistValue = new KeyValueList() }),
                },
            },
        }),
        Kv("unset", new AnyValue()),
        new KeyValue { Key = "no.value" },
    ];

    private static Exemplar NewExemplar(double? asDouble = null, long? asInt = null)
    {
        var exemplar = new Exemplar { FilteredAttributes = { Kv("user", Str("u1")) }, TimeUnixNano = 1_700_000_000_000_000_123, SpanId = SpanId, TraceId = TraceId };
        if (asDouble is { } d)
            exemplar.AsDouble = d;
        if (asInt is { } i)
            exemplar.AsInt = i;
        return exemplar;
    }

    private static ExportTraceServiceRequest WrapSpans(params Span[] spans)
    {
        var scope = new ScopeSpans();
        scope.Spans.AddRange(spans);
        return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { scope } } } };
    }

    private static ExportTraceServiceRequest ParseTraces(string json) =>
        ExportTraceServiceRequest.Parser.ParseFrom(OtlpJsonTranscoder.TraceRequestToProtobuf(Encoding.UTF8.GetBytes(json)));

    private static KeyValue Kv(string key, AnyValue value) => new() { Key = key, Value = value };

    private static AnyValue Str(string value) => new() { StringValue = value };

    private static ByteString Hex(string hex) => ByteString.CopyFrom(Convert.FromHexString(hex));

    // ---- JSON helpers --------------------------------------------------------------------------------------------

    /// <summary>
    /// Google.Protobuf's proto3 JSON, turned into OTLP/JSON: trace and span ids rewritten from base64 to hex. With
    /// <paramref name="fieldNumberOrder"/> properties are reordered by field number, the order protoc's writers use, so
    /// the transcoder's output can be compared byte for byte.
    /// </summary>
    private static byte[] ToOtlpJson(IMessage message, bool enumsAsIntegers, bool fieldNumberOrder, bool snakeCase = false, bool relaxedEscaping = false)
    {
        var settings = JsonFormatter.Settings.Default.WithFormatEnumsAsIntegers(enumsAsIntegers).WithPreserveProtoFieldNames(snakeCase);
        var node = JsonNode.Parse(new JsonFormatter(settings).Format(message))!;
        var rewritten = Rewrite(node.AsObject(), message.Descriptor, fieldNumberOrder);
        var options = new JsonSerializerOptions { Encoder = relaxedEscaping ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default };
        return Encoding.UTF8.GetBytes(rewritten.ToJsonString(options));
    }

    private static JsonObject Rewrite(JsonObject json, MessageDescriptor descriptor, bool fieldNumberOrder)
    {
        var fields = json
            .Select(p => (p.Key, p.Value, Field: descriptor.FindFieldByName(p.Key) ?? descriptor.Fields.InDeclarationOrder().Single(f => f.JsonName == p.Key)))
            .ToList();
        if (fieldNumberOrder)
            fields = [.. fields.OrderBy(f => f.Field.FieldNumber)];
        var result = new JsonObject();
        foreach (var (key, value, field) in fields)
        {
            JsonNode? rewritten = field switch
            {
                { FieldType: FieldType.Bytes, Name: "trace_id" or "span_id" or "parent_span_id" } =>
                    JsonValue.Create(Convert.ToHexStringLower(Convert.FromBase64String(value!.GetValue<string>()))),
                { FieldType: FieldType.Message, IsRepeated: true } =>
                    new JsonArray([.. value!.AsArray().Select(e => (JsonNode?)Rewrite(e!.AsObject(), field.MessageType, fieldNumberOrder))]),
                { FieldType: FieldType.Message } => Rewrite(value!.AsObject(), field.MessageType, fieldNumberOrder),
                _ => value?.DeepClone(),
            };
            result[key] = rewritten;
        }

        return result;
    }

    private static readonly string[] Splices =
    [
        "{", "}", "[", "]", "\"", ",", ":", "null", "-", "0", "1e999", "-1", "\"\\ud800\"", "\"zz\"", "\\", "true", "{}", "[]",
        "\"NaN\"", "18446744073709551616", "\"traceId\":\"00\"", "\"kind\":\"SPAN_KIND_SERVER\"", "\u00ff", "\"\\u0000\"",
    ];

    private static readonly JsonNode?[] SwapValues =
    [
        null, JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(1.5), JsonValue.Create(1e300), JsonValue.Create(true),
        JsonValue.Create(string.Empty), JsonValue.Create("NaN"), JsonValue.Create("-Infinity"), JsonValue.Create("abc"),
        JsonValue.Create("18446744073709551616"), JsonValue.Create("-9223372036854775809"), JsonValue.Create(TraceIdHex),
        JsonValue.Create(SpanIdHex), JsonValue.Create("AAEC"), new JsonObject(), new JsonArray(), new JsonArray(JsonValue.Create(1), null),
        new JsonObject { ["stringValue"] = "x", ["intValue"] = "2" },
    ];

    private static byte[] Mutate(Random random, byte[] seed)
    {
        switch (random.Next(8))
        {
            case 0:
                return seed[..random.Next(seed.Length)];
            case 1:
            {
                var copy = (byte[])seed.Clone();
                for (var n = random.Next(1, 4); n > 0; n--)
                    copy[random.Next(copy.Length)] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)(copy[random.Next(copy.Length)] ^ (1 << random.Next(8)));
                return copy;
            }

            case 2:
            {
                var at = random.Next(seed.Length);
                return [.. seed[..at], .. Encoding.UTF8.GetBytes(Splices[random.Next(Splices.Length)]), .. seed[at..]];
            }

            case 3:
            {
                var from = random.Next(seed.Length);
                var to = Math.Min(seed.Length, from + random.Next(1, 64));
                return [.. seed[..from], .. seed[to..]];
            }

            case 4:
            {
                var from = random.Next(seed.Length);
                var to = Math.Min(seed.Length, from + random.Next(1, 256));
                return [.. seed[..to], .. seed[from..to], .. seed[to..]];
            }

            case 5:
            case 6:
            {
                // Type swaps: replace a random value in the tree with a value of another JSON type.
                var root = JsonNode.Parse(seed)!;
                var containers = new List<JsonNode>();
                Collect(root, containers);
                var target = containers[random.Next(containers.Count)];
                var replacement = SwapValues[random.Next(SwapValues.Length)]?.DeepClone();
                if (target is JsonObject obj && obj.Count > 0)
                    obj[obj.ElementAt(random.Next(obj.Count)).Key] = replacement;
                else if (target is JsonArray array && array.Count > 0)
                    array[random.Next(array.Count)] = replacement;
                return Encoding.UTF8.GetBytes(root.ToJsonString());
            }

            default:
            {
                // Deep nesting, in a known field (nested AnyValues) or an unknown one.
                var depth = random.Next(1, 400);
                var sb = new StringBuilder("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":""");
                var known = random.Next(2) == 0;
                for (var i = 0; i < depth; i++)
                    sb.Append(known ? """{"arrayValue":{"values":[""" : "[");
                for (var i = 0; i < depth; i++)
                    sb.Append(known ? "]}}" : "]");
                sb.Append("}]}}]}");
                return Encoding.UTF8.GetBytes(sb.ToString());
            }
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> containers)
    {
        containers.Add(node);
        if (node is JsonObject obj)
        {
            foreach (var (_, child) in obj)
            {
                if (child is JsonObject or JsonArray)
                    Collect(child, containers);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
            {
                if (child is JsonObject or JsonArray)
                    Collect(child, containers);
            }
        }
    }
}
