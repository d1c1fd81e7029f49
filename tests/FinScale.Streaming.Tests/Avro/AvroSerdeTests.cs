using System.Buffers.Binary;
using Avro;
using Avro.Generic;
using Avro.IO;
using FinScale.Contracts;
using RegistrySchema = Confluent.SchemaRegistry.Schema;
using RegistrySchemaType = Confluent.SchemaRegistry.SchemaType;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

public sealed class AvroSerdeTests
{
    private static readonly AvroSerdes Serdes = new();

    public static TheoryData<ExecutionMode, ActionKind, DecisionOutcome, bool, string?> EveryDecisionShape()
    {
        var data = new TheoryData<ExecutionMode, ActionKind, DecisionOutcome, bool, string?>();
        foreach (var mode in Enum.GetValues<ExecutionMode>())
        {
            foreach (var action in Enum.GetValues<ActionKind>().Where(a => a != ActionKind.Unknown))
            {
                foreach (var outcome in Enum.GetValues<DecisionOutcome>().Where(o => o != DecisionOutcome.Unknown))
                {
                    foreach (var withTarget in new[] { true, false })
                    {
                        data.Add(mode, action, outcome, withTarget, null);
                        data.Add(mode, action, outcome, withTarget, "max-restarts-per-hour");
                    }
                }
            }
        }

        return data;
    }

    [Fact]
    public void Serialize_MetricSample_RoundTrips()
    {
        var sample = TestRecords.Sample();

        var decoded = Serdes.MetricSample.Deserialize(Serdes.MetricSample.Serialize(sample));

        TestRecords.AssertSameContent(sample, decoded);
    }

    [Fact]
    public void Serialize_MetricSampleWithoutAttributes_RoundTripsWithEmptyAttributes()
    {
        var sample = TestRecords.Sample() with { Attributes = new Dictionary<string, string>() };

        var decoded = Serdes.MetricSample.Deserialize(Serdes.MetricSample.Serialize(sample));

        TestRecords.AssertSameContent(sample, decoded);
        Assert.Empty(decoded.Attributes);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.MinValue)]
    [InlineData(double.MaxValue)]
    [InlineData(double.Epsilon)]
    [InlineData(-1e-300)]
    public void Serialize_MetricSampleExtremeFiniteValue_RoundTripsBitExact(double value)
    {
        var sample = TestRecords.Sample(value: value);

        var decoded = Serdes.MetricSample.Deserialize(Serdes.MetricSample.Serialize(sample));

        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(decoded.Value));
    }

    [Fact]
    public void Serialize_MetricSampleNonAsciiText_RoundTrips()
    {
        var sample = new MetricSample("zahlungen.größe", TestRecords.EventTime, 1, new Dictionary<string, string> { ["région"] = "€ ✓ 支付" });

        var decoded = Serdes.MetricSample.Deserialize(Serdes.MetricSample.Serialize(sample));

        TestRecords.AssertSameContent(sample, decoded);
    }

    [Fact]
    public void Serialize_Anomaly_RoundTrips()
    {
        var anomaly = TestRecords.Anomaly();

        var decoded = Serdes.Anomaly.Deserialize(Serdes.Anomaly.Serialize(anomaly));

        TestRecords.AssertSameContent(anomaly, decoded);
    }

    [Fact]
    public void Serialize_AnomalyAndDecisionWithTraceAndSpanIds_RoundTrip()
    {
        var anomaly = TestRecords.Anomaly() with { TraceId = "0af7651916cd43dd8448eb211c80319c", SpanId = "00f067aa0ba902b7" };
        var decision = TestRecords.Decision() with
        {
            Anomaly = anomaly,
            Anomalies = [new AnomalyRef(anomaly.AnomalyId, anomaly.Series, anomaly.TraceId, anomaly.SpanId), new AnomalyRef("other", "s", "5e000000000000000000000000000002")],
        };

        var decodedAnomaly = Serdes.Anomaly.Deserialize(Serdes.Anomaly.Serialize(anomaly));
        var decoded = Serdes.RemediationDecision.Deserialize(Serdes.RemediationDecision.Serialize(decision));

        Assert.Equal(("0af7651916cd43dd8448eb211c80319c", "00f067aa0ba902b7"), (decodedAnomaly.TraceId, decodedAnomaly.SpanId));
        Assert.Equal("00f067aa0ba902b7", decoded.Anomaly.SpanId);
        Assert.Equal(decision.Anomalies, decoded.Anomalies);
        Assert.Null(decoded.Anomalies[1].SpanId);
    }

    [Fact]
    public void Deserialize_AnomalyWrittenWithTheV2Schema_DecodesWithNoSpanId()
    {
        var v2 = AvroSchemas.AnomalyHistory.Single(h => h.Fields.Any(f => f.Name == "trace_id") && h.Fields.All(f => f.Name != "span_id"));
        var old = new GenericRecord(v2);
        old.Add("anomaly_id", "a1");
        old.Add("series", "s{}");
        old.Add("metric", "s");
        old.Add("attributes", new Dictionary<string, object>());
        old.Add("event_time", TestRecords.EventTime.UtcDateTime);
        old.Add("observed", 2.0);
        old.Add("expected", 1.0);
        old.Add("score", 0.9);
        old.Add("z_score", 4.0);
        old.Add("detector", "ensemble");
        old.Add("trace_id", "0af7651916cd43dd8448eb211c80319c");
        old.Add("state", new GenericEnum((EnumSchema)v2["state"].Schema, "open"));

        var decoded = Serdes.Anomaly.Deserialize(EncodeSingleObject(v2, old));

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", decoded.TraceId);
        Assert.Null(decoded.SpanId);
    }

    [Theory]
    [MemberData(nameof(EveryDecisionShape))]
    public void Serialize_RemediationDecision_RoundTrips(ExecutionMode mode, ActionKind action, DecisionOutcome outcome, bool withTarget, string? guard)
    {
        var decision = TestRecords.Decision(mode, action, outcome, withTarget, guard);

        var decoded = Serdes.RemediationDecision.Deserialize(Serdes.RemediationDecision.Serialize(decision));

        TestRecords.AssertSameContent(decision, decoded);
    }

    [Fact]
    public void Serialize_MetricSample_StartsWithSingleObjectHeaderOfSchemaFingerprint() =>
        AssertSingleObjectHeader(Serdes.MetricSample.Serialize(TestRecords.Sample()), AvroSchemas.MetricSample);

    [Fact]
    public void Serialize_Anomaly_StartsWithSingleObjectHeaderOfSchemaFingerprint() =>
        AssertSingleObjectHeader(Serdes.Anomaly.Serialize(TestRecords.Anomaly()), AvroSchemas.Anomaly);

    [Fact]
    public void Serialize_RemediationDecision_StartsWithSingleObjectHeaderOfSchemaFingerprint() =>
        AssertSingleObjectHeader(Serdes.RemediationDecision.Serialize(TestRecords.Decision()), AvroSchemas.RemediationDecision);

    [Fact]
    public void Serialize_MetricSample_BodyIsPlainAvroBinaryOfTheSchema()
    {
        var sample = TestRecords.Sample();

        var bytes = Serdes.MetricSample.Serialize(sample);

        // Any Avro reader holding only the schema file reads the body after the 10-byte header.
        var reader = new GenericDatumReader<GenericRecord>(AvroSchemas.MetricSample, AvroSchemas.MetricSample);
        using var stream = new MemoryStream(bytes, AvroFraming.SingleObjectHeaderLength, bytes.Length - AvroFraming.SingleObjectHeaderLength);
        var record = reader.Read(null!, new BinaryDecoder(stream));
        Assert.Equal(sample.Name, record["name"]);
        Assert.Equal(sample.Value, record["value"]);
        Assert.Equal(sample.Timestamp.UtcDateTime, record["timestamp"]);
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public void Deserialize_Empty_ThrowsSayingEmpty()
    {
        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize([]));

        Assert.Contains("empty", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Deserialize_RandomBytes_ThrowsNamingFramingAndFirstByte()
    {
        var random = new Random(20240314);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            if (bytes[0] is 0x00 or 0xC3)
                bytes[0] = 0x7B;

            var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(bytes));

            Assert.Contains("io.finscale.v1.MetricSample", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"0x{bytes[0]:x2}", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0x6E, 0x61, 0x6D, 0x65, 0x22, 0x3A, 0x22, 0x78, 0x22, 0x7D }, "0x7b")] // JSON
    [InlineData(new byte[] { 0x4F, 0x62, 0x6A, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 }, "0x4f")] // Avro object container file
    [InlineData(new byte[] { 0xC3, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "0xc3")] // wrong second marker byte
    [InlineData(new byte[] { 0x01, 0xC3, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "0x01")]
    [InlineData(new byte[] { 0xC3, 0x01, 0x12, 0x34 }, "0xc3")] // header cut short
    [InlineData(new byte[] { 0x00, 0x00, 0x01 }, "0x00")] // registry header cut short
    public void Deserialize_WrongFirstBytes_ThrowsNamingFirstByte(byte[] bytes, string firstByte)
    {
        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(bytes));

        Assert.Contains("neither single-object", ex.Message, StringComparison.Ordinal);
        Assert.Contains(firstByte, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_UnknownFingerprint_ThrowsNamingFingerprint()
    {
        var bytes = Serdes.MetricSample.Serialize(TestRecords.Sample());
        var fingerprint = AvroSchemas.Fingerprint(AvroSchemas.MetricSample) ^ 0x0102030405060708L;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(2), fingerprint);

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(bytes));

        Assert.Contains("unknown Avro schema fingerprint", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"0x{fingerprint:x16}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_AnomalyBytesIntoMetricSampleSerde_ThrowsUnknownFingerprint()
    {
        var bytes = Serdes.Anomaly.Serialize(TestRecords.Anomaly());

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(bytes));

        Assert.Contains("unknown Avro schema fingerprint", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"0x{AvroSchemas.Fingerprint(AvroSchemas.Anomaly):x16}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_DecisionBytesIntoAnomalySerde_ThrowsUnknownFingerprint()
    {
        var bytes = Serdes.RemediationDecision.Serialize(TestRecords.Decision());

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.Anomaly.Deserialize(bytes));

        Assert.Contains("unknown Avro schema fingerprint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_EveryTruncationOfMetricSample_Throws() =>
        AssertEveryTruncationThrows(Serdes.MetricSample, Serdes.MetricSample.Serialize(TestRecords.Sample()));

    [Fact]
    public void Deserialize_EveryTruncationOfAnomaly_Throws() =>
        AssertEveryTruncationThrows(Serdes.Anomaly, Serdes.Anomaly.Serialize(TestRecords.Anomaly()));

    [Theory]
    [InlineData(true, "guard")]
    [InlineData(false, null)]
    public void Deserialize_EveryTruncationOfRemediationDecision_Throws(bool withTarget, string? guard) =>
        AssertEveryTruncationThrows(Serdes.RemediationDecision, Serdes.RemediationDecision.Serialize(TestRecords.Decision(withTarget: withTarget, guard: guard)));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(100)]
    public void Deserialize_TrailingGarbage_ThrowsCountingTrailingBytes(int extra)
    {
        var valid = Serdes.MetricSample.Serialize(TestRecords.Sample());
        var bytes = valid.Concat(Enumerable.Repeat((byte)0x2A, extra)).ToArray();

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(bytes));

        Assert.Contains($"{extra} trailing bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_TrailingGarbageAfterDecision_Throws()
    {
        var bytes = Serdes.RemediationDecision.Serialize(TestRecords.Decision()).Append((byte)0).ToArray();

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.RemediationDecision.Deserialize(bytes));

        Assert.Contains("trailing", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Deserialize_MetricSampleNonFiniteValue_ThrowsSayingNotFinite(double value)
    {
        var bytes = Serdes.MetricSample.Serialize(TestRecords.Sample(value: value));

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(bytes));

        Assert.Contains("invalid io.finscale.v1.MetricSample", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not finite", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_MetricSampleEmptyName_ThrowsSayingNameIsEmpty()
    {
        var bytes = Serdes.MetricSample.Serialize(TestRecords.Sample(name: string.Empty));

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(bytes));

        Assert.Contains("metric name is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_RandomBodyAfterValidHeader_DecodesOrThrowsRecordDecodeException()
    {
        var header = Serdes.RemediationDecision.Serialize(TestRecords.Decision())[..AvroFraming.SingleObjectHeaderLength];
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var body = new byte[random.Next(0, 48)];
            random.NextBytes(body);
            // Single-byte varints only: every length read stays small (huge lengths are the skipped test below).
            for (var k = 0; k < body.Length; k++)
                body[k] &= 0x7F;
            byte[] bytes = [.. header, .. body];

            var ex = Record.Exception(() => Serdes.RemediationDecision.Deserialize(bytes));

            Assert.True(ex is null or RecordDecodeException, $"body {Convert.ToHexString(body)}: {ex}");
        }
    }

    [Fact]
    public void Deserialize_StringLengthBeyondBody_ThrowsWithoutAllocatingDeclaredLength()
    {
        byte[] body = [0x80, 0x80, 0x80, 0x80, 0x08]; // the name field declares a length of 2^30 bytes
        var header = Serdes.MetricSample.Serialize(TestRecords.Sample())[..AvroFraming.SingleObjectHeaderLength];
        byte[] bytes = [.. header, .. body];
        var before = GC.GetAllocatedBytesForCurrentThread();

        var ex = Record.Exception(() => Serdes.MetricSample.Deserialize(bytes));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsType<RecordDecodeException>(ex);
        Assert.True(allocated < 16 * 1024 * 1024, $"decoding a {bytes.Length}-byte record allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Deserialize_UnknownEnumSymbolIndex_ThrowsRecordDecodeException()
    {
        // A decision whose mode index is out of range for the ExecutionMode enum.
        var bytes = Serdes.RemediationDecision.Serialize(TestRecords.Decision(ExecutionMode.Shadow));
        var modeOffset = AvroFraming.SingleObjectHeaderLength
            + AvroStringLength("d-42") + AvroStringLength("idem-42") + AvroLongLength(TestRecords.EventTime.ToUnixTimeMilliseconds());
        Assert.Equal(0, bytes[modeOffset]); // shadow is index 0, zig-zag 0
        bytes[modeOffset] = 0x7E; // zig-zag 63

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.RemediationDecision.Deserialize(bytes));

        Assert.Contains("io.finscale.v1.RemediationDecision", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_EarlierWriterSchemaWithoutAttributes_DecodesWithEmptyAttributes()
    {
        var earlier = (RecordSchema)Schema.Parse("""
            {
              "type": "record", "name": "MetricSample", "namespace": "io.finscale.v1",
              "fields": [
                { "name": "name", "type": "string" },
                { "name": "timestamp", "type": { "type": "long", "logicalType": "timestamp-millis" } },
                { "name": "value", "type": "double" }
              ]
            }
            """);
        var serde = new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), earlierVersions: [earlier]);
        var old = new GenericRecord(earlier);
        old.Add("name", "payments.authorised.rate");
        old.Add("timestamp", TestRecords.EventTime.UtcDateTime);
        old.Add("value", 12.5);
        var bytes = EncodeSingleObject(earlier, old);

        var decoded = serde.Deserialize(bytes);

        Assert.Equal("payments.authorised.rate", decoded.Name);
        Assert.Equal(TestRecords.EventTime, decoded.Timestamp);
        Assert.Equal(12.5, decoded.Value);
        Assert.Empty(decoded.Attributes);
    }

    [Fact]
    public void Deserialize_EarlierWriterSchemaNotDeclared_ThrowsUnknownFingerprint()
    {
        var earlier = (RecordSchema)Schema.Parse("""
            {"type":"record","name":"MetricSample","namespace":"io.finscale.v1","fields":[
              {"name":"name","type":"string"},
              {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
              {"name":"value","type":"double"}]}
            """);
        var old = new GenericRecord(earlier);
        old.Add("name", "m");
        old.Add("timestamp", TestRecords.EventTime.UtcDateTime);
        old.Add("value", 1.0);

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(EncodeSingleObject(earlier, old)));

        Assert.Contains("unknown Avro schema fingerprint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_EarlierWriterSchemaWithFloatValue_PromotesToDouble()
    {
        var earlier = (RecordSchema)Schema.Parse("""
            {"type":"record","name":"MetricSample","namespace":"io.finscale.v1","fields":[
              {"name":"name","type":"string"},
              {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
              {"name":"value","type":"float"},
              {"name":"attributes","type":{"type":"map","values":"string"},"default":{}}]}
            """);
        var serde = new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), earlierVersions: [earlier]);
        var old = new GenericRecord(earlier);
        old.Add("name", "m");
        old.Add("timestamp", TestRecords.EventTime.UtcDateTime);
        old.Add("value", 2.5f);
        old.Add("attributes", new Dictionary<string, object> { ["k"] = "v" });

        var decoded = serde.Deserialize(EncodeSingleObject(earlier, old));

        Assert.Equal(2.5, decoded.Value);
        Assert.Equal("v", decoded.Attributes["k"]);
    }

    [Fact]
    public void Deserialize_RegistryFramedUnknownId_ThrowsNamingId()
    {
        var body = Serdes.MetricSample.Serialize(TestRecords.Sample())[AvroFraming.SingleObjectHeaderLength..];
        var bytes = new byte[AvroFraming.RegistryHeaderLength + body.Length];
        AvroFraming.WriteRegistryHeader(bytes, 4711);
        body.CopyTo(bytes, AvroFraming.RegistryHeaderLength);

        var ex = Assert.Throws<RecordDecodeException>(() => Serdes.MetricSample.Deserialize(bytes));

        Assert.Contains("Schema Registry id 4711", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_RegistryWithoutSubject_Throws()
    {
        var registry = FakeSchemaRegistry.Create();

        Assert.ThrowsAny<ArgumentException>(() => new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), registry: registry));
    }

    [Fact]
    public void Serialize_RegistryNotInitialized_ThrowsInvalidOperation()
    {
        var serdes = new AvroSerdes(FakeSchemaRegistry.Create(), ("m", "a", "d"));

        Assert.True(serdes.MetricSample.UsesRegistry);
        var ex = Assert.Throws<InvalidOperationException>(() => serdes.MetricSample.Serialize(TestRecords.Sample()));
        Assert.Contains("InitializeAsync", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serialize_RegistryInitialized_WritesRegistryHeaderAndRoundTrips()
    {
        var registry = FakeSchemaRegistry.Create();
        var serdes = new AvroSerdes(registry, ("metrics", "anomalies", "audit"));
        await serdes.InitializeAsync(CancellationToken.None);
        var sample = TestRecords.Sample();
        var decision = TestRecords.Decision();

        var sampleBytes = serdes.MetricSample.Serialize(sample);
        var decisionBytes = serdes.RemediationDecision.Serialize(decision);

        Assert.True(AvroFraming.TryReadRegistryHeader(sampleBytes, out var sampleId));
        Assert.Equal(FakeSchemaRegistry.IdOf(registry, "metrics-value"), sampleId);
        Assert.True(AvroFraming.TryReadRegistryHeader(decisionBytes, out var decisionId));
        Assert.Equal(FakeSchemaRegistry.IdOf(registry, "audit-value"), decisionId);
        TestRecords.AssertSameContent(sample, serdes.MetricSample.Deserialize(sampleBytes));
        TestRecords.AssertSameContent(decision, serdes.RemediationDecision.Deserialize(decisionBytes));
    }

    [Fact]
    public async Task DeserializeAsync_RegistryIdWrittenByAnotherInstance_FetchesWriterSchemaAndDecodes()
    {
        var registry = FakeSchemaRegistry.Create();
        var writer = new AvroSerdes(registry, ("metrics", "anomalies", "audit"));
        await writer.InitializeAsync(CancellationToken.None);
        var reader = new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), registry: registry, subject: "metrics-value");
        var sample = TestRecords.Sample();
        var bytes = writer.MetricSample.Serialize(sample);

        Assert.Throws<RecordDecodeException>(() => reader.Deserialize(bytes));
        var decoded = await reader.DeserializeAsync(bytes, CancellationToken.None);

        TestRecords.AssertSameContent(sample, decoded);
        TestRecords.AssertSameContent(sample, reader.Deserialize(bytes)); // now cached
    }

    [Fact]
    public async Task DeserializeAsync_RegistryIdUnknownToRegistry_ThrowsNamingId()
    {
        var registry = FakeSchemaRegistry.Create();
        var serde = new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), registry: registry, subject: "metrics-value");
        var bytes = new byte[] { 0x00, 0x00, 0x00, 0x03, 0x09, 0x00 };

        var ex = await Assert.ThrowsAsync<RecordDecodeException>(async () => await serde.DeserializeAsync(bytes, CancellationToken.None));

        Assert.Contains("Schema Registry id 777", ex.Message, StringComparison.Ordinal);
    }

    // BUG: AvroSerde.DeserializeAsync (src/FinScale.Streaming/Avro/AvroSerde.cs, lines 132-133) parses the fetched
    // writer schema and builds the resolving reader outside any try: an incompatible writer schema throws
    // Avro.AvroException("Schema mismatch ...") instead of RecordDecodeException, so KafkaSource.Process (which
    // catches only RecordDecodeException) faults the pipeline instead of dead-lettering the record.
    [Fact]
    public async Task DeserializeAsync_RegistryIdOfAnotherRecordType_ThrowsRecordDecodeException()
    {
        // A producer writing anomalies to the metrics topic: the id resolves, but to a schema the reader cannot read.
        var registry = FakeSchemaRegistry.Create();
        var writer = new AvroSerdes(registry, ("metrics", "anomalies", "audit"));
        await writer.InitializeAsync(CancellationToken.None);
        var reader = new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), registry: registry, subject: "metrics-value");
        var bytes = writer.Anomaly.Serialize(TestRecords.Anomaly());

        var ex = await Record.ExceptionAsync(async () => await reader.DeserializeAsync(bytes, CancellationToken.None));

        Assert.True(ex is RecordDecodeException, ex?.ToString() ?? "decoded without error");
    }

    [Fact]
    public async Task DeserializeAsync_RegistrySchemaThatDoesNotParse_ThrowsRecordDecodeException()
    {
        var registry = FakeSchemaRegistry.Create();
        var id = await registry.RegisterSchemaAsync(
            "metrics-value",
            new RegistrySchema("""{"type":"record","name":"MetricSample","namespace":"io.finscale.v1","fields":[{"name":"x","type":"com.other.Referenced"}]}""", RegistrySchemaType.Avro));
        var serde = new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), registry: registry, subject: "metrics-value");
        var bytes = new byte[AvroFraming.RegistryHeaderLength + 1];
        AvroFraming.WriteRegistryHeader(bytes, id);

        var ex = await Record.ExceptionAsync(async () => await serde.DeserializeAsync(bytes, CancellationToken.None));

        Assert.True(ex is RecordDecodeException, ex?.ToString() ?? "decoded without error");
    }

    [Fact]
    public async Task DeserializeAsync_RegistrySchemaNotAvro_ThrowsNamingType()
    {
        var registry = FakeSchemaRegistry.Create();
        var id = await registry.RegisterSchemaAsync("metrics-value", new RegistrySchema("syntax = \"proto3\"; message M {}", RegistrySchemaType.Protobuf));
        var serde = new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper(), registry: registry, subject: "metrics-value");
        var bytes = new byte[AvroFraming.RegistryHeaderLength + 1];
        AvroFraming.WriteRegistryHeader(bytes, id);

        var ex = await Assert.ThrowsAsync<RecordDecodeException>(async () => await serde.DeserializeAsync(bytes, CancellationToken.None));

        Assert.Contains("Protobuf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_NewerWriterWithUnknownEnumSymbols_ReadsUnknown()
    {
        var newerText = AvroSchemas.Text(AvroSchemas.RemediationDecisionFile)
            .Replace("\"restart_pod\",", "\"restart_pod\",\n          \"scale_out\",", StringComparison.Ordinal)
            .Replace("\"no_action\",", "\"no_action\",\n          \"rolled_back\",", StringComparison.Ordinal);
        var newer = (RecordSchema)Schema.Parse(newerText);
        Assert.NotEqual(AvroSchemas.Fingerprint(AvroSchemas.RemediationDecision), AvroSchemas.Fingerprint(newer));
        var serde = new AvroSerde<RemediationDecision>(AvroSchemas.RemediationDecision, new RemediationDecisionMapper(), earlierVersions: [newer]);
        var current = new RemediationDecisionMapper().ToAvro(TestRecords.Decision());
        var record = new GenericRecord(newer);
        foreach (var field in newer.Fields)
            record.Add(field.Name, current[field.Name]);
        record.Add("mode", new GenericEnum((EnumSchema)newer["mode"].Schema, "enforce"));
        record.Add("action", new GenericEnum((EnumSchema)newer["action"].Schema, "scale_out"));
        record.Add("outcome", new GenericEnum((EnumSchema)newer["outcome"].Schema, "rolled_back"));
        record.Add("target", null);

        var decoded = serde.Deserialize(EncodeSingleObject(newer, record));

        Assert.Equal(ExecutionMode.Enforce, decoded.Mode);
        Assert.Equal(ActionKind.Unknown, decoded.Action);
        Assert.Equal(DecisionOutcome.Unknown, decoded.Outcome);
    }

    [Fact]
    public async Task DeserializeAsync_SingleObjectFraming_DecodesWithoutRegistry()
    {
        var sample = TestRecords.Sample();

        var decoded = await Serdes.MetricSample.DeserializeAsync(Serdes.MetricSample.Serialize(sample), CancellationToken.None);

        TestRecords.AssertSameContent(sample, decoded);
    }

    private static void AssertSingleObjectHeader(byte[] bytes, RecordSchema schema)
    {
        Assert.True(bytes.Length > AvroFraming.SingleObjectHeaderLength);
        Assert.Equal(0xC3, bytes[0]);
        Assert.Equal(0x01, bytes[1]);
        var expected = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(expected, SchemaNormalization.ParsingFingerprint64(schema));
        Assert.Equal(expected, bytes[2..10]);
    }

    private static void AssertEveryTruncationThrows<T>(AvroSerde<T> serde, byte[] valid)
    {
        // Length 0 is the empty-value case, covered by its own test.
        for (var length = 1; length < valid.Length; length++)
        {
            var truncated = valid[..length];
            var ex = Record.Exception(() => serde.Deserialize(truncated));
            if (ex is not RecordDecodeException decode)
                throw new Xunit.Sdk.XunitException($"length {length} of {valid.Length}: {ex?.ToString() ?? "decoded without error"}");
            Assert.Contains(serde.Schema.Fullname, decode.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Deserialize_DecisionWrittenUnderVersion1_ReadsWithTheNewFieldsDefaulted()
    {
        var v1 = AvroSchemas.RemediationDecisionHistory[0];
        var anomalySchema = (RecordSchema)v1["anomaly"].Schema;
        var anomaly = new GenericRecord(anomalySchema);
        anomaly.Add("anomaly_id", "a1");
        anomaly.Add("series", "latency{k8s.pod.name=\"p\"}");
        anomaly.Add("metric", "latency");
        anomaly.Add("attributes", new Dictionary<string, object> { ["k8s.pod.name"] = "p" });
        anomaly.Add("event_time", new DateTime(2026, 11, 2, 4, 55, 0, DateTimeKind.Utc));
        anomaly.Add("observed", 800.0);
        anomaly.Add("expected", 120.0);
        anomaly.Add("score", 0.9);
        anomaly.Add("z_score", 9.0);
        anomaly.Add("detector", "ensemble");
        var old = new GenericRecord(v1);
        old.Add("decision_id", "d1");
        old.Add("idempotency_key", "k1");
        old.Add("event_time", new DateTime(2026, 11, 2, 4, 55, 0, DateTimeKind.Utc));
        old.Add("mode", new GenericEnum((EnumSchema)v1["mode"].Schema, "shadow"));
        old.Add("action", new GenericEnum((EnumSchema)v1["action"].Schema, "restart_pod"));
        old.Add("target", null);
        old.Add("outcome", new GenericEnum((EnumSchema)v1["outcome"].Schema, "recommended"));
        old.Add("reason", "why");
        old.Add("guard", null);
        old.Add("anomaly", anomaly);

        var decoded = new AvroSerdes().RemediationDecision.Deserialize(EncodeSingleObject(v1, old));

        Assert.Equal(ActionKind.RestartPod, decoded.Action);
        Assert.Equal("a1", decoded.Anomaly.AnomalyId);
        Assert.Equal(AnomalyState.Open, decoded.Anomaly.State);
        Assert.Null(decoded.Anomaly.TraceId);
        Assert.Empty(decoded.Anomalies);
        Assert.Null(decoded.Rule);
        Assert.Null(decoded.Request);
    }

    private static byte[] EncodeSingleObject(RecordSchema writerSchema, GenericRecord record)
    {
        using var stream = new MemoryStream();
        var header = new byte[AvroFraming.SingleObjectHeaderLength];
        AvroFraming.WriteSingleObjectHeader(header, SchemaNormalization.ParsingFingerprint64(writerSchema));
        stream.Write(header);
        new GenericDatumWriter<GenericRecord>(writerSchema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static int AvroStringLength(string s) => AvroLongLength(System.Text.Encoding.UTF8.GetByteCount(s)) + System.Text.Encoding.UTF8.GetByteCount(s);

    private static int AvroLongLength(long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        var length = 1;
        while (zigzag >= 0x80)
        {
            zigzag >>= 7;
            length++;
        }

        return length;
    }
}
