using System.ComponentModel.DataAnnotations;
using FinScale.Remediation.Diagnosis;

namespace FinScale.Remediation.Tests.Diagnosis;

public class DiagnosisOptionsTests
{
    [Theory]
    [InlineData("http.server.request.duration.rate", MetricRole.Throughput)]
    [InlineData("traces.span.metrics.calls", MetricRole.Throughput)]
    [InlineData("traces.service_graph.request.calls", MetricRole.Throughput)]
    [InlineData("http.server.request.duration.p99", MetricRole.Latency)]
    [InlineData("traces.service_graph.request.server.duration.p99", MetricRole.Latency)]
    [InlineData("traces.span.metrics.error_ratio", MetricRole.Errors)]
    [InlineData("traces.service_graph.request.failed", MetricRole.Errors)]
    [InlineData("http.server.errors.rate", MetricRole.Errors)]
    [InlineData("container.cpu.utilization", MetricRole.Saturation)]
    [InlineData("kafka.consumer.queue.size", MetricRole.Saturation)]
    [InlineData("jvm.gc.pauses", MetricRole.Other)]
    public void RoleOf_DefaultGlobs_ClassifiesMetric(string metric, MetricRole expected) =>
        Assert.Equal(expected, new DiagnosisOptions().RoleOf(metric));

    [Fact]
    public void RoleOf_CallsWithErrorStatus_IsErrors()
    {
        var attrs = new Dictionary<string, string> { ["status.code"] = "STATUS_CODE_ERROR" };
        Assert.Equal(MetricRole.Errors, new DiagnosisOptions().RoleOf("traces.span.metrics.calls", attrs));
    }

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var options = new DiagnosisOptions();
        var results = new List<ValidationResult>();
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Empty(results);
    }

    [Fact]
    public void Validate_ShareAboveOne_NamesTheProperty()
    {
        var options = new DiagnosisOptions { ServiceWideShare = 1.5 };
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(DiagnosisOptions.ServiceWideShare)));
    }
}
