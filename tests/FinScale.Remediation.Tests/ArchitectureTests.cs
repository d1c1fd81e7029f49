namespace FinScale.Remediation.Tests;

public class ArchitectureTests
{
    [Fact]
    public void Remediation_ReferencesContractsOnly()
    {
        var refs = typeof(FinScale.Remediation.Planning.RemediationPlanner).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("FinScale", StringComparison.Ordinal) || n.StartsWith("Confluent", StringComparison.Ordinal) || n.StartsWith("KubernetesClient", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(["FinScale.Contracts"], refs);
    }
}
