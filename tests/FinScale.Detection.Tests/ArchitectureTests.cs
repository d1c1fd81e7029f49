using System.Reflection;

namespace FinScale.Detection.Tests;

public class ArchitectureTests
{
    [Theory]
    [InlineData(typeof(FinScale.Detection.ShardDetector))]
    [InlineData(typeof(FinScale.Baselining.RobustEwma))]
    [InlineData(typeof(FinScale.Contracts.SeriesKey))]
    public void DecisionAssemblies_ReferenceNoKafkaOrKubernetes(Type anchor)
    {
        var names = anchor.Assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty).ToList();
        Assert.DoesNotContain(names, n => n.StartsWith("Confluent", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("KubernetesClient", StringComparison.Ordinal) || n.StartsWith("k8s", StringComparison.Ordinal));
    }
}
