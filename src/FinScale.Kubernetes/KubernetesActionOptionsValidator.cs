using Microsoft.Extensions.Options;

namespace FinScale.Kubernetes;

/// <summary>Validates <see cref="KubernetesActionOptions"/> at start, naming the offending key.</summary>
public sealed class KubernetesActionOptionsValidator : IValidateOptions<KubernetesActionOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, KubernetesActionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string s = KubernetesActionOptions.SectionName;
        if (options.InCluster && !string.IsNullOrEmpty(options.KubeconfigPath))
        {
            errors.Add($"{s}:InCluster and {s}:KubeconfigPath are exclusive; set one.");
        }

        if (!options.InCluster && !string.IsNullOrEmpty(options.KubeconfigPath) && !File.Exists(options.KubeconfigPath))
        {
            errors.Add($"{s}:KubeconfigPath: no file at '{options.KubeconfigPath}'.");
        }

        if (options.AttemptTimeout <= TimeSpan.Zero || options.AttemptTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{s}:AttemptTimeout must be above 0 and at most 5 minutes, is {options.AttemptTimeout}.");
        }

        if (options.MaxAttempts is < 1 or > 10)
        {
            errors.Add($"{s}:MaxAttempts must be between 1 and 10, is {options.MaxAttempts}.");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryBaseDelay)
        {
            errors.Add($"{s}:RetryBaseDelay must be above 0 and at most {s}:MaxRetryDelay.");
        }

        if (string.IsNullOrWhiteSpace(options.FieldManager))
        {
            errors.Add($"{s}:FieldManager must not be empty.");
        }

        var le = options.LeaderElection;
        const string l = s + ":LeaderElection";
        if (string.IsNullOrWhiteSpace(le.LeaseName) || string.IsNullOrWhiteSpace(le.LeaseNamespace))
        {
            errors.Add($"{l}:LeaseName and {l}:LeaseNamespace must not be empty.");
        }

        if (le.LeaseDuration < TimeSpan.FromSeconds(1) || le.LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            errors.Add($"{l}:LeaseDuration must be whole seconds, at least 1, is {le.LeaseDuration}.");
        }

        if (le.RetryPeriod <= TimeSpan.Zero || le.RetryPeriod >= le.RenewDeadline || le.RenewDeadline >= le.LeaseDuration)
        {
            errors.Add($"{l}: need 0 < RetryPeriod < RenewDeadline < LeaseDuration, have {le.RetryPeriod} / {le.RenewDeadline} / {le.LeaseDuration}.");
        }

        var cv = options.ClusterView;
        const string c = s + ":ClusterView";
        if (cv.RefreshInterval < TimeSpan.FromSeconds(1) || cv.RefreshInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{c}:RefreshInterval must be between 1 second and 1 hour, is {cv.RefreshInterval}.");
        }

        if (cv.PageSize is < 1 or > 5000)
        {
            errors.Add($"{c}:PageSize must be between 1 and 5000, is {cv.PageSize}.");
        }

        if (cv.Namespaces.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{c}:Namespaces must not contain an empty name.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
