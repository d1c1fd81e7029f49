using System.Runtime.CompilerServices;
using System.Text;
using Avro;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

public sealed class AvroSchemasTests
{
    public static TheoryData<string> SchemaFiles() => new(SchemaFileNames());

    public static TheoryData<string> ProjectSchemas() => new() { AvroSchemas.MetricSampleFile, AvroSchemas.AnomalyFile, AvroSchemas.RemediationDecisionFile };

    [Fact]
    public void SchemaFiles_OnDisk_AreTheThreeKnownFiles()
    {
        Assert.Equal(
            new[] { AvroSchemas.AnomalyFile, AvroSchemas.MetricSampleFile, AvroSchemas.RemediationDecisionFile },
            SchemaFileNames());
    }

    [Theory]
    [MemberData(nameof(SchemaFiles))]
    public void Text_EverySchemaFile_IsEmbeddedIdenticalToDisk(string file)
    {
        var onDisk = File.ReadAllText(Path.Combine(RepoRoot(), "schemas", file));

        Assert.Equal(onDisk, AvroSchemas.Text(file));
    }

    [Fact]
    public void Text_EmbeddedResources_AreExactlyTheSchemaFiles()
    {
        var embedded = typeof(AvroSchemas).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("schemas/", StringComparison.Ordinal))
            .Select(n => n["schemas/".Length..])
            .Order(StringComparer.Ordinal);

        var history = Directory.GetFiles(Path.Combine(RepoRoot(), "schemas", "history"), "*.avsc").Select(f => "history/" + Path.GetFileName(f));
        Assert.Equal(SchemaFileNames().Concat(history).Order(StringComparer.Ordinal), embedded);
    }

    [Fact]
    public void History_EarlierVersions_ResolveToTheCurrentSchema()
    {
        // Every earlier version must stay readable: Avro resolution from it to the current schema may not fail.
        foreach (var (earlier, current) in AvroSchemas.AnomalyHistory.Select(h => (h, AvroSchemas.Anomaly))
                     .Concat(AvroSchemas.RemediationDecisionHistory.Select(h => (h, AvroSchemas.RemediationDecision))))
        {
            _ = new global::Avro.Generic.GenericDatumReader<global::Avro.Generic.GenericRecord>(earlier, current);
            Assert.NotEqual(AvroSchemas.Fingerprint(earlier), AvroSchemas.Fingerprint(current));
        }
    }

    [Fact]
    public void Text_UnknownFile_ThrowsNamingFile()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => AvroSchemas.Text("nope.avsc"));

        Assert.Contains("nope.avsc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Properties_Schemas_HaveExpectedFullNames()
    {
        Assert.Equal("io.finscale.v1.MetricSample", AvroSchemas.MetricSample.Fullname);
        Assert.Equal("io.finscale.v1.Anomaly", AvroSchemas.Anomaly.Fullname);
        Assert.Equal("io.finscale.v1.RemediationDecision", AvroSchemas.RemediationDecision.Fullname);
        Assert.Same(AvroSchemas.MetricSample, AvroSchemas.MetricSample);
    }

    [Fact]
    public void RemediationDecision_NestedAnomaly_HasSameParsingFormAsAnomalySchema()
    {
        var nested = AvroSchemas.RemediationDecision["anomaly"].Schema;

        Assert.Equal(SchemaNormalization.ToParsingForm(AvroSchemas.Anomaly), SchemaNormalization.ToParsingForm(nested));
        Assert.Equal(AvroSchemas.Fingerprint(AvroSchemas.Anomaly), AvroSchemas.Fingerprint(nested));
    }

    [Fact]
    public void RemediationDecision_NestedAnomaly_HasSameDocsAndDefaultsAsAnomalySchema()
    {
        var nested = (RecordSchema)AvroSchemas.RemediationDecision["anomaly"].Schema;
        var top = AvroSchemas.Anomaly;

        Assert.Equal(top.Documentation, nested.Documentation);
        Assert.Equal(top.Fields.Select(f => (f.Name, f.Documentation, f.DefaultValue?.ToString())), nested.Fields.Select(f => (f.Name, f.Documentation, f.DefaultValue?.ToString())));
    }

    [Fact]
    public void ToParsingForm_MetricSample_IsTheSpecCanonicalForm()
    {
        Assert.Equal(
            """{"name":"io.finscale.v1.MetricSample","type":"record","fields":[{"name":"name","type":"string"},{"name":"timestamp","type":"long"},{"name":"value","type":"double"},{"name":"attributes","type":{"type":"map","values":"string"}}]}""",
            SchemaNormalization.ToParsingForm(AvroSchemas.MetricSample));
    }

    [Theory]
    [InlineData("\"null\"", 7195948357588979594L)]
    [InlineData("\"boolean\"", -6970731678124411036L)]
    [InlineData("\"int\"", 8247732601305521295L)]
    [InlineData("{\"name\":\"foo\",\"type\":\"fixed\",\"size\":15}", 1756455273707447556L)]
    [InlineData("{\"name\":\"foo\",\"type\":\"record\",\"fields\":[{\"name\":\"f1\",\"type\":\"boolean\"}]}", 7843277075252814651L)]
    public void Crc64Avro_PublishedAvroTestVectors_Match(string canonicalForm, long expected)
    {
        // Checks the reference implementation below against share/test/data/schema-tests.txt of Apache Avro,
        // and the library's fingerprint against both.
        Assert.Equal(expected, Crc64Avro(Encoding.UTF8.GetBytes(canonicalForm)));
        Assert.Equal(expected, AvroSchemas.Fingerprint(Schema.Parse(canonicalForm)));
    }

    [Theory]
    [MemberData(nameof(ProjectSchemas))]
    public void Fingerprint_ProjectSchema_IsCrc64AvroOfParsingCanonicalForm(string file)
    {
        var schema = Schema.Parse(AvroSchemas.Text(file));
        var canonical = SchemaNormalization.ToParsingForm(schema);

        var expected = Crc64Avro(Encoding.UTF8.GetBytes(canonical));

        Assert.Equal(expected, AvroSchemas.Fingerprint(schema));
        Assert.Equal(expected, SchemaNormalization.ParsingFingerprint64(schema));
    }

    [Fact]
    public void Fingerprint_DocChange_IsUnchanged()
    {
        var text = AvroSchemas.Text(AvroSchemas.MetricSampleFile).Replace("Observed value.", "Something else entirely.", StringComparison.Ordinal);

        Assert.Equal(AvroSchemas.Fingerprint(AvroSchemas.MetricSample), AvroSchemas.Fingerprint(Schema.Parse(text)));
    }

    [Fact]
    public void Fingerprint_ThreeSchemas_AreDistinct()
    {
        var fingerprints = new[] { AvroSchemas.MetricSample, AvroSchemas.Anomaly, AvroSchemas.RemediationDecision }.Select(AvroSchemas.Fingerprint);

        Assert.Equal(3, fingerprints.Distinct().Count());
    }

    private static string[] SchemaFileNames() =>
        Directory.GetFiles(Path.Combine(RepoRoot(), "schemas"), "*.avsc").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    /// <summary>CRC-64-AVRO exactly as the Avro specification gives it (section "Schema Fingerprints").</summary>
    private static long Crc64Avro(byte[] data)
    {
        const ulong Empty = 0xc15d213aa4d7a795UL;
        var table = new ulong[256];
        for (ulong i = 0; i < 256; i++)
        {
            var fp = i;
            for (var j = 0; j < 8; j++)
                fp = (fp >> 1) ^ (Empty & (0UL - (fp & 1UL)));
            table[i] = fp;
        }

        var result = Empty;
        foreach (var b in data)
            result = (result >> 8) ^ table[(result ^ b) & 0xff];
        return unchecked((long)result);
    }

    /// <summary>
    /// The repository root: walks up from the test binaries, and when they live outside the tree
    /// (a private <c>--artifacts-path</c>) from this source file instead.
    /// </summary>
    private static string RepoRoot([CallerFilePath] string sourceFile = "") =>
        FindSolutionAbove(AppContext.BaseDirectory)
        ?? FindSolutionAbove(Path.GetDirectoryName(sourceFile) ?? string.Empty)
        ?? throw new InvalidOperationException($"no FinScale.Streaming.sln above {AppContext.BaseDirectory} or {sourceFile}");

    private static string? FindSolutionAbove(string start)
    {
        for (var dir = start.Length == 0 ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FinScale.Streaming.sln")))
                return dir.FullName;
        }

        return null;
    }
}
