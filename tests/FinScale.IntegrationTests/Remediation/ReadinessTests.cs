using FinScale.Host.Telemetry;
using FinScale.Kubernetes.LeaderElection;

namespace FinScale.IntegrationTests.Remediation;

/// <summary><c>/readyz</c> by role: a single instance and a leader are ready only with Kafka; a standby always is.</summary>
public class ReadinessTests
{
    private sealed class Lease(bool leading) : ILeadership
    {
        public event Action<bool>? LeadershipChanged { add { } remove { } }

        public bool IsLeader => leading;

        public string Identity => "finscale-0";
    }

    [Theory]
    [InlineData(null, true, 200, "role=single")]
    [InlineData(null, false, 503, "role=single")]
    [InlineData(true, true, 200, "role=leader")]
    [InlineData(true, false, 503, "role=leader")]
    [InlineData(false, true, 200, "role=standby")]
    [InlineData(false, false, 200, "role=standby")]
    public void Readiness_ByRoleAndKafka(bool? leading, bool connected, int status, string role)
    {
        var (code, body) = TelemetryServer.Readiness(connected, connected ? 1 : 0, leading is { } l ? new Lease(l) : null, 42);

        Assert.Equal(status, code);
        Assert.Contains(role, body, StringComparison.Ordinal);
        Assert.Contains(connected ? "kafka=connected brokers_up=1" : "kafka=disconnected brokers_up=0", body, StringComparison.Ordinal);
        Assert.EndsWith("records=42\n", body, StringComparison.Ordinal);
    }
}
