using Confluent.SchemaRegistry;
using FinScale.Detection;
using FinScale.Detection.Traces;
using FinScale.Contracts;
using FinScale.Remediation;
using FinScale.Remediation.Cluster;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Policy;
using FinScale.Host.Remediation;
using FinScale.Host.Telemetry;
using FinScale.Kubernetes;
using FinScale.Kubernetes.Cluster;
using FinScale.Kubernetes.LeaderElection;
using FinScale.Kubernetes.RemediationExecution;
using FinScale.Streaming.Avro;
using FinScale.Streaming.Configuration;
using FinScale.Streaming.Kafka;
using FinScale.Streaming.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FinScale.Host;

/// <summary>
/// The composition root: configuration (appsettings.json, an optional <c>--config</c> file,
/// <c>FINSCALE_</c> environment variables, then command-line options, later sources winning),
/// validated options, logging to stderr (stdout is the commands' output) and the services.
/// </summary>
internal static class FinScaleHost
{
    /// <summary>Prefix of environment variables that configure FinScale, e.g. <c>FINSCALE_Kafka__BootstrapServers</c>.</summary>
    public const string EnvironmentPrefix = "FINSCALE_";

    /// <summary>
    /// The configuration sources of every command, later winning: appsettings.json next to the binary, the
    /// <c>--config</c> file, <c>FINSCALE_</c> environment variables, then the command line's overrides.
    /// </summary>
    public static IConfigurationBuilder AddConfigurationSources(IConfigurationBuilder configuration, CliSettings cli)
    {
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (cli.ConfigFile is { } file)
            configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddInMemoryCollection(cli.Overrides);
        return configuration;
    }

    public static HostApplicationBuilder CreateBuilder(CliSettings cli)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        AddConfigurationSources(builder.Configuration, cli);

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));

        AddOptions<KafkaOptions>(builder, KafkaOptions.Section);
        AddOptions<TopicOptions>(builder, TopicOptions.Section);
        AddOptions<SchemaRegistryOptions>(builder, SchemaRegistryOptions.Section)
            .Validate(
                o => string.IsNullOrWhiteSpace(o.Url) || (Uri.TryCreate(o.Url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"),
                "Url: not an http(s) URL");
        AddOptions<PipelineOptions>(builder, PipelineOptions.Section);
        AddOptions<DetectorOptions>(builder, DetectorOptions.Section);
        AddOptions<PolicyOptions>(builder, PolicyOptions.Section);
        AddOptions<DiagnosisOptions>(builder, DiagnosisOptions.Section);
        AddOptions<TelemetryOptions>(builder, TelemetryOptions.Section);
        AddOptions<OtlpOptions>(builder, OtlpOptions.Section);
        AddOptions<TraceMetricsOptions>(builder, TraceMetricsOptions.Section);
        AddOptions<FinScale.Streaming.Prescale.PrescaleSettings>(builder, FinScale.Streaming.Prescale.PrescaleSettings.Section);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => KafkaEndpoint.Open(sp.GetRequiredService<IOptions<KafkaOptions>>().Value));
        builder.Services.AddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value;
            var topics = sp.GetRequiredService<IOptions<TopicOptions>>().Value;
            if (string.IsNullOrWhiteSpace(registry.Url))
                return new AvroSerdes();
            var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
            return new AvroSerdes(client, (topics.Metrics, topics.Anomalies, topics.Audit));
        });
        AddRemediation(builder);
        // The forecast stage's recommendations, read by the KEDA external scaler.
        builder.Services.AddSingleton<FinScale.Streaming.Prescale.PrescaleBoard>();
        builder.Services.AddSingleton(sp => DecisionSettings(sp));
        builder.Services.AddSingleton(sp => new MetricsPipeline(
            sp.GetRequiredService<KafkaEndpoint>(),
            new PipelineSettings
            {
                Kafka = sp.GetRequiredService<IOptions<KafkaOptions>>().Value,
                Topics = sp.GetRequiredService<IOptions<TopicOptions>>().Value,
                Pipeline = sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
                Detection = sp.GetRequiredService<IOptions<DetectorOptions>>().Value,
                Decisions = sp.GetRequiredService<DecisionSettings>(),
                Otlp = sp.GetRequiredService<IOptions<OtlpOptions>>().Value,
                Traces = sp.GetRequiredService<IOptions<TraceMetricsOptions>>().Value,
                Prescale = sp.GetRequiredService<IOptions<FinScale.Streaming.Prescale.PrescaleSettings>>().Value,
                PrescaleBoard = sp.GetRequiredService<FinScale.Streaming.Prescale.PrescaleBoard>(),
            },
            sp.GetRequiredService<AvroSerdes>(),
            sp.GetRequiredService<IRemediationExecutor>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MetricsPipeline>>()));
        return builder;
    }

    /// <summary>
    /// Without <c>Kubernetes:Enabled</c>: no cluster is contacted, diagnosis trusts the telemetry's attributes and decisions
    /// are shadow only. With it: the cluster view is listed and refreshed, and every mode runs through the Kubernetes
    /// executors (only the lease holder sends requests when leader election is on).
    /// </summary>
    private static void AddRemediation(HostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(KubernetesActionOptions.SectionName);
        if (!section.GetValue<bool>(nameof(KubernetesActionOptions.Enabled)))
        {
            builder.Services.AddSingleton<IRemediationExecutor, ShadowExecutor>();
            builder.Services.AddSingleton<IClusterViewProvider>(StaticClusterViewProvider.Unknown);
            return;
        }

        builder.Services.AddFinScaleClusterView()
            .Bind(section, o => o.ErrorOnUnknownConfiguration = true)
            .ValidateDataAnnotations();
        builder.Services.AddSingleton<IClusterViewProvider, ClusterViewProvider>();
        var leaderElection = section.GetSection(nameof(KubernetesActionOptions.LeaderElection)).GetValue<bool>(nameof(LeaderElectionOptions.Enabled));
        if (leaderElection)
        {
            builder.Services.AddHostedService<LeaderElectionRunner>();
            builder.Services.AddSingleton<ILeadership>(sp => sp.GetRequiredService<LeaderElectionService>());
        }
        builder.Services.AddSingleton<IRemediationExecutor>(sp => new KubernetesRemediationExecutor(
            sp.GetRequiredService<KubernetesDecisionExecutor>(),
            leaderElection ? sp.GetRequiredService<LeaderElectionService>() : null));
    }

    /// <summary>The cluster view source as the decisions see it: unknown until the first list succeeds.</summary>
    private sealed class ClusterViewProvider(ClusterViewSource source) : IClusterViewProvider
    {
        public ClusterView Current => source.Current is { AsOf: not null } view ? view : ClusterView.Unknown;
    }

    /// <summary>Loads the policy file (or the shipped default) and applies a <c>--mode</c> override; an invalid file throws with every error.</summary>
    private static DecisionSettings DecisionSettings(IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptions<PolicyOptions>>().Value;
        var policy = string.IsNullOrWhiteSpace(options.File) ? PolicyLoader.Default : LoadPolicy(options.File);
        if (options.Mode is { } mode)
            policy = policy with { Modes = new ModeSettings(mode, new Dictionary<ActionKind, ExecutionMode>()) };

        var executor = sp.GetRequiredService<IRemediationExecutor>();
        var refused = Enum.GetValues<ActionKind>()
            .Where(k => k is not (ActionKind.None or ActionKind.Unknown) && !executor.Modes.Contains(policy.Modes.Of(k)))
            .Select(k => $"{k} in {policy.Modes.Of(k)} mode")
            .ToList();
        if (refused.Count > 0)
        {
            throw new PolicyValidationException(
                $"{options.File ?? "the policy"} runs {string.Join(", ", refused)}, but no cluster is configured: set Kubernetes:Enabled "
                + "(with Kubernetes:InCluster or --kubeconfig), or run those kinds in shadow mode");
        }

        return new DecisionSettings(policy, sp.GetRequiredService<IOptions<DiagnosisOptions>>().Value, sp.GetRequiredService<IClusterViewProvider>(), options);
    }

    private static RemediationPolicyDocument LoadPolicy(string file)
    {
        if (!File.Exists(file))
            throw new PolicyValidationException($"{file}: no such policy file (Policy:File / --policy)");
        return PolicyLoader.LoadFile(file).GetDocumentOrThrow();
    }

    /// <summary>Runs the start-up validation of every options type now, so a bad configuration fails naming the key before anything starts.</summary>
    public static void ValidateConfiguration(IServiceProvider services) =>
        services.GetRequiredService<IStartupValidator>().Validate();

    private static OptionsBuilder<T> AddOptions<T>(HostApplicationBuilder builder, string section)
        where T : class =>
        builder.Services.AddOptions<T>()
            .Bind(builder.Configuration.GetSection(section), o => o.ErrorOnUnknownConfiguration = true)
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
