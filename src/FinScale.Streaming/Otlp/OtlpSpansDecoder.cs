using System.Buffers.Binary;
using System.Text;
using FinScale.Contracts;
using FinScale.Detection.Traces;
using FinScale.Streaming.Configuration;

namespace FinScale.Streaming.Otlp;

/// <summary>
/// Turns OTLP <c>ExportTraceServiceRequest</c> bytes into <see cref="SpanRecord"/>s, straight from the wire.
/// </summary>
/// <remarks>
/// Rules: a span whose trace id is not 16 bytes, whose span id is not 8 bytes (or a parent id neither empty nor 8
/// bytes), or whose end time is 0, before its start, or beyond the allowed clock skew is skipped and counted.
/// Unknown span kinds read as <see cref="SpanKind.Unspecified"/>, unknown status codes as
/// <see cref="SpanStatus.Unset"/>. A resource without <c>service.name</c> is <c>unknown_service</c>. Structurally
/// broken protobuf fails the whole record (the output list is left empty).
/// </remarks>
internal sealed class OtlpSpansDecoder
{
    private const string UnknownService = "unknown_service";
    private const int MaxPooledStrings = 100_000;

    private readonly TimeProvider _time;
    private readonly ulong _maxSkewNanos;
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _stringLookup;
    private readonly Dictionary<SpanResource, SpanResource> _resources = [];
    private char[] _chars = new char[256];
    private ulong _nowNanos;

    /// <summary>Creates a decoder.</summary>
    public OtlpSpansDecoder(OtlpOptions options, TimeProvider time)
    {
        _time = time;
        _maxSkewNanos = (ulong)options.MaxFutureSkew.Ticks * 100;
        _stringLookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>What was done with the spans read so far.</summary>
    public OtlpDecodeCounters Counters { get; } = new();

    /// <summary>Decodes one request, appending its spans to <paramref name="spans"/>.</summary>
    /// <exception cref="Avro.RecordDecodeException">The bytes are not a well-formed request; <paramref name="spans"/> is as it was.</exception>
    public void Decode(ReadOnlySpan<byte> request, List<SpanRecord> spans)
    {
        var before = spans.Count;
        _nowNanos = (ulong)(_time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000L);
        long read = 0, malformed = 0, future = 0, defaulted = 0;
        try
        {
            var r = new ProtoReader(request);
            while (r.TryReadTag(out var field, out var wt))
            {
                if (field != 1)
                {
                    r.Skip(wt);
                    continue;
                }

                r.Expect(wt, WireType.LengthDelimited, "ExportTraceServiceRequest.resource_spans");
                ResourceSpans(r.ReadLengthDelimited(), spans, ref read, ref malformed, ref future, ref defaulted);
            }
        }
        catch
        {
            spans.RemoveRange(before, spans.Count - before);
            throw;
        }

        Counters.SpansRead += read;
        Counters.MalformedSpans += malformed;
        Counters.FutureTimestamp += future;
        Counters.DefaultedServiceName += defaulted;
    }

    private void ResourceSpans(ReadOnlySpan<byte> message, List<SpanRecord> spans, ref long read, ref long malformed, ref long future, ref long defaulted)
    {
        var resource = Resource(ProtoReader.LastMessageField(message, 1, "ResourceSpans.resource"), ref defaulted);
        var r = new ProtoReader(message);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field != 2)
            {
                r.Skip(wt);
                continue;
            }

            r.Expect(wt, WireType.LengthDelimited, "ResourceSpans.scope_spans");
            var scope = new ProtoReader(r.ReadLengthDelimited());
            while (scope.TryReadTag(out var f, out var w))
            {
                if (f != 2)
                {
                    scope.Skip(w);
                    continue;
                }

                scope.Expect(w, WireType.LengthDelimited, "ScopeSpans.spans");
                read++;
                var outcome = Span(scope.ReadLengthDelimited(), resource, out var span);
                if (outcome == 0)
                    spans.Add(span);
                else if (outcome == 1)
                    malformed++;
                else
                    future++;
            }
        }
    }

    private SpanResource Resource(ReadOnlySpan<byte> resource, ref long defaulted)
    {
        string? service = null, ns = null, deployment = null, pod = null, node = null, version = null;
        var r = new ProtoReader(resource);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field != 1)
            {
                r.Skip(wt);
                continue;
            }

            r.Expect(wt, WireType.LengthDelimited, "Resource.attributes");
            var key = OtlpAttributes.ReadKey(r.ReadLengthDelimited(), out var value);
            OtlpAttributes.Validate(value);
            var chars = Chars(key);
            if (chars.SequenceEqual(WellKnownAttributes.ServiceName))
                service = Text(value);
            else if (chars.SequenceEqual(WellKnownAttributes.Namespace))
                ns = Text(value);
            else if (chars.SequenceEqual(WellKnownAttributes.Deployment))
                deployment = Text(value);
            else if (chars.SequenceEqual(WellKnownAttributes.PodName))
                pod = Text(value);
            else if (chars.SequenceEqual(WellKnownAttributes.NodeName))
                node = Text(value);
            else if (chars.SequenceEqual(WellKnownAttributes.ServiceVersion))
                version = Text(value);
        }

        if (string.IsNullOrEmpty(service))
        {
            service = UnknownService;
            defaulted++;
        }

        // One instance per distinct resource, so downstream can compare resources by reference and memory stays per resource.
        var candidate = new SpanResource(service, ns, deployment, pod, node, version);
        if (_resources.TryGetValue(candidate, out var known))
            return known;
        if (_resources.Count < MaxPooledStrings)
            _resources.Add(candidate, candidate);
        return candidate;
    }

    /// <returns>0 for a good span, 1 for a malformed one, 2 for one timed in the future.</returns>
    private int Span(ReadOnlySpan<byte> message, SpanResource resource, out SpanRecord span)
    {
        ReadOnlySpan<byte> traceId = default, spanId = default, parentId = default, name = default;
        ulong kind = 0, start = 0, end = 0, status = 0;
        string? peer = null;
        var peerRank = int.MaxValue;
        var r = new ProtoReader(message);
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1:
                    r.Expect(wt, WireType.LengthDelimited, "Span.trace_id");
                    traceId = r.ReadLengthDelimited();
                    break;
                case 2:
                    r.Expect(wt, WireType.LengthDelimited, "Span.span_id");
                    spanId = r.ReadLengthDelimited();
                    break;
                case 4:
                    r.Expect(wt, WireType.LengthDelimited, "Span.parent_span_id");
                    parentId = r.ReadLengthDelimited();
                    break;
                case 5:
                    r.Expect(wt, WireType.LengthDelimited, "Span.name");
                    name = r.ReadLengthDelimited();
                    break;
                case 6:
                    r.Expect(wt, WireType.Varint, "Span.kind");
                    kind = r.ReadVarint();
                    break;
                case 7:
                    r.Expect(wt, WireType.Fixed64, "Span.start_time_unix_nano");
                    start = r.ReadFixed64();
                    break;
                case 8:
                    r.Expect(wt, WireType.Fixed64, "Span.end_time_unix_nano");
                    end = r.ReadFixed64();
                    break;
                case 9:
                {
                    r.Expect(wt, WireType.LengthDelimited, "Span.attributes");
                    var key = OtlpAttributes.ReadKey(r.ReadLengthDelimited(), out var value);
                    OtlpAttributes.Validate(value);
                    var rank = PeerRank(key);
                    if (rank < peerRank)
                    {
                        peerRank = rank;
                        peer = Text(value);
                    }

                    break;
                }

                case 15:
                    r.Expect(wt, WireType.LengthDelimited, "Span.status");
                    status = StatusCode(r.ReadLengthDelimited());
                    break;
                default:
                    r.Skip(wt);
                    break;
            }
        }

        span = default;
        if (traceId.Length != 16 || spanId.Length != 8 || (parentId.Length != 0 && parentId.Length != 8) || end == 0 || end < start || end > long.MaxValue)
            return 1;
        if (end > _nowNanos + _maxSkewNanos)
            return 2;
        span = new SpanRecord(
            BinaryPrimitives.ReadUInt128BigEndian(traceId),
            BinaryPrimitives.ReadUInt64BigEndian(spanId),
            parentId.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(parentId) : 0,
            resource,
            Pooled(name),
            kind <= 5 ? (SpanKind)kind : SpanKind.Unspecified,
            status <= 2 ? (SpanStatus)status : SpanStatus.Unset,
            (long)start,
            (long)end,
            string.IsNullOrEmpty(peer) ? null : peer);
        return 0;
    }

    private static ulong StatusCode(ReadOnlySpan<byte> status)
    {
        ulong code = 0;
        var r = new ProtoReader(status);
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == 3)
            {
                r.Expect(wt, WireType.Varint, "Status.code");
                code = r.ReadVarint();
            }
            else
            {
                r.Skip(wt);
            }
        }

        return code;
    }

    // The callee of a client span, best name first: peer.service, then server.address, then db.system.
    private static int PeerRank(ReadOnlySpan<byte> key)
    {
        if (key.SequenceEqual("peer.service"u8))
            return 0;
        if (key.SequenceEqual("server.address"u8))
            return 1;
        if (key.SequenceEqual("db.system"u8) || key.SequenceEqual("db.system.name"u8))
            return 2;
        return int.MaxValue;
    }

    private string Text(ReadOnlySpan<byte> anyValue)
    {
        // The common case, a string value, without building an intermediate string.
        var r = new ProtoReader(anyValue);
        if (r.TryReadTag(out var field, out var wt) && field == 1 && wt == WireType.LengthDelimited)
        {
            var bytes = r.ReadLengthDelimited();
            if (r.End)
                return Pooled(bytes);
        }

        return OtlpAttributes.ToText(anyValue);
    }

    private ReadOnlySpan<char> Chars(ReadOnlySpan<byte> utf8)
    {
        if (_chars.Length < utf8.Length)
            _chars = new char[utf8.Length * 2];
        return _chars.AsSpan(0, Encoding.UTF8.GetChars(utf8, _chars));
    }

    private string Pooled(ReadOnlySpan<byte> utf8)
    {
        var chars = Chars(utf8);
        if (_stringLookup.TryGetValue(chars, out var s))
            return s;
        s = chars.ToString();
        if (_strings.Count < MaxPooledStrings)
            _strings.Add(s, s);
        return s;
    }
}
