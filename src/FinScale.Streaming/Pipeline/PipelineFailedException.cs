namespace FinScale.Streaming.Pipeline;

/// <summary>A pipeline stage failed; the run stopped after committing what was fully processed.</summary>
public sealed class PipelineFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PipelineFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public PipelineFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public PipelineFailedException()
    {
    }
}
