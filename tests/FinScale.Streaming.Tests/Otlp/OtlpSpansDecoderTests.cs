using FinScale.Detection.Traces;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Otlp;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;
using static FinScale.Streaming.Tests.Otlp.Otlp;
using OtlpSpan = OpenTelemetry.Proto.Trace.V1.Span;

namespace FinScale.Streaming.Tests.Otlp;

public class OtlpSpansDecoderTests
{
    private static readonly byte[] TraceId = Convert.FromHexString("5b8efff798038103d269b633813fc60c");
    private static readonly byte[] ClientId = Convert.FromHexString("eee19b7ec3c1b174");
    private static readonly byte[] ServerId = Convert.FromHexString("eee19b7ec3c1b175");
    private readonly OtlpSpansDecoder _decoder = new(new OtlpOptions(), new FixedTime(DateTimeOffset.FromUnixTimeMilliseconds((long)(T0 / 1_000_000)).AddHours(1)));

    [Fact]
    public void Decode_Span_CarriesIdsKindStatusTimesResourceAndPeer()
    {
        var span = Span("POST /charge", OtlpSpan.Types.SpanKind.Client, ClientId, parent: null, Status.Types.StatusCode.Error, T0, T0 + 2_500_000);
        span.Attributes.Add(Attr("server.address", "gateway.example"));
        span.Attributes.Add(Attr("peer.service", "card-gateway"));
        var spans = Decode(Request(PodResource(extra: Attr("service.version", "1.4.2")), span));

        var s = Assert.Single(spans);
        Assert.Equal(UInt128.Parse("5b8efff798038103d269b633813fc60c", System.Globalization.NumberStyles.HexNumber), s.TraceId);
        Assert.Equal(0xeee19b7ec3c1b174UL, s.SpanId);
        Assert.Equal(0UL, s.ParentSpanId);
        Assert.Equal("POST /charge", s.Name);
        Assert.Equal(SpanKind.Client, s.Kind);
        Assert.Equal(SpanStatus.Error, s.Status);
        Assert.Equal(2.5, s.DurationMs, 9);
        Assert.Equal("card-gateway", s.PeerService);
        Assert.Equal(new SpanResource("payments", "pay", null, "payments-1", null, "1.4.2"), s.Resource);
    }

    [Fact]
    public void Decode_ManySpansOfOneResource_ShareOneResourceInstanceAndNameString()
    {
        var spans = Decode(Request(
            PodResource(),
            Span("GET /a", OtlpSpan.Types.SpanKind.Server, ClientId, null, Status.Types.StatusCode.Unset, T0, T0 + 1),
            Span("GET /a", OtlpSpan.Types.SpanKind.Server, ServerId, ClientId, Status.Types.StatusCode.Ok, T0, T0 + 1)));
        Assert.Same(spans[0].Resource, spans[1].Resource);
        Assert.Same(spans[0].Name, spans[1].Name);
        Assert.Equal(0xeee19b7ec3c1b174UL, spans[1].ParentSpanId);
    }

    [Fact]
    public void Decode_BadIdsTimesAndUnknownEnums_FollowTheRules()
    {
        var shortTrace = Span("a", OtlpSpan.Types.SpanKind.Server, ClientId, null, Status.Types.StatusCode.Ok, T0, T0 + 1);
        shortTrace.TraceId = ByteString.CopyFrom(new byte[8]);
        var noEnd = Span("b", OtlpSpan.Types.SpanKind.Server, ClientId, null, Status.Types.StatusCode.Ok, T0, 0);
        var backwards = Span("c", OtlpSpan.Types.SpanKind.Server, ClientId, null, Status.Types.StatusCode.Ok, T0 + 10, T0);
        var future = Span("d", OtlpSpan.Types.SpanKind.Server, ClientId, null, Status.Types.StatusCode.Ok, T0, T0 + (1000UL * 3600 * Second));
        var odd = Span("e", (OtlpSpan.Types.SpanKind)42, ClientId, null, (Status.Types.StatusCode)9, T0, T0 + 1);
        var spans = Decode(Request(PodResource(service: null!), shortTrace, noEnd, backwards, future, odd));

        var s = Assert.Single(spans);
        Assert.Equal(SpanKind.Unspecified, s.Kind);
        Assert.Equal(SpanStatus.Unset, s.Status);
        Assert.Equal("unknown_service", s.Resource.ServiceName);
        Assert.Equal(3, _decoder.Counters.MalformedSpanCount);
        Assert.Equal(1, _decoder.Counters.FutureTimestampPoints);
        Assert.Equal(5, _decoder.Counters.Spans);
    }

    [Fact]
    public void Decode_FuzzedInput_EitherDecodesOrIsARecordDecodeException_AndAFailureAddsNothing()
    {
        var seed = Request(
            PodResource(),
            Span("GET /a", OtlpSpan.Types.SpanKind.Server, ClientId, null, Status.Types.StatusCode.Unset, T0, T0 + 1),
            Span("GET /b", OtlpSpan.Types.SpanKind.Client, ServerId, ClientId, Status.Types.StatusCode.Error, T0, T0 + 5));
        var rng = new Random(99);
        var spans = new List<SpanRecord>();
        for (var i = 0; i < 3000; i++)
        {
            var input = (byte[])seed.Clone();
            if (i % 3 == 0)
                input = input[..rng.Next(input.Length)];
            else
                input[rng.Next(input.Length)] = (byte)rng.Next(256);
            var before = spans.Count;
            try
            {
                _decoder.Decode(input, spans);
            }
            catch (RecordDecodeException)
            {
                Assert.Equal(before, spans.Count);
            }
        }
    }

    private List<SpanRecord> Decode(byte[] request)
    {
        var spans = new List<SpanRecord>();
        _decoder.Decode(request, spans);
        return spans;
    }

    private static OtlpSpan Span(string name, OtlpSpan.Types.SpanKind kind, byte[] id, byte[]? parent, Status.Types.StatusCode status, ulong start, ulong end)
    {
        var s = new OtlpSpan
        {
            TraceId = ByteString.CopyFrom(TraceId),
            SpanId = ByteString.CopyFrom(id),
            Name = name,
            Kind = kind,
            StartTimeUnixNano = start,
            EndTimeUnixNano = end,
            Status = new Status { Code = status },
        };
        if (parent is not null)
            s.ParentSpanId = ByteString.CopyFrom(parent);
        return s;
    }

    private static byte[] Request(OpenTelemetry.Proto.Resource.V1.Resource resource, params OtlpSpan[] spans)
    {
        var scope = new ScopeSpans();
        scope.Spans.Add(spans);
        var rs = new ResourceSpans { Resource = resource };
        rs.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(rs);
        return request.ToByteArray();
    }
}
