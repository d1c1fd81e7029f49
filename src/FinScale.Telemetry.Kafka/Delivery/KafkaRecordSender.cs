using System.Globalization;
using Confluent.Kafka;

namespace FinScale.Telemetry.Kafka.Delivery;

/// <summary>Hands serialized OTLP records to a librdkafka producer without ever blocking, and settles the fate of each one exactly once.</summary>
/// <remarks>
/// Every record is counted once in <see cref="KafkaExporterStatistics"/>: refused at once (full queue, too large),
/// acknowledged, failed or timed out (delivery report), or abandoned when <see cref="Close"/> gave up waiting.
/// The gate makes "settled by its delivery report" and "abandoned at close" mutually exclusive; it is only ever
/// contended by the export thread, the producer's poll thread and a closing thread, never by instrumented code.
/// </remarks>
internal sealed class KafkaRecordSender : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly TelemetrySignal _signal;
    private readonly KafkaExporterStatistics _statistics;
    private readonly TimeSpan _shutdownTimeout;
    private readonly TimeSpan _messageTimeout;
    private readonly Lock _gate = new();

    // Guarded by _gate: records and items handed to librdkafka whose delivery report has not come back.
    private long _pendingRecords;
    private long _pendingItems;
    private bool _closed;
    private int _disposed;

    private KafkaRecordSender(IProducer<byte[], byte[]> producer, string topic, TelemetrySignal signal, KafkaExporterOptions options)
    {
        _producer = producer;
        _topic = topic;
        _signal = signal;
        _statistics = options.Statistics;
        _shutdownTimeout = options.ShutdownTimeout;
        _messageTimeout = options.MessageTimeout;
    }

    /// <summary>Builds the producer from validated options; throws <see cref="ArgumentException"/> naming the option when librdkafka rejects the configuration.</summary>
    internal static KafkaRecordSender Create(KafkaExporterOptions options, string topic, TelemetrySignal signal)
    {
        var config = BuildConfig(options);
        IProducer<byte[], byte[]> producer;
        try
        {
            producer = new ProducerBuilder<byte[], byte[]>(config)
                .SetLogHandler((_, m) => KafkaExporterEventSource.Log.ClientLog(m.Level.ToString(), m.Facility ?? string.Empty, m.Message ?? string.Empty))
                .SetErrorHandler((_, e) => OnClientError(options.Statistics, e))
                .Build();
        }
        catch (Exception ex) when (ex is KafkaException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException(
                $"{nameof(KafkaExporterOptions)}.{nameof(KafkaExporterOptions.ProducerSettings)} (or another option) was rejected by librdkafka: {ex.Message}.",
                nameof(KafkaExporterOptions.ProducerSettings),
                ex);
        }

        return new KafkaRecordSender(producer, topic, signal, options);
    }

    /// <summary>Builds the librdkafka configuration: exporter defaults, then <see cref="KafkaExporterOptions.ProducerSettings"/>, then the typed options.</summary>
    internal static ProducerConfig BuildConfig(KafkaExporterOptions options)
    {
        var config = new ProducerConfig
        {
            ClientId = "finscale-telemetry-kafka",

            // The Java client's and franz-go's key hash: records with the same key land on the partition a Collector would choose.
            Partitioner = Partitioner.Murmur2Random,
        };

        foreach (var (key, value) in options.ProducerSettings)
        {
            config.Set(key, value);
        }

        config.BootstrapServers = options.BootstrapServers;
        config.QueueBufferingMaxMessages = options.MaxQueuedRecords;
        config.QueueBufferingMaxKbytes = options.MaxQueuedKBytes;
        config.MessageTimeoutMs = (int)Math.Ceiling(options.MessageTimeout.TotalMilliseconds);

        // Delivery reports carry only the outcome; copying each value back into managed memory would double the cost of a send.
        config.DeliveryReportFields = "none";
        return config;
    }

    /// <summary>Queues one record; returns false when it was dropped at once (counted). Never blocks and never throws.</summary>
    internal bool TrySend(byte[] key, byte[] value, int items)
    {
        lock (_gate)
        {
            if (_closed)
            {
                _statistics.OnRefused(_signal, items, "the exporter is shut down");
                return false;
            }

            // Counted as pending before Produce: the delivery report may arrive on the poll thread before Produce returns.
            _pendingRecords++;
            _pendingItems += items;
            _statistics.OnQueued();
        }

        try
        {
            _producer.Produce(_topic, new Message<byte[], byte[]> { Key = key, Value = value }, report => OnDelivery(report, items));
            return true;
        }
        catch (Exception ex)
        {
            var queueFull = ex is KafkaException { Error.Code: ErrorCode.Local_QueueFull };
            var reason = ex is KafkaException ke ? Describe(ke.Error) : ex.Message;
            lock (_gate)
            {
                // If Close ran meanwhile it already counted this record as abandoned.
                if (!_closed)
                {
                    _pendingRecords--;
                    _pendingItems -= items;
                    _statistics.OnQueuedRecordDropped(_signal, items, reason, queueFull);
                }
            }

            KafkaExporterEventSource.Log.RecordsDropped(1, _topic, reason);
            return false;
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> (or the message timeout when infinite) for queued records; true when none is left.</summary>
    internal bool Flush(int timeoutMilliseconds)
    {
        try
        {
            var timeout = timeoutMilliseconds < 0 ? _messageTimeout : TimeSpan.FromMilliseconds(timeoutMilliseconds);
            return _producer.Flush(timeout) == 0;
        }
        catch (Exception ex)
        {
            _statistics.RecordError("flush failed: " + ex.Message);
            return false;
        }
    }

    /// <summary>Flushes for at most the shutdown timeout (and the caller's), then counts what is still queued as dropped. Never throws.</summary>
    internal bool Close(int timeoutMilliseconds)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return true;
            }
        }

        var budget = _shutdownTimeout;
        if (timeoutMilliseconds >= 0 && timeoutMilliseconds < budget.TotalMilliseconds)
        {
            budget = TimeSpan.FromMilliseconds(timeoutMilliseconds);
        }

        var flushed = false;
        try
        {
            flushed = _producer.Flush(budget) == 0;
        }
        catch (Exception ex)
        {
            _statistics.RecordError("flush at shutdown failed: " + ex.Message);
        }

        long abandoned;
        lock (_gate)
        {
            _closed = true;
            abandoned = _pendingRecords;
            if (abandoned > 0)
            {
                _statistics.OnAbandoned(_signal, abandoned, _pendingItems, "still queued when shutdown gave up waiting");
            }

            _pendingRecords = 0;
            _pendingItems = 0;
        }

        if (abandoned > 0)
        {
            KafkaExporterEventSource.Log.RecordsDropped(abandoned, _topic, "still queued at shutdown");
        }

        return flushed && abandoned == 0;
    }

    /// <summary>Closes (bounded) if not yet closed, then frees the producer. Never throws.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Close(Timeout.Infinite);
        try
        {
            _producer.Dispose();
        }
        catch (Exception ex)
        {
            _statistics.RecordError("producer dispose failed: " + ex.Message);
        }
    }

    private static void OnClientError(KafkaExporterStatistics statistics, Error error)
    {
        statistics.RecordError(Describe(error));
        KafkaExporterEventSource.Log.ClientError(error.Code.ToString(), error.Reason ?? string.Empty);
    }

    private static string Describe(Error error) =>
        string.Create(CultureInfo.InvariantCulture, $"{error.Code}: {error.Reason}");

    private void OnDelivery(DeliveryReport<byte[], byte[]> report, int items)
    {
        // Runs on the producer's poll thread; an exception here would be lost, so there is none.
        try
        {
            var error = report.Error;
            lock (_gate)
            {
                if (_closed)
                {
                    return;
                }

                _pendingRecords--;
                _pendingItems -= items;
                if (error.IsError)
                {
                    _statistics.OnQueuedRecordDropped(_signal, items, Describe(error), queueFull: false);
                }
                else
                {
                    _statistics.OnSent(_signal, items);
                }
            }

            if (error.IsError)
            {
                KafkaExporterEventSource.Log.RecordsDropped(1, _topic, Describe(error));
            }
        }
        catch (Exception)
        {
            // Nothing sensible to do on the poll thread; the record stays pending and is counted at close.
        }
    }
}
