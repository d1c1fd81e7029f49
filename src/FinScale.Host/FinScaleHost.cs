using Confluent.SchemaRegistry;
using FinScale.Detection;
using FinScale.Detection.Traces;
using FinScale.Remediation;
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

    public static HostApplicationBuilder CreateBuilder(CliSettings cli)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (cli.ConfigFile is { } file)
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddInMemoryCollection(cli.Overrides);

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
        AddOptions<OtlpOptions>(builder, OtlpOptions.Section);
        AddOptions<TraceMetricsOptions>(builder, TraceMetricsOptions.Section);

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
        builder.Services.AddSingleton<IRemediationExecutor, ShadowExecutor>();
        builder.Services.AddSingleton(sp => new MetricsPipeline(
            sp.GetRequiredService<KafkaEndpoint>(),
            new PipelineSettings
            {
                Kafka = sp.GetRequiredService<IOptions<KafkaOptions>>().Value,
                Topics = sp.GetRequiredService<IOptions<TopicOptions>>().Value,
                Pipeline = sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
                Detection = sp.GetRequiredService<IOptions<DetectorOptions>>().Value,
                Policy = sp.GetRequiredService<IOptions<PolicyOptions>>().Value,
                Otlp = sp.GetRequiredService<IOptions<OtlpOptions>>().Value,
                Traces = sp.GetRequiredService<IOptions<TraceMetricsOptions>>().Value,
            },
            sp.GetRequiredService<AvroSerdes>(),
            sp.GetRequiredService<IRemediationExecutor>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MetricsPipeline>>()));
        return builder;
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
