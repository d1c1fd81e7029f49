using System.CommandLine;
using FinScale.Detection;
using FinScale.Detection.Traces;
using FinScale.Host.Configuration;
using FinScale.Host.Keda;
using FinScale.Host.Telemetry;
using FinScale.Kubernetes;
using FinScale.Remediation;
using FinScale.Remediation.Diagnosis;
using FinScale.Streaming.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FinScale.Host.Commands;

/// <summary>
/// <c>finscale config show</c>: the effective configuration (appsettings.json, <c>--config</c>, <c>FINSCALE_</c>
/// environment variables, then <c>finscale run</c>'s options), validated as <c>finscale run</c> validates it, one sorted <c>key = value</c> line per
/// setting with defaults included and secrets masked.
/// </summary>
internal static class ConfigCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        // The options of `finscale run`: what is printed is what a run given the same ones would use.
        var run = new RunCommand.RunOptions();
        var show = new Command("show", "Print the effective configuration as sorted 'key = value' lines, defaults included, secrets masked; exit 2 naming the key when it is invalid. Takes finscale run's options, so it shows what a run given them would use.");
        run.AddTo(show);
        show.SetAction((parse, ct) =>
            CommandRunner.RunAsync(run.Settings(parse), (host, _) => ShowAsync(host), ct));
        return new Command("config", "Inspect FinScale's configuration.") { show };
    }

    private static async Task<int> ShowAsync(IHost host)
    {
        var services = host.Services;
        var raw = services.GetRequiredService<IConfiguration>();
        var options = new List<KeyValuePair<string, object>>
        {
            Bound<KafkaOptions>(services, KafkaOptions.Section),
            Bound<TopicOptions>(services, TopicOptions.Section),
            Bound<SchemaRegistryOptions>(services, SchemaRegistryOptions.Section),
            Bound<PipelineOptions>(services, PipelineOptions.Section),
            Bound<DetectorOptions>(services, DetectorOptions.Section),
            Bound<PolicyOptions>(services, PolicyOptions.Section),
            Bound<DiagnosisOptions>(services, DiagnosisOptions.Section),
            Bound<TelemetryOptions>(services, TelemetryOptions.Section),
            Bound<OtlpOptions>(services, OtlpOptions.Section),
            Bound<TraceMetricsOptions>(services, TraceMetricsOptions.Section),
            Bound<FinScale.Streaming.Prescale.PrescaleSettings>(services, FinScale.Streaming.Prescale.PrescaleSettings.Section),
            // Bound and validated by the scaler itself, as `finscale run` does.
            KeyValuePair.Create<string, object>(KedaOptions.Section, KedaOptions.Load(raw)),
        };
        // Kubernetes options are bound (and validated) only when a cluster is configured; otherwise only the keys
        // the sources set are shown, with Kubernetes:Enabled.
        if (raw.GetSection(KubernetesActionOptions.SectionName).GetValue<bool>(nameof(KubernetesActionOptions.Enabled)))
            options.Add(Bound<KubernetesActionOptions>(services, KubernetesActionOptions.SectionName));
        else
            options.Add(KeyValuePair.Create<string, object>(KubernetesActionOptions.SectionName + ":" + nameof(KubernetesActionOptions.Enabled), false));

        foreach (var (key, value) in EffectiveConfiguration.Collect(options, raw))
            await Console.Out.WriteLineAsync(value.Length == 0 ? key + " =" : key + " = " + value);
        return CommandRunner.Ok;
    }

    private static KeyValuePair<string, object> Bound<T>(IServiceProvider services, string section)
        where T : class =>
        KeyValuePair.Create<string, object>(section, services.GetRequiredService<IOptions<T>>().Value);
}
