using FinScale.Streaming.Prescale;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FinScale.Host.Keda;

/// <summary>
/// Serves <see cref="PrescaleExternalScaler"/>, KEDA's external scaler gRPC service, over HTTP/2 cleartext (h2c, the
/// transport KEDA's <c>external</c> trigger uses without TLS) while <c>finscale run</c> runs.
/// </summary>
internal sealed class KedaScalerServer : IAsyncDisposable
{
    /// <summary>How long a stop waits for calls in flight; open <c>StreamIsActive</c> streams end as soon as it starts.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;

    /// <summary>1 once <see cref="DisposeAsync"/> has run: stopping twice is a no-op.</summary>
    private int _disposed;

    private KedaScalerServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port the server listens on (the one the system chose when <see cref="KedaOptions.Port"/> is 0).</summary>
    public int Port { get; }

    /// <summary>
    /// Starts the server on every interface, or returns null when <see cref="KedaOptions.Enabled"/> is false or the port
    /// cannot be bound (logged: the pipeline runs on without the scaler rather than not at all, as without telemetry).
    /// </summary>
    public static async Task<KedaScalerServer?> StartAsync(KedaOptions options, PrescaleBoard board, ILogger logger, CancellationToken cancellationToken)
    {
        if (!options.Enabled)
            return null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(options.Port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        // One instance for every call; StreamIsActive streams end when the server starts stopping.
        builder.Services.AddSingleton(sp => new PrescaleExternalScaler(
            board, sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping, logger));

        var app = builder.Build();
        app.MapGrpcService<PrescaleExternalScaler>();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            KedaLog.CannotListen(logger, options.Port, ex.Message);
            await app.DisposeAsync();
            return null;
        }

        // Kestrel lists the address it bound, with the port the system chose for 0.
        var port = new Uri(app.Urls.First()).Port;
        KedaLog.Listening(logger, port);
        return new KedaScalerServer(app, port);
    }

    /// <summary>Stops serving: open streams end, calls in flight get <see cref="StopTimeout"/> to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        using var timeout = new CancellationTokenSource(StopTimeout);
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
