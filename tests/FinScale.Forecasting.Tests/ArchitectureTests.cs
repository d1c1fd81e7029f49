using FinScale.Forecasting.Prescale;

namespace FinScale.Forecasting.Tests;

public class ArchitectureTests
{
    [Fact]
    public void Forecasting_ReferencesNoKafkaNoKubernetes()
    {
        var references = typeof(PrescaleRecommender).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        Assert.DoesNotContain(references, n => n.StartsWith("Confluent", StringComparison.Ordinal) || n.StartsWith("KubernetesClient", StringComparison.Ordinal));
        Assert.DoesNotContain(references, n => n.StartsWith("FinScale.", StringComparison.Ordinal) && n != "FinScale.Contracts");
    }
}
