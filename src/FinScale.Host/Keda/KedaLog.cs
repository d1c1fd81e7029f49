using Microsoft.Extensions.Logging;

namespace FinScale.Host.Keda;

/// <summary>Log messages of the KEDA external scaler, with stable event ids.</summary>
internal static partial class KedaLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "KEDA external scaler (gRPC over h2c) listening on port {Port}: point a ScaledObject's external trigger at <this host>:{Port}")]
    public static partial void Listening(ILogger logger, int port);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Keda:Port {Port} cannot be served ({Reason}): no KEDA external scaler this run")]
    public static partial void CannotListen(ILogger logger, int port, string reason);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Debug, Message = "KEDA asked for {Namespace}/{Deployment}, which the forecast has not recommended replicas for yet")]
    public static partial void NoRecommendation(ILogger logger, string @namespace, string deployment);
}
