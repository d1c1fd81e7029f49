namespace FinScale.Host.Bench;

/// <summary>
/// Arrays of exactly a record's length, reused. Confluent.Kafka takes a value as a whole <see cref="byte"/> array and
/// librdkafka copies it within <c>Produce</c> (RD_KAFKA_MSG_F_COPY), so the bench's producers need not leave a new array
/// per record (29 KB each, 217 MB a round at 1 M series) as garbage in the process whose memory the bench measures: the
/// pipeline's, since they share it. Keeps at most <paramref name="mostLengths"/> lengths; not thread-safe.
/// </summary>
internal sealed class ExactLengthArrays(int mostLengths = 512)
{
    private readonly Dictionary<int, byte[]> _byLength = [];

    /// <summary>An array holding exactly <paramref name="bytes"/>, valid until the next call with the same length.</summary>
    public byte[] CopyOf(ReadOnlySpan<byte> bytes)
    {
        if (!_byLength.TryGetValue(bytes.Length, out var array))
        {
            array = new byte[bytes.Length];
            if (_byLength.Count < mostLengths)
                _byLength[bytes.Length] = array;
        }

        bytes.CopyTo(array);
        return array;
    }
}
