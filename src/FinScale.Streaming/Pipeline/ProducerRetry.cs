using Confluent.Kafka;

namespace FinScale.Streaming.Pipeline;

/// <summary>Produces with the delivery handler, waiting for room when librdkafka's local queue is full instead of failing.</summary>
internal static class ProducerRetry
{
    public static void Produce(
        IProducer<byte[]?, byte[]> producer,
        string topic,
        Message<byte[]?, byte[]> message,
        Action<DeliveryReport<byte[]?, byte[]>> onDelivered) =>
        Produce(producer, new TopicPartition(topic, Partition.Any), message, onDelivered);

    /// <summary>As above, to a given partition (<see cref="Partition.Any"/>: the partitioner's choice).</summary>
    public static void Produce(
        IProducer<byte[]?, byte[]> producer,
        TopicPartition partition,
        Message<byte[]?, byte[]> message,
        Action<DeliveryReport<byte[]?, byte[]>> onDelivered)
    {
        while (true)
        {
            try
            {
                producer.Produce(partition, message, onDelivered);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Flush(TimeSpan.FromMilliseconds(50)); // delivery reports are served meanwhile, freeing room
            }
        }
    }
}
