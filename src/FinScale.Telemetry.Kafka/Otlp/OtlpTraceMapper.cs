using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using OpenTelemetry;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace FinScale.Telemetry.Kafka.Otlp;

/// <summary>Turns one SDK export batch into Kafka records, one <c>ExportTraceServiceRequest</c> per trace id, keyed like the Collector does it.</summary>
/// <remarks>
/// The Collector's kafkaexporter with <c>partition_traces_by_id</c> splits a batch into one request per trace and keys
/// each record with the trace id as 32 lower-case hex characters (<c>traceutil.TraceIDToHexOrEmptyString</c>), so all
/// spans of a trace land on one partition. Within a record spans are grouped per ActivitySource (name and version) into
/// <c>ScopeSpans</c>. A trace too large for one record is cut into several, each holding spans of that trace only.
/// </remarks>
internal static class OtlpTraceMapper
{
    // OTLP Span.flags: bits 0-7 are the W3C trace flags; bit 8 says bit 9 is known; bit 9 says the parent is remote.
    private const uint ContextHasIsRemoteMask = 0x100;
    private const uint ContextIsRemoteMask = 0x200;
    private const int FramingBytes = 12;
    private const string StatusCodeTag = "otel.status_code";
    private const string StatusDescriptionTag = "otel.status_description";

    /// <summary>Maps the batch; returns the records and counts spans in <paramref name="spans"/>.</summary>
    internal static List<OtlpRecord> Map(in Batch<Activity> batch, OtlpResource resource, int maxRecordBytes, out int spans)
    {
        // Trace id -> its spans grouped by scope, in the order traces and scopes first appear in the batch.
        var traces = new Dictionary<ActivityTraceId, List<(InstrumentationScope Scope, List<Span> Spans)>>();
        var order = new List<ActivityTraceId>();
        spans = 0;
        foreach (var activity in batch)
        {
            if (!traces.TryGetValue(activity.TraceId, out var scopes))
            {
                scopes = [];
                traces.Add(activity.TraceId, scopes);
                order.Add(activity.TraceId);
            }

            var source = activity.Source;
            var index = scopes.FindIndex(s => s.Scope.Name == source.Name && s.Scope.Version == (source.Version ?? string.Empty));
            if (index < 0)
            {
                var scope = new InstrumentationScope { Name = source.Name, Version = source.Version ?? string.Empty };
                OtlpAttributes.AddTo(scope.Attributes, source.Tags);
                scopes.Add((scope, []));
                index = scopes.Count - 1;
            }

            scopes[index].Spans.Add(ToSpan(activity));
            spans++;
        }

        var records = new List<OtlpRecord>(order.Count);
        var resourceSize = resource.Resource.CalculateSize() + (2 * FramingBytes);
        foreach (var traceId in order)
        {
            var key = Encoding.ASCII.GetBytes(traceId.ToHexString());
            ResourceSpans? current = null;
            var size = 0;
            var items = 0;
            foreach (var (scope, scopeSpans) in traces[traceId])
            {
                var scopeSize = scope.CalculateSize() + (2 * FramingBytes);
                ScopeSpans? currentScope = null;
                foreach (var span in scopeSpans)
                {
                    var spanSize = span.CalculateSize() + FramingBytes;
                    if (current is not null && items > 0 && size + spanSize + (currentScope is null ? scopeSize : 0) > maxRecordBytes)
                    {
                        records.Add(Seal(key, current, items));
                        current = null;
                        currentScope = null;
                    }

                    if (current is null)
                    {
                        current = new ResourceSpans { Resource = resource.Resource };
                        size = resourceSize;
                        items = 0;
                    }

                    if (currentScope is null)
                    {
                        currentScope = new ScopeSpans { Scope = scope };
                        current.ScopeSpans.Add(currentScope);
                        size += scopeSize;
                    }

                    currentScope.Spans.Add(span);
                    size += spanSize;
                    items++;
                }
            }

            if (current is not null && items > 0)
            {
                records.Add(Seal(key, current, items));
            }
        }

        return records;
    }

    private static OtlpRecord Seal(byte[] key, ResourceSpans resourceSpans, int items)
    {
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        return new OtlpRecord(key, request.ToByteArray(), items);
    }

    private static Span ToSpan(Activity activity)
    {
        Span<byte> id = stackalloc byte[16];
        activity.TraceId.CopyTo(id);
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(id),
            Name = activity.DisplayName,
            Kind = ToKind(activity.Kind),
            StartTimeUnixNano = UnixNanos.From(activity.StartTimeUtc),
            EndTimeUnixNano = UnixNanos.From(activity.StartTimeUtc + activity.Duration),
            TraceState = activity.TraceStateString ?? string.Empty,
            Flags = (uint)activity.ActivityTraceFlags | ContextHasIsRemoteMask | (activity.HasRemoteParent ? ContextIsRemoteMask : 0),
        };

        activity.SpanId.CopyTo(id[..8]);
        span.SpanId = ByteString.CopyFrom(id[..8]);
        if (activity.ParentSpanId != default)
        {
            activity.ParentSpanId.CopyTo(id[..8]);
            span.ParentSpanId = ByteString.CopyFrom(id[..8]);
        }

        // Status: Activity.Status wins; instrumentation that predates it sets the otel.status_* tags instead,
        // which then become the status and are not repeated as attributes.
        var code = activity.Status;
        var description = activity.StatusDescription;
        var fromTags = false;
        if (code == ActivityStatusCode.Unset && activity.GetTagItem(StatusCodeTag) is string tagCode)
        {
            fromTags = true;
            code = tagCode.ToUpperInvariant() switch
            {
                "OK" => ActivityStatusCode.Ok,
                "ERROR" => ActivityStatusCode.Error,
                _ => ActivityStatusCode.Unset,
            };
            description = activity.GetTagItem(StatusDescriptionTag) as string;
        }

        foreach (var (key, value) in activity.TagObjects)
        {
            if (fromTags && key is StatusCodeTag or StatusDescriptionTag)
            {
                continue;
            }

            if (OtlpAttributes.ToAnyValue(value) is { } any)
            {
                span.Attributes.Add(new KeyValue { Key = key, Value = any });
            }
        }

        span.Status = new Status
        {
            Code = code switch
            {
                ActivityStatusCode.Ok => Status.Types.StatusCode.Ok,
                ActivityStatusCode.Error => Status.Types.StatusCode.Error,
                _ => Status.Types.StatusCode.Unset,
            },

            // OTLP: the message is only meaningful for an error.
            Message = code == ActivityStatusCode.Error ? description ?? string.Empty : string.Empty,
        };

        foreach (var e in activity.Events)
        {
            var otlpEvent = new Span.Types.Event { Name = e.Name, TimeUnixNano = UnixNanos.From(e.Timestamp) };
            OtlpAttributes.AddTo(otlpEvent.Attributes, e.Tags);
            span.Events.Add(otlpEvent);
        }

        foreach (var link in activity.Links)
        {
            var context = link.Context;
            context.TraceId.CopyTo(id);
            var otlpLink = new Span.Types.Link
            {
                TraceId = ByteString.CopyFrom(id),
                TraceState = context.TraceState ?? string.Empty,
                Flags = (uint)context.TraceFlags | ContextHasIsRemoteMask | (context.IsRemote ? ContextIsRemoteMask : 0),
            };
            context.SpanId.CopyTo(id[..8]);
            otlpLink.SpanId = ByteString.CopyFrom(id[..8]);
            OtlpAttributes.AddTo(otlpLink.Attributes, link.Tags);
            span.Links.Add(otlpLink);
        }

        return span;
    }

    private static Span.Types.SpanKind ToKind(ActivityKind kind) => kind switch
    {
        ActivityKind.Internal => Span.Types.SpanKind.Internal,
        ActivityKind.Server => Span.Types.SpanKind.Server,
        ActivityKind.Client => Span.Types.SpanKind.Client,
        ActivityKind.Producer => Span.Types.SpanKind.Producer,
        ActivityKind.Consumer => Span.Types.SpanKind.Consumer,
        _ => Span.Types.SpanKind.Unspecified,
    };
}
