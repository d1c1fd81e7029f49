using Confluent.Kafka;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// Turns delivery reports into ticket completions, and a failed delivery into a pipeline fault: a
/// record whose output was not written must not have its offset stored, and the run must stop.
/// </summary>
internal sealed class DeliveryFaults
{
    private readonly CancellationTokenSource _abort;
    private Exception? _first;

    public DeliveryFaults(CancellationTokenSource abort) => _abort = abort;

    /// <summary>The first delivery failure, if any.</summary>
    public Exception? First => Volatile.Read(ref _first);

    /// <summary>A delivery handler that completes <paramref name="ticket"/> on success and faults the pipeline on failure.</summary>
    public Action<DeliveryReport<byte[]?, byte[]>> Completing(RecordTicket ticket) => report =>
    {
        if (report.Error.IsError)
        {
            Fail(new ProduceException<byte[]?, byte[]>(report.Error, report));
            return;
        }

        ticket.Complete();
    };

    /// <summary>Records a failure and aborts the pipeline.</summary>
    public void Fail(Exception ex)
    {
        Interlocked.CompareExchange(ref _first, ex, null);
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run already ended.
        }
    }
}
