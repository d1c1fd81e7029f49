namespace FinScale.Streaming.Avro;

/// <summary>A record's bytes could not be decoded; <see cref="Exception.Message"/> is the reason written to the dead-letter topic.</summary>
public sealed class RecordDecodeException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public RecordDecodeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and the error underneath.</summary>
    public RecordDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no reason.</summary>
    public RecordDecodeException()
    {
    }
}
