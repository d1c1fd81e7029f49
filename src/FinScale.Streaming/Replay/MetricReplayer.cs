using System.Text;
using Confluent.Kafka;
using FinScale.Contracts;
using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Replay;

/// <summary>
/// Publishes the series of CSV files as Avro metric samples, merged in event-time order across files,
/// keyed by series, with the event time as the record timestamp; paced by <see cref="ReplaySpeed"/>.
/// </summary>
public sealed class MetricReplayer
{
    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly AvroSerde<MetricSample> _serde;
    private readonly TimeProvider _time;

    /// <summary>Creates a replayer writing through <paramref name="producer"/>.</summary>
    public MetricReplayer(IProducer<byte[]?, byte[]> producer, AvroSerde<MetricSample> serde, TimeProvider time)
    {
        _producer = producer;
        _serde = serde;
        _time = time;
    }

    /// <summary>Reads every file (reporting bad rows) and returns the samples in event-time order, stable across files.</summary>
    public static IReadOnlyList<MetricSample> Load(IEnumerable<string> paths, Action<CsvRowError> onError)
    {
        var all = new List<(MetricSample Sample, int File, int Row)>();
        var file = 0;
        foreach (var path in paths)
        {
            var row = 0;
            foreach (var s in CsvSeriesReader.Read(path, onError))
                all.Add((s, file, row++));
            file++;
        }

        all.Sort(static (a, b) =>
        {
            var c = a.Sample.Timestamp.CompareTo(b.Sample.Timestamp);
            if (c != 0)
                return c;
            c = a.File.CompareTo(b.File);
            return c != 0 ? c : a.Row.CompareTo(b.Row);
        });
        return all.Select(x => x.Sample).ToList();
    }

    /// <summary>Publishes <paramref name="samples"/> to <paramref name="topic"/>; <paramref name="progress"/> is told how many are acknowledged.</summary>
    public async Task<long> PublishAsync(IReadOnlyList<MetricSample> samples, string topic, ReplaySpeed speed, Action<long>? progress, CancellationToken cancellationToken)
    {
        long acknowledged = 0;
        Exception? failure = null;
        var started = _time.GetTimestamp();
        var firstEventTime = samples.Count > 0 ? samples[0].Timestamp : default;
        for (var i = 0; i < samples.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref failure) is { } f)
                throw new KafkaException(new Error(ErrorCode.Local_Fail, f.Message), f);
            var sample = samples[i];
            if (!speed.IsMax)
            {
                var due = TimeSpan.FromTicks((long)((sample.Timestamp - firstEventTime).Ticks / speed.Factor));
                var wait = due - _time.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, _time, cancellationToken);
            }

            var message = new Message<byte[]?, byte[]>
            {
                Key = Encoding.UTF8.GetBytes(sample.Key.Text),
                Value = _serde.Serialize(sample),
                Timestamp = new Timestamp(sample.Timestamp),
            };
            while (true)
            {
                try
                {
                    _producer.Produce(topic, message, report =>
                    {
                        if (report.Error.IsError)
                            Interlocked.CompareExchange(ref failure, new ProduceException<byte[]?, byte[]>(report.Error, report), null);
                        else
                        {
                            var n = Interlocked.Increment(ref acknowledged); // counted even when nobody watches progress
                            progress?.Invoke(n);
                        }
                    });
                    break;
                }
                catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    _producer.Flush(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        while (_producer.Flush(TimeSpan.FromMilliseconds(250)) > 0)
            cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref failure) is { } last)
            throw new KafkaException(new Error(ErrorCode.Local_Fail, last.Message), last);
        return Interlocked.Read(ref acknowledged);
    }
}
