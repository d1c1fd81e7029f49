using System.Diagnostics.Tracing;
using System.Globalization;

namespace FinScale.Host.Bench;

/// <summary>
/// Records this process's GC pauses (execution engine suspended to restarted, from the runtime's own GC events) and the
/// collections by generation while it is listening, so the latency phase can say how much of its tail the GC explains.
/// </summary>
internal sealed class GcPauseRecorder : EventListener
{
    /// <summary>The runtime's GC keyword.</summary>
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    // Event ids of Microsoft-Windows-DotNETRuntime: GCStart_V2 = 1, GCRestartEEEnd = 3, GCSuspendEEBegin = 9.
    private const int GcStart = 1;
    private const int RestartEnd = 3;
    private const int SuspendBegin = 9;

    /// <summary>Guards the fields below: events arrive on the runtime's threads.</summary>
    private readonly Lock _gate = new();
    private readonly List<(double Ms, string Gc)> _pausesMs = [];
    private readonly int[] _collections = new int[3];
    private readonly int[] _background = new int[3];
    private DateTime _suspendedAt;

    /// <summary>The collection that started last ("gen1", "gen2 background", ...), named on the pause that follows.</summary>
    private string _lastGc = "?";
    private bool _recording;

    /// <summary>Starts counting (pauses and collections before this call are not counted).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _pausesMs.Clear();
            Array.Clear(_collections);
            Array.Clear(_background);
            _recording = true;
        }
    }

    /// <summary>Stops counting and describes what was seen: collections per generation, total and worst pauses.</summary>
    public string Stop()
    {
        lock (_gate)
        {
            _recording = false;
            var sorted = _pausesMs.OrderBy(p => p.Ms).ToArray();
            var total = sorted.Sum(p => p.Ms);
            return string.Create(CultureInfo.InvariantCulture,
                $"GC while measuring: gen0 {_collections[0]}, gen1 {_collections[1]}, gen2 {_collections[2]} ({_background[2]} background); {sorted.Length} pauses, total {total:F0} ms, longest {(sorted.Length > 0 ? sorted[^1].Ms : 0):F1} ms{(sorted.Length > 0 ? $" ({sorted[^1].Gc})" : string.Empty)}{(sorted.Length > 1 ? $", second {sorted[^2].Ms:F1} ms ({sorted[^2].Gc})" : string.Empty)}");
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_gate)
        {
            if (!_recording)
                return;
            switch (e.EventId)
            {
                case SuspendBegin:
                    _suspendedAt = e.TimeStamp;
                    break;
                case RestartEnd when _suspendedAt != default:
                    _pausesMs.Add(((e.TimeStamp - _suspendedAt).TotalMilliseconds, _lastGc));
                    _suspendedAt = default;
                    break;
                case GcStart when e.Payload is { Count: >= 4 } p:
                    var gen = Convert.ToInt32(p[1], CultureInfo.InvariantCulture);
                    var type = Convert.ToInt32(p[3], CultureInfo.InvariantCulture); // 0 blocking, 1 background, 2 foreground during background
                    _lastGc = $"gen{gen}{type switch { 1 => " background", 2 => " foreground during background", _ => string.Empty }}";
                    if (gen is >= 0 and <= 2)
                    {
                        _collections[gen]++;
                        if (type == 1)
                            _background[gen]++;
                    }

                    break;
            }
        }
    }
}
