using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace FinScale.IntegrationTests.Interop;

/// <summary>
/// Renders OTLP protobuf requests as OTLP/JSON the way a spec-following sender writes them: the proto3 JSON mapping
/// (Google.Protobuf's formatter over the generated descriptors, lowerCamelCase names, 64-bit integers as strings,
/// enums as integers), except that trace and span ids are hex strings instead of base64.
/// </summary>
internal static class OtlpJsonRendering
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatEnumsAsIntegers(true));

    /// <summary>The OTLP/JSON text of an <c>ExportMetricsServiceRequest</c>.</summary>
    public static byte[] Metrics(byte[] protobuf) => Render(ExportMetricsServiceRequest.Parser.ParseFrom(protobuf));

    /// <summary>The OTLP/JSON text of an <c>ExportTraceServiceRequest</c>.</summary>
    public static byte[] Traces(byte[] protobuf) => Render(ExportTraceServiceRequest.Parser.ParseFrom(protobuf));

    /// <summary>The proto3 JSON of a message with base64 ids, for comparing messages field by field.</summary>
    public static string Canonical(IMessage message) => Formatter.Format(message);

    private static byte[] Render(IMessage message)
    {
        var json = JsonNode.Parse(Formatter.Format(message))!;
        HexIds(json);
        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    // traceId, spanId and parentSpanId occur in spans, links and exemplars: rewrite them wherever they are.
    private static void HexIds(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o.ToList())
                {
                    if (name is "traceId" or "spanId" or "parentSpanId" && value is JsonValue v && v.TryGetValue<string>(out var base64))
                        o[name] = Convert.ToHexStringLower(Convert.FromBase64String(base64));
                    else
                        HexIds(value);
                }

                break;
            case JsonArray a:
                foreach (var element in a)
                    HexIds(element);
                break;
        }
    }
}
