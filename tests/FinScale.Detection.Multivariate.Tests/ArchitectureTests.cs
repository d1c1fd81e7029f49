namespace FinScale.Detection.Multivariate.Tests;

public class ArchitectureTests
{
    [Fact]
    public void MultivariateAssembly_ReferencesNoKafkaOrKubernetes()
    {
        var names = typeof(PcaServiceDetector).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty).ToList();
        Assert.Contains(names, n => n.StartsWith("Microsoft.ML", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("Confluent", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("KubernetesClient", StringComparison.Ordinal) || n.StartsWith("k8s", StringComparison.Ordinal));
    }

    [Fact]
    public void Contracts_DoNotCarryMlNet()
    {
        var names = typeof(FinScale.Contracts.SeriesKey).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty);
        Assert.DoesNotContain(names, n => n.StartsWith("Microsoft.ML", StringComparison.Ordinal));
    }
}
