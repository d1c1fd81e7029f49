using FinScale.Detection.Histograms;

namespace FinScale.Detection.Traces;

/// <summary>
/// Turns spans into RED series per window (like the Collector's spanmetrics connector) and service-graph edge
/// series (like its servicegraph connector), driven by event time only: the watermark is the largest span end seen,
/// so a replay of the same spans in the same order gives the same points in the same order.
/// </summary>
/// <typeparam name="TToken">What the caller wants back once a span's output is done (e.g. a Kafka record's offset handle).</typeparam>
/// <remarks>
/// <para><b>Windows.</b> A span belongs to the window holding its end time. A window's RED points are emitted by the
/// first <see cref="Advance"/> once its end + <see cref="TraceMetricsOptions.AllowedLateness"/> ≤ the watermark; its
/// service-graph points once its end + max(lateness, <see cref="TraceMetricsOptions.ServiceGraphWait"/>) ≤ the
/// watermark (a pair can complete that late). Points carry the window end (ms) as timestamp. A span whose window has
/// reached its RED emission time when it arrives is late: dropped and counted.</para>
/// <para><b>Service graph.</b> A CLIENT or PRODUCER span pairs with the SERVER or CONSUMER span whose parent is it, in
/// the same trace; whichever comes first waits in a bounded store. The edge counts in the window of the later-ending
/// of the two. An unpaired span expires once the end of its window + the wait ≤ the watermark: a client span naming a
/// peer.service becomes an edge to that virtual node (in its own window); anything else is dropped and counted.
/// Root server spans (no parent) never wait.</para>
/// <para><b>Token contract.</b> Every <see cref="Add"/> call's token is appended to the <c>released</c> list of exactly
/// one <see cref="Advance"/> or <see cref="Flush"/> call, once per <see cref="Add"/> call (a token passed for n spans
/// comes back n times): the call that appends the last points the span contributed to (its RED window, or the edge
/// window of its pair or virtual edge), never an earlier one. A late or invalid span's token comes back in the next
/// call; a span that skipped the service graph (store full, duplicate) or expired unpaired comes back with its RED
/// window, or in the next call when that window was already emitted. Tokens are compared by reference.</para>
/// <para><b>Example traces.</b> With <see cref="Exemplars"/> set, every RED point emitted is reported there with the
/// trace and span id of one span of its window and key: the slowest span (the first of equals) for <c>calls</c>, the mean and
/// the quantiles, since the slowest request is the one that explains a latency anomaly; for <c>error_ratio</c>, the
/// slowest span with status ERROR over the statuses of its operation, else (no error in the window) the slowest span.
/// The 24 bytes are kept per window slot (no allocation per span); nothing is formatted here. Service-graph points carry
/// no example.</para>
/// <para>Not thread-safe: one thread calls <see cref="Add"/>, <see cref="Advance"/> and <see cref="Flush"/> (it also
/// interns into the <see cref="SeriesCatalog"/>, which has one writer). Counters may be read from any thread.</para>
/// </remarks>
public sealed partial class TraceMetricsAggregator<TToken>
    where TToken : class
{
    private const long NanosPerMs = 1_000_000;
    private const int RedHist = 0;
    private const int ClientHist = 0;
    private const int ServerHist = 1;

    private readonly SeriesCatalog _catalog;
    private readonly double[] _bounds;
    private readonly long _windowMs;
    private readonly long _latenessMs;
    private readonly long _waitMs;
    private readonly long _edgeDelayMs;
    private readonly int _maxPending;
    private readonly bool _emitInstances;
    private readonly double _perSecond;

    /// <summary>Open RED windows by index.</summary>
    private readonly IndexedList<WindowStats<TToken>> _red = new();

    /// <summary>Open service-graph windows by index.</summary>
    private readonly IndexedList<WindowStats<TToken>> _edges = new();

    /// <summary>Emitted windows, kept for reuse so steady state allocates no window state.</summary>
    private readonly Stack<WindowStats<TToken>> _redPool = new();

    /// <summary>Emitted service-graph windows, kept for reuse.</summary>
    private readonly Stack<WindowStats<TToken>> _edgePool = new();

    /// <summary>Tokens of spans that contributed nothing (late, invalid) or whose window is already out: released by the next call.</summary>
    private readonly TokenRuns<TToken> _releaseNext = new();

    /// <summary>Error groups touched while emitting one window, in first-touched order.</summary>
    private readonly List<ErrorGroup> _touched = [];

    /// <summary>
    /// Event time up to which input is complete, ms; long.MinValue before the first span. By default the largest span
    /// end seen; once the caller passes a watermark (<see cref="Advance(long, List{SeriesPoint}, List{TToken})"/>),
    /// only the caller moves it.
    /// </summary>
    private long _watermarkMs = long.MinValue;

    /// <summary>True once the caller drives the watermark (input from several partitions that progress unevenly).</summary>
    private bool _externalWatermark;

    /// <summary>Highest RED window index emitted; no span is accepted into it or any earlier one again.</summary>
    private long _redEmittedThrough = long.MinValue;

    /// <summary>Highest service-graph window index emitted.</summary>
    private long _edgeEmittedThrough = long.MinValue;

    /// <summary>Bumped per emitted window, so an error group knows whether its scratch sums are from this window.</summary>
    private long _emitStamp;

    private WindowStats<TToken>? _lastRed;
    private WindowStats<TToken>? _lastEdge;

    private long _spansAccepted;
    private long _lateSpansDropped;
    private long _invalidSpansDropped;
    private long _unpairedExpired;
    private long _pendingDropped;
    private long _duplicateGraphSpans;
    private long _edgesPaired;
    private long _virtualEdges;
    private long _pointsEmitted;
    private long _seriesRefused;

    /// <summary>Creates an aggregator interning its series into <paramref name="catalog"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public TraceMetricsAggregator(TraceMetricsOptions options, SeriesCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        options.ThrowIfInvalid();
        _catalog = catalog;
        _bounds = [.. options.EffectiveDurationBoundsMs];
        _windowMs = options.Window.Ticks / TimeSpan.TicksPerMillisecond;
        _latenessMs = options.AllowedLateness.Ticks / TimeSpan.TicksPerMillisecond;
        _waitMs = options.ServiceGraphWait.Ticks / TimeSpan.TicksPerMillisecond;
        _edgeDelayMs = Math.Max(_latenessMs, _waitMs);
        _maxPending = options.MaxPendingSpans;
        _emitInstances = options.EmitInstanceSeries;
        _perSecond = 1000.0 / _windowMs;
    }

    /// <summary>Told the example trace of every RED point emitted (see the type's remarks); null reports nothing.</summary>
    public IExemplarSink? Exemplars { get; set; }

    /// <summary>Spans taken into a window.</summary>
    public long SpansAccepted => Volatile.Read(ref _spansAccepted);

    /// <summary>Spans dropped because their window had already reached its emission time.</summary>
    public long LateSpansDropped => Volatile.Read(ref _lateSpansDropped);

    /// <summary>Spans dropped because they have no resource, no name or no end time.</summary>
    public long InvalidSpansDropped => Volatile.Read(ref _invalidSpansDropped);

    /// <summary>Client/server spans that waited past the wait without a partner (and named no peer.service) and were dropped from the graph.</summary>
    public long UnpairedExpired => Volatile.Read(ref _unpairedExpired);

    /// <summary>Client/server spans that skipped the service graph because the pending store was full.</summary>
    public long PendingDropped => Volatile.Read(ref _pendingDropped);

    /// <summary>Client/server spans that skipped the service graph because a span of the same side and link was already waiting.</summary>
    public long DuplicateGraphSpans => Volatile.Read(ref _duplicateGraphSpans);

    /// <summary>Client/server pairs completed.</summary>
    public long EdgesPaired => Volatile.Read(ref _edgesPaired);

    /// <summary>Unpaired client spans turned into an edge to their peer.service.</summary>
    public long VirtualEdges => Volatile.Read(ref _virtualEdges);

    /// <summary>Points appended by <see cref="Advance"/> and <see cref="Flush"/>.</summary>
    public long PointsEmitted => Volatile.Read(ref _pointsEmitted);

    /// <summary>Series the catalog refused (cardinality cap); their points are never emitted. Counted per refused interning.</summary>
    public long SeriesRefused => Volatile.Read(ref _seriesRefused);

    /// <summary>Client/server spans waiting for their partner.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Windows (RED and service graph) not yet emitted.</summary>
    public int OpenWindows => _red.Count + _edges.Count;

    /// <summary>The largest span end seen, ms since the Unix epoch; null before the first span.</summary>
    public long? WatermarkMs => _watermarkMs == long.MinValue ? null : _watermarkMs;

    /// <summary>
    /// Takes one span into its window (and the service graph, for client/server spans); <paramref name="token"/>
    /// comes back through <see cref="Advance"/> or <see cref="Flush"/> as the type's remarks describe.
    /// </summary>
    public void Add(in SpanRecord span, TToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (span.Resource is null || span.Name is null || span.EndUnixNano <= 0)
        {
            _invalidSpansDropped++;
            _releaseNext.Add(token);
            return;
        }

        var endMs = span.EndUnixNano / NanosPerMs;
        if (!_externalWatermark && endMs > _watermarkMs)
        {
            _watermarkMs = endMs;

            // Expire as soon as the watermark allows, not at the next Advance, so pairing and the store's fill depend
            // on the span sequence alone and never on how often the caller advances.
            if (endMs >= _nextExpiryAtMs)
                ExpireThrough(endMs);
        }

        var w = endMs / _windowMs;
        if (w <= _redEmittedThrough || RedEmitAt(w) <= _watermarkMs)
        {
            _lateSpansDropped++;
            _releaseNext.Add(token);
            return;
        }

        _spansAccepted++;
        var window = RedWindow(w);
        var kind = Normalize(span.Kind);
        var status = Normalize(span.Status);
        var ms = span.DurationMs;
        var bucket = BucketOf(ms);
        var op = OpFor(span.Resource, span.Name, kind, status);
        var example = new SpanRef(span.TraceId, span.SpanId);
        if (op.Service is { } serviceKey)
            Observe(window, serviceKey, ms, bucket, example);
        if (op.Instance is { } instanceKey)
            Observe(window, instanceKey, ms, bucket, example);

        if (!JoinGraph(in span, kind, status, w, ms, token))
            window.Tokens.Add(token);
    }

    /// <summary>
    /// Emits every window the watermark has passed (RED windows at end + lateness, service-graph windows at end +
    /// max(lateness, wait)), in order of that emission time (RED first on a tie), appending their points to
    /// <paramref name="points"/> and the tokens they held to <paramref name="released"/>.
    /// </summary>
    public void Advance(List<SeriesPoint> points, List<TToken> released)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(released);
        if (_watermarkMs != long.MinValue)
        {
            if (_watermarkMs >= _nextExpiryAtMs)
                ExpireThrough(_watermarkMs);
            EmitThrough(_watermarkMs, points, released);
        }

        // Last: expiry above may have dropped spans whose RED points were already out.
        _releaseNext.MoveTo(released);
    }

    /// <summary>
    /// Like <see cref="Advance(List{SeriesPoint}, List{TToken})"/>, with the watermark set by the caller: the event
    /// time, ms, below which no more spans are expected. A consumer of several partitions passes the least of the
    /// partitions' progress, so a partition that is behind (a replay, a slow producer) does not see its spans dropped as
    /// late because another one ran ahead. From the first call on, span ends no longer move the watermark; a
    /// watermark lower than the current one is ignored.
    /// </summary>
    public void Advance(long watermarkMs, List<SeriesPoint> points, List<TToken> released)
    {
        _externalWatermark = true;
        if (watermarkMs > _watermarkMs)
            _watermarkMs = watermarkMs;
        Advance(points, released);
    }

    /// <summary>
    /// Expires every waiting client/server span (peer.service ones become virtual edges) and emits every open
    /// window, releasing every token held: for an idle input or shutdown. Spans added afterwards into a window this
    /// emitted are late.
    /// </summary>
    public void Flush(List<SeriesPoint> points, List<TToken> released)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(released);
        ExpireThrough(long.MaxValue);
        EmitThrough(long.MaxValue, points, released);
        _releaseNext.MoveTo(released);
    }

    private long RedEmitAt(long w) => ((w + 1) * _windowMs) + _latenessMs;

    private long EdgeEmitAt(long w) => ((w + 1) * _windowMs) + _edgeDelayMs;

    private static SpanKind Normalize(SpanKind kind) => kind is >= SpanKind.Unspecified and <= SpanKind.Consumer ? kind : SpanKind.Unspecified;

    private static SpanStatus Normalize(SpanStatus status) => status is >= SpanStatus.Unset and <= SpanStatus.Error ? status : SpanStatus.Unset;

    /// <summary>Bucket i is (bounds[i-1], bounds[i]]; the last bucket is (last bound, +inf).</summary>
    private int BucketOf(double ms)
    {
        var i = Array.BinarySearch(_bounds, ms);
        return i >= 0 ? i : ~i;
    }

    private void Observe(WindowStats<TToken> window, RedKey key, double ms, int bucket, SpanRef example)
    {
        var slot = SlotOf(window, ref key.CachedWindow, ref key.CachedSlot, key.Id);
        window.Calls[slot]++;
        window.Observe(slot, RedHist, ms, bucket, example);
    }

    private static int SlotOf(WindowStats<TToken> window, ref long cachedWindow, ref int cachedSlot, int keyId)
    {
        // Spans mostly arrive in time order, so the key's last window is usually this one.
        if (cachedWindow == window.Index)
            return cachedSlot;
        cachedSlot = window.SlotOf(keyId);
        cachedWindow = window.Index;
        return cachedSlot;
    }

    private WindowStats<TToken> RedWindow(long w)
    {
        if (_lastRed is not null && _lastRed.Index == w)
            return _lastRed;
        if (!_red.TryGet(w, out var window))
        {
            window = _redPool.Count > 0 ? _redPool.Pop() : new WindowStats<TToken>(1, _bounds.Length + 1);
            window.Reset(w);
            _red.Add(w, window);
        }

        _lastRed = window;
        return window;
    }

    private WindowStats<TToken> EdgeWindow(long w)
    {
        // Never reopen an emitted window: the pairing and expiry rules keep every edge inside an open one, and
        // if that ever failed the edge moves to the next window rather than repeating an emitted timestamp.
        System.Diagnostics.Debug.Assert(w > _edgeEmittedThrough, "an edge landed in an emitted window");
        if (w <= _edgeEmittedThrough)
            w = _edgeEmittedThrough + 1;
        if (_lastEdge is not null && _lastEdge.Index == w)
            return _lastEdge;
        if (!_edges.TryGet(w, out var window))
        {
            window = _edgePool.Count > 0 ? _edgePool.Pop() : new WindowStats<TToken>(2, _bounds.Length + 1);
            window.Reset(w);
            _edges.Add(w, window);
        }

        _lastEdge = window;
        return window;
    }

    /// <summary>Emits RED and edge windows due by <paramref name="watermark"/>, merged by emission time so the point stream does not depend on how often the caller advances.</summary>
    private void EmitThrough(long watermark, List<SeriesPoint> points, List<TToken> released)
    {
        while (_red.Count > 0 || _edges.Count > 0)
        {
            var redAt = _red.Count > 0 ? RedEmitAt(_red.FirstKey) : long.MaxValue;
            var edgeAt = _edges.Count > 0 ? EdgeEmitAt(_edges.FirstKey) : long.MaxValue;
            if (_red.Count > 0 && (redAt <= edgeAt || _edges.Count == 0))
            {
                if (redAt > watermark)
                    return;
                var window = _red.FirstValue;
                _red.RemoveFirst();
                EmitRed(window, points, released);
                _redEmittedThrough = window.Index;
                if (ReferenceEquals(_lastRed, window))
                    _lastRed = null;
                _redPool.Push(window);
            }
            else
            {
                if (edgeAt > watermark)
                    return;
                var window = _edges.FirstValue;
                _edges.RemoveFirst();
                EmitEdges(window, points, released);
                _edgeEmittedThrough = window.Index;
                if (ReferenceEquals(_lastEdge, window))
                    _lastEdge = null;
                _edgePool.Push(window);
            }
        }
    }

    private void EmitRed(WindowStats<TToken> window, List<SeriesPoint> points, List<TToken> released)
    {
        var ts = (window.Index + 1) * _windowMs;
        var stamp = ++_emitStamp;
        _touched.Clear();
        for (var slot = 0; slot < window.Count; slot++)
        {
            var key = _redKeys[window.Keys[slot]];
            var calls = window.Calls[slot];
            var min = window.HMin[slot];
            var max = window.HMax[slot];
            var buckets = window.Buckets(slot, RedHist);
            var example = window.Example[slot]; // one histogram per RED slot: index slot * 1 + RedHist
            Emit(points, key.Calls, ts, calls * _perSecond, example);
            Emit(points, key.Mean, ts, window.HSum[slot] / window.HCount[slot], example);
            if (key.P50 >= 0)
                Emit(points, key.P50, ts, HistogramQuantile.FromExplicitBuckets(_bounds, buckets, 0.50, min, max), example);
            if (key.P90 >= 0)
                Emit(points, key.P90, ts, HistogramQuantile.FromExplicitBuckets(_bounds, buckets, 0.90, min, max), example);
            if (key.P99 >= 0)
                Emit(points, key.P99, ts, HistogramQuantile.FromExplicitBuckets(_bounds, buckets, 0.99, min, max), example);

            var group = key.Group;
            if (group.Stamp != stamp)
            {
                group.Stamp = stamp;
                group.Calls = 0;
                group.Errors = 0;
                group.Slowest = null;
                group.SlowestError = null;
                _touched.Add(group);
            }

            group.Calls += calls;
            if (group.Slowest is not { } slowest || max > slowest.Ms)
                group.Slowest = (max, example);
            if (key.Status == SpanStatus.Error)
            {
                group.Errors += calls;
                if (group.SlowestError is not { } slowestError || max > slowestError.Ms)
                    group.SlowestError = (max, example);
            }
        }

        foreach (var group in _touched)
            Emit(points, group.Ratio, ts, (double)group.Errors / group.Calls, (group.SlowestError ?? group.Slowest)?.Example ?? default);
        _touched.Clear();
        window.Tokens.MoveTo(released);
    }

    private void EmitEdges(WindowStats<TToken> window, List<SeriesPoint> points, List<TToken> released)
    {
        var ts = (window.Index + 1) * _windowMs;
        for (var slot = 0; slot < window.Count; slot++)
        {
            var key = _edgeKeys[window.Keys[slot]];
            Emit(points, key.Calls, ts, window.Calls[slot] * _perSecond);
            Emit(points, key.Failed, ts, window.Failed[slot] * _perSecond);
            var server = (slot * 2) + ServerHist;
            var client = (slot * 2) + ClientHist;
            if (window.HCount[server] > 0)
            {
                if (key.ServerP99 >= 0)
                    Emit(points, key.ServerP99, ts, HistogramQuantile.FromExplicitBuckets(_bounds, window.Buckets(slot, ServerHist), 0.99, window.HMin[server], window.HMax[server]));
                Emit(points, key.ServerMean, ts, window.HSum[server] / window.HCount[server]);
            }

            if (window.HCount[client] > 0 && key.ClientP99 >= 0)
                Emit(points, key.ClientP99, ts, HistogramQuantile.FromExplicitBuckets(_bounds, window.Buckets(slot, ClientHist), 0.99, window.HMin[client], window.HMax[client]));
        }

        window.Tokens.MoveTo(released);
    }

    private void Emit(List<SeriesPoint> points, int seriesId, long ts, double value, SpanRef example = default)
    {
        if (seriesId < 0 || !double.IsFinite(value))
            return;
        points.Add(new SeriesPoint(seriesId, ts, value));
        _pointsEmitted++;
        if (example.TraceId != UInt128.Zero)
            Exemplars?.Add(seriesId, ts, example.TraceId, example.SpanId);
    }
}
