using System.Diagnostics;
using System.Text.Json;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.IntegrationTests.Interop;

/// <summary>
/// Records on the project's topics decode with an independent Avro implementation (Debian's python3-avro)
/// from the schema files alone, fingerprint included. CI installs python3-avro; elsewhere the test skips.
/// </summary>
public class AvroInteropTests
{
    private const string Python = "/usr/bin/python3";

    private static readonly Anomaly SampleAnomaly = new(
        "a-1", "latency{k8s.pod.name=\"p-1\"}", "latency", new Dictionary<string, string> { ["k8s.pod.name"] = "p-1", ["k8s.namespace.name"] = "payments" },
        new DateTimeOffset(2026, 11, 2, 4, 55, 0, TimeSpan.Zero), 794.76, 119.5, 0.999, 70.5, "robust-zscore");

    [SkippableFact]
    public async Task PythonAvro_DecodesMetricSamplesFromTheSchemaFileAlone()
    {
        var sample = new MetricSample("payments.authorised.rate", new DateTimeOffset(2026, 11, 2, 0, 1, 0, TimeSpan.Zero), 420.5, new Dictionary<string, string> { ["service.name"] = "payments-api" });
        var json = await DecodeAsync("metric_sample.avsc", new AvroSerde<MetricSample>(AvroSchemas.MetricSample, new MetricSampleMapper()).Serialize(sample));
        Assert.Equal("payments.authorised.rate", json.GetProperty("name").GetString());
        Assert.Equal(420.5, json.GetProperty("value").GetDouble());
        Assert.Equal("payments-api", json.GetProperty("attributes").GetProperty("service.name").GetString());
        Assert.StartsWith("2026-11-02 00:01:00", json.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task PythonAvro_DecodesAuditDecisionsFromTheSchemaFileAlone()
    {
        var decision = new RemediationDecision("d-1", "k-1", SampleAnomaly.EventTime, ExecutionMode.Shadow, ActionKind.RestartPod,
            new ActionTarget("payments", "Pod", "p-1"), DecisionOutcome.Recommended, "restart the pod", null, SampleAnomaly);
        var json = await DecodeAsync("remediation_decision.avsc", new AvroSerdes().RemediationDecision.Serialize(decision));
        Assert.Equal("d-1", json.GetProperty("decision_id").GetString());
        Assert.Equal("restart_pod", json.GetProperty("action").GetString());
        Assert.Equal("shadow", json.GetProperty("mode").GetString());
        Assert.Equal("recommended", json.GetProperty("outcome").GetString());
        Assert.Equal("p-1", json.GetProperty("target").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("guard").ValueKind);
        Assert.Equal(794.76, json.GetProperty("anomaly").GetProperty("observed").GetDouble());
    }

    [SkippableFact]
    public async Task PythonAvro_DecodesAnomaliesFromTheSchemaFileAlone()
    {
        var json = await DecodeAsync("anomaly.avsc", new AvroSerdes().Anomaly.Serialize(SampleAnomaly));
        Assert.Equal("a-1", json.GetProperty("anomaly_id").GetString());
        Assert.Equal(70.5, json.GetProperty("z_score").GetDouble());
    }

    private static async Task<JsonElement> DecodeAsync(string schemaFile, byte[] record)
    {
        Skip.IfNot(File.Exists(Python) && await HasAvroAsync(), "Debian's python3-avro is not installed (apt-get install python3-avro); .ci/run installs it");
        var schemaPath = Path.Combine(RepoRoot(), "schemas", schemaFile);
        var info = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Interop", "decode_single_object.py"));
        info.ArgumentList.Add(schemaPath);
        using var p = Process.Start(info)!;
        await p.StandardInput.WriteLineAsync(Convert.ToHexString(record));
        p.StandardInput.Close();
        var stdout = await p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement;
    }

    private static async Task<bool> HasAvroAsync()
    {
        using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import avro.io"]) { RedirectStandardError = true })!;
        await p.WaitForExitAsync();
        return p.ExitCode == 0;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FinScale.Streaming.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
