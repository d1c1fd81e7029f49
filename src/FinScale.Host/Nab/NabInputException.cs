namespace FinScale.Host.Nab;

/// <summary>The NAB harness's input is unusable: a missing folder, a malformed data or label file, labels that do not match the data. Exit code 2.</summary>
internal sealed class NabInputException : Exception
{
    public NabInputException(string message)
        : base(message)
    {
    }

    public NabInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
