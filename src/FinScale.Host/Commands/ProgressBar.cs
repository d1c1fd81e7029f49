namespace FinScale.Host.Commands;

/// <summary>A one-line progress bar on stderr, drawn only when stderr is a terminal; silent in scripts and tests.</summary>
internal sealed class ProgressBar : IDisposable
{
    private const int Width = 30;
    private readonly long _total;
    private readonly string _unit;
    private readonly bool _enabled = !Console.IsErrorRedirected;
    private long _lastDrawnPercent = -1;
    private readonly Lock _gate = new();

    public ProgressBar(long total, string unit)
    {
        _total = Math.Max(1, total);
        _unit = unit;
    }

    public void Report(long done)
    {
        if (!_enabled)
            return;
        var percent = Math.Min(100, done * 100 / _total);
        lock (_gate)
        {
            if (percent == _lastDrawnPercent)
                return;
            _lastDrawnPercent = percent;
            var filled = (int)(percent * Width / 100);
            Console.Error.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}% {done}/{_total} {_unit}");
        }
    }

    public void Complete()
    {
        Report(_total);
        if (_enabled)
            Console.Error.WriteLine();
        _lastDrawnPercent = 101;
    }

    public void Dispose()
    {
        if (_enabled && _lastDrawnPercent is >= 0 and <= 100)
            Console.Error.WriteLine();
    }
}
