namespace FinScale.Streaming.Kafka;

/// <summary>No broker at the configured address answered in time.</summary>
public sealed class KafkaUnreachableException : Exception
{
    /// <summary>Creates the exception with a message naming the address.</summary>
    public KafkaUnreachableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message naming the address and the client error.</summary>
    public KafkaUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public KafkaUnreachableException()
    {
    }
}
