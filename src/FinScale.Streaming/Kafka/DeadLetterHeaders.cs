namespace FinScale.Streaming.Kafka;

/// <summary>Headers a dead-lettered record carries besides its original key, value and headers.</summary>
public static class DeadLetterHeaders
{
    /// <summary>Why the record could not be processed (UTF-8 text).</summary>
    public const string Reason = "finscale.dlq.reason";

    /// <summary>The topic it was read from.</summary>
    public const string Topic = "finscale.dlq.topic";

    /// <summary>The partition it was read from (decimal text).</summary>
    public const string Partition = "finscale.dlq.partition";

    /// <summary>Its offset there (decimal text).</summary>
    public const string Offset = "finscale.dlq.offset";
}
