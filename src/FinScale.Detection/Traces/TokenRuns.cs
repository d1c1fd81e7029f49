namespace FinScale.Detection.Traces;

/// <summary>
/// Tokens waiting for one release point, in arrival order and run-length encoded: consecutive adds of the same token
/// object (the spans of one Kafka record) share one entry.
/// </summary>
internal sealed class TokenRuns<TToken>
    where TToken : class
{
    private const int KeepCapacity = 1024;

    private TToken?[] _tokens = new TToken?[4];
    private int[] _counts = new int[4];
    private int _runs;

    /// <summary>Tokens held (counting repeats).</summary>
    public long Count { get; private set; }

    /// <summary>Holds one more occurrence of <paramref name="token"/>.</summary>
    public void Add(TToken token)
    {
        Count++;
        if (_runs > 0 && ReferenceEquals(_tokens[_runs - 1], token) && _counts[_runs - 1] < int.MaxValue)
        {
            _counts[_runs - 1]++;
            return;
        }

        if (_runs == _tokens.Length)
        {
            Array.Resize(ref _tokens, _runs * 2);
            Array.Resize(ref _counts, _runs * 2);
        }

        _tokens[_runs] = token;
        _counts[_runs] = 1;
        _runs++;
    }

    /// <summary>Appends every held occurrence to <paramref name="released"/> in arrival order and forgets them.</summary>
    public void MoveTo(List<TToken> released)
    {
        for (var i = 0; i < _runs; i++)
        {
            var token = _tokens[i]!;
            for (var c = _counts[i]; c > 0; c--)
                released.Add(token);
        }

        Array.Clear(_tokens, 0, _runs);
        _runs = 0;
        Count = 0;

        // A burst of interleaved tokens should not pin a large array in a pooled window for ever.
        if (_tokens.Length > KeepCapacity)
        {
            _tokens = new TToken?[4];
            _counts = new int[4];
        }
    }
}
