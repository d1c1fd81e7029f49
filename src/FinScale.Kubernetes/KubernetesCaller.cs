using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FinScale.Kubernetes;

/// <summary>The answer to one API call made through the resilience pipeline: a value or the API's refusal.</summary>
internal readonly record struct CallResult<T>(T? Value, int HttpStatus, string Message, int Attempts, bool DisruptionBudget)
{
    public bool Ok => HttpStatus is >= 200 and < 300;
}

/// <summary>Runs every API call through one resilience pipeline (per-attempt timeout inside bounded
/// exponential retries with jitter) and turns API errors into values, so executors never throw for them.</summary>
internal sealed class KubernetesCaller
{
    private readonly ResiliencePipeline _pipeline;
    private readonly KubernetesActionOptions _options;
    private readonly ILogger _logger;

    public KubernetesCaller(KubernetesActionOptions options, TimeProvider timeProvider, ILogger? logger)
    {
        _options = options;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                OnRetry = args =>
                {
                    var ex = args.Outcome.Exception;
                    var request = ex is HttpOperationException { Request: { } r } ? $"{r.Method} {r.RequestUri?.AbsolutePath}" : "(request)";
                    KubernetesLog.Retrying(_logger, request, args.AttemptNumber + 1, Reason(ex), args.RetryDelay);
                    return default;
                },
            });
        }

        // Inside the retry: each attempt gets its own timeout.
        builder.AddTimeout(options.AttemptTimeout);
        _pipeline = builder.Build();
    }

    public string FieldManager => _options.FieldManager;

    /// <summary>Calls <paramref name="call"/> with retries; API errors, timeouts and connection errors come back as values.
    /// Cancellation of <paramref name="cancellationToken"/> still throws <see cref="OperationCanceledException"/>.</summary>
    public async Task<CallResult<T>> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            var value = await _pipeline.ExecuteAsync(
                async token =>
                {
                    Interlocked.Increment(ref attempts);
                    return await call(token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            return new CallResult<T>(value, 200, "ok", attempts, false);
        }
        catch (HttpOperationException ex) when (ex.Response is not null)
        {
            if ((int)ex.Response.StatusCode >= 500 || attempts > 1)
            {
                KubernetesLog.CallFailed(_logger, attempts, (int)ex.Response.StatusCode, MessageOf(ex));
            }

            return new CallResult<T>(default, (int)ex.Response.StatusCode, MessageOf(ex), attempts, IsDisruptionBudgetRefusal(ex));
        }
        catch (TimeoutRejectedException)
        {
            return new CallResult<T>(default, 0, $"no answer within {_options.AttemptTimeout}", attempts, false);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new CallResult<T>(default, 0, $"cannot reach the API server: {ex.Message}", attempts, false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Not the caller's cancellation: the HTTP client's own timeout, say. A failure, not a shutdown.
            return new CallResult<T>(default, 0, "the HTTP client gave up", attempts, false);
        }
    }

    private static string Reason(Exception? ex) => ex switch
    {
        HttpOperationException { Response: { } r } => $"HTTP {(int)r.StatusCode}",
        TimeoutRejectedException => "timeout",
        null => "no exception",
        _ => ex.GetType().Name,
    };

    /// <summary>5xx, a throttling 429 (never a PodDisruptionBudget refusal), timeouts and connection errors are retried.</summary>
    internal static bool IsTransient(Exception? ex) => ex switch
    {
        HttpOperationException { Response: { } r } h => (int)r.StatusCode >= 500
            || (r.StatusCode == HttpStatusCode.TooManyRequests && !IsDisruptionBudgetRefusal(h)),
        TimeoutRejectedException => true,
        HttpRequestException => true,
        _ => false,
    };

    /// <summary>A 429 from the Eviction API whose Status names a disruption budget: the PDB refused, waiting will not help now.</summary>
    internal static bool IsDisruptionBudgetRefusal(HttpOperationException ex)
    {
        if (ex.Response?.StatusCode != HttpStatusCode.TooManyRequests)
        {
            return false;
        }

        var status = StatusOf(ex);
        if (status?.Details?.Causes?.Any(c => string.Equals(c.Reason, "DisruptionBudget", StringComparison.Ordinal)) == true)
        {
            return true;
        }

        return status?.Message?.Contains("disruption budget", StringComparison.OrdinalIgnoreCase) == true;
    }

    private static V1Status? StatusOf(HttpOperationException ex)
    {
        var content = ex.Response?.Content;
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }

        try
        {
            return KubernetesJson.Deserialize<V1Status>(content);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string MessageOf(HttpOperationException ex)
    {
        var status = StatusOf(ex);
        if (!string.IsNullOrEmpty(status?.Message))
        {
            return status.Message;
        }

        var content = ex.Response?.Content;
        return string.IsNullOrWhiteSpace(content) ? ex.Message : content;
    }
}
