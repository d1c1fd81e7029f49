namespace FinScale.Kubernetes.Tests;

public sealed class KubernetesActionOptionsValidatorTests
{
    private static readonly KubernetesActionOptionsValidator Validator = new();

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(Validator.Validate(null, new KubernetesActionOptions()).Succeeded);
    }

    [Fact]
    public void Validate_BadValues_FailNamingTheKeys()
    {
        var options = new KubernetesActionOptions
        {
            InCluster = true,
            KubeconfigPath = "/nowhere",
            MaxAttempts = 0,
            AttemptTimeout = TimeSpan.Zero,
        };
        options.LeaderElection.LeaseDuration = TimeSpan.FromMilliseconds(1500);

        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Kubernetes:MaxAttempts", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kubernetes:AttemptTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kubernetes:InCluster", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kubernetes:LeaderElection:LeaseDuration", result.FailureMessage, StringComparison.Ordinal);
    }
}
