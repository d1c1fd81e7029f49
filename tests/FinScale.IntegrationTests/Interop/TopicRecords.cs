using Confluent.Kafka;

namespace FinScale.IntegrationTests.Interop;

/// <summary>Reads record values back from a single-partition topic, from its start.</summary>
internal static class TopicRecords
{
    /// <summary>The first <paramref name="count"/> record values of partition 0, in offset order; fails after <paramref name="timeout"/>.</summary>
    public static Task<List<byte[]>> ReadAsync(string bootstrapServers, string topic, int count, TimeSpan timeout) =>
        Task.Run(() =>
        {
            var config = new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = "otlp-interop-" + Guid.NewGuid().ToString("N"),
                EnableAutoCommit = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
            };
            using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
            consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
            var values = new List<byte[]>();
            var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
            while (values.Count < count)
            {
                // Consume returns as soon as a record is there; the short timeout only bounds each wait for the deadline check.
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is { IsPartitionEOF: false, Message: not null })
                    values.Add(result.Message.Value);
                if (TimeProvider.System.GetTimestamp() > deadline)
                    throw new TimeoutException($"{topic}: {values.Count} of {count} records within {timeout}");
            }

            consumer.Close();
            return values;
        });
}
