// Writes OTLP fixtures for OtlpJsonTranscoderTests: for each scenario, the same telemetry serialized by the official
// OpenTelemetry JS serializers (@opentelemetry/otlp-transformer) once as OTLP/JSON (<name>.json) and once as binary
// protobuf (<name>.pb). The .NET test transcodes each .json and expects the message parsed from the matching .pb.
// Data comes from the real SDKs (sdk-metrics readers, sdk-trace-base spans) with timestamps and ids pinned, so a
// regeneration with the same package versions writes the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, ValueType } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import {
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
mkdirSync(out, { recursive: true });

function write(name, json, pb) {
  writeFileSync(join(out, `${name}.json`), json);
  writeFileSync(join(out, `${name}.pb`), pb);
  console.log(`${name}: ${json.length} bytes JSON, ${pb.length} bytes protobuf`);
}

const resource = resourceFromAttributes({
  'service.name': 'checkout',
  'deployment.environment': 'prod',
  'host.cpu.count': 8,
  'sampling.ratio': 0.25,
  'feature.enabled': true,
  'service.tags': ['blue', 'canary'],
});

// Metrics -------------------------------------------------------------------------------------------------------

class CollectingReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const START = [1700000000, 123456789];
const END = [1700000060, 987654321];

async function collectMetrics(temporality) {
  const reader = new CollectingReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource,
    readers: [reader],
    views: [
      { instrumentName: 'http.server.request.body.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
    ],
  });
  const meter = provider.getMeter('finscale.fixture', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' });

  const orders = meter.createCounter('orders.placed', { description: 'Orders placed', unit: '{order}', valueType: ValueType.INT });
  orders.add(3, { region: 'eu' });
  orders.add(4, { region: 'eu' });
  orders.add(5, { region: 'us' });

  // 2^53 - 1: the largest integer a JS number holds exactly; the JSON serializer writes it as a JSON number.
  const bytes = meter.createCounter('bytes.sent', { unit: 'By', valueType: ValueType.INT });
  bytes.add(9007199254740991);

  const depth = meter.createUpDownCounter('queue.depth', { valueType: ValueType.DOUBLE });
  depth.add(2.5, { queue: 'payments' });
  depth.add(-1, { queue: 'payments' });

  const duration = meter.createHistogram('http.server.duration', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [5, 10, 25, 50, 100] },
  });
  for (const v of [3, 7, 7, 42, 250]) duration.record(v, { 'http.route': '/checkout' });

  const size = meter.createHistogram('http.server.request.body.size', { unit: 'By' });
  for (const v of [0, 1, 2, 1024, 1500, 70000]) size.record(v);

  meter.createObservableGauge('cpu.utilization', { unit: '1' }).addCallback(r => {
    r.observe(0.625, { cpu: '0' });
    r.observe(1e-7, { cpu: '1' });
  });
  meter.createObservableGauge('process.threads', { valueType: ValueType.INT }).addCallback(r => r.observe(-12));

  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw errors[0];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) {
        point.startTime = START;
        point.endTime = END;
      }
    }
  }
  await provider.shutdown();
  return resourceMetrics;
}

for (const [name, temporality] of [
  ['metrics-cumulative', AggregationTemporality.CUMULATIVE],
  ['metrics-delta', AggregationTemporality.DELTA],
]) {
  const rm = await collectMetrics(temporality);
  write(name, JsonMetricsSerializer.serializeRequest(rm), ProtobufMetricsSerializer.serializeRequest(rm));
}

// Traces --------------------------------------------------------------------------------------------------------

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const REMOTE_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
let nextSpan = 0;
const idGenerator = {
  generateTraceId: () => TRACE_ID,
  generateSpanId: () => (0xeee19b7ec3c1b170n + BigInt(nextSpan++)).toString(16).padStart(16, '0'),
};

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  resource,
  idGenerator,
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = tracerProvider.getTracer('finscale.fixture', '1.2.3');

const root = tracer.startSpan('GET /checkout', {
  kind: SpanKind.SERVER,
  startTime: [1700000000, 0],
  attributes: {
    'http.request.method': 'GET',
    'http.response.status_code': 504,
    'retry.ratio': 0.5,
    'cache.hit': false,
    'url.path.parts': ['api', 'checkout'],
    'batch.sizes': [1, 2, 3],
    'flags.set': [true, false],
  },
});
root.addEvent('exception', { 'exception.type': 'TimeoutError', 'exception.escaped': true }, [1700000000, 500000000]);
root.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });

const remote = {
  traceId: REMOTE_TRACE_ID,
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
};

const child = tracer.startSpan(
  'SELECT orders',
  {
    kind: SpanKind.CLIENT,
    startTime: [1700000000, 100000000],
    attributes: { 'db.system': 'postgresql', 'db.rows': 17 },
    links: [{ context: remote, attributes: { 'link.reason': 'batched', 'link.index': 0 } }],
  },
  trace.setSpan(ROOT_CONTEXT, root),
);
child.setStatus({ code: SpanStatusCode.OK });
child.end([1700000000, 350000000]);
root.end([1700000001, 250000000]);

const consumer = tracer.startSpan(
  'orders process',
  { kind: SpanKind.CONSUMER, startTime: [1700000002, 0] },
  trace.setSpanContext(ROOT_CONTEXT, remote),
);
consumer.end([1700000002, 1]);

tracer.startSpan('internal work', { startTime: [1700000003, 0] }).end([1700000003, 999999999]);
context.with(ROOT_CONTEXT, () =>
  tracer.startSpan('publish', { kind: SpanKind.PRODUCER, startTime: [1700000004, 0] }).end([1700000004, 5]),
);

const spans = exporter.getFinishedSpans();

// The SDK keeps only primitive attribute values (and arrays of them); OTLP's AnyValue also carries bytes, nested arrays
// and key-value lists, which the serializers handle. One span built by hand carries those, in the same resource and scope.
const template = spans[0];
spans.push({
  name: 'hand built',
  kind: SpanKind.INTERNAL,
  spanContext: () => ({ traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0000000000000001', traceFlags: TraceFlags.NONE }),
  parentSpanContext: undefined,
  startTime: [1700000005, 0],
  endTime: [1700000005, 42],
  status: { code: SpanStatusCode.UNSET },
  attributes: {
    'payload.bytes': new Uint8Array([0, 1, 2, 250, 251, 255]),
    'nested.arrays': [[1, 2], ['a', 'b'], []],
    'kv.list': { name: 'inner', count: 3, ratio: 1.5, deeper: { ok: true, list: ['x'] } },
    'text.unicode': 'h\u00e9llo "quoted" \u2603 \\ /\n\ttab',
    'int.negative': -9007199254740991,
    'double.tiny': 5e-324,
  },
  links: [],
  events: [],
  duration: [0, 42],
  ended: true,
  resource: template.resource,
  instrumentationScope: template.instrumentationScope,
  droppedAttributesCount: 1,
  droppedEventsCount: 2,
  droppedLinksCount: 3,
});

write('traces', JsonTraceSerializer.serializeRequest(spans), ProtobufTraceSerializer.serializeRequest(spans));
await tracerProvider.shutdown();
