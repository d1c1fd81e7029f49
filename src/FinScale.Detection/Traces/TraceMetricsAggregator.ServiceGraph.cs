namespace FinScale.Detection.Traces;

/// <content>
/// The service graph: client/server pairing through a bounded store of unpaired spans, expiry by event time, and
/// virtual nodes for uninstrumented callees.
/// </content>
/// <remarks>
/// Why no edge ever lands in an emitted window: a pair completes only while the waiting half has not expired (its
/// window end + wait &gt; watermark) and the arriving half is not late (its window end + lateness &gt; watermark), and
/// the edge goes to the later of the two windows, whose edge emission time (end + max(lateness, wait)) is therefore
/// still ahead of the watermark. Expiry runs as soon as the watermark reaches it, before any window is emitted, and a
/// virtual edge goes to the span's own window, emitted no earlier than the expiry time.
/// </remarks>
public sealed partial class TraceMetricsAggregator<TToken>
{
    /// <summary>Unpaired spans by (trace id, client span id).</summary>
    private readonly Dictionary<PairId, PendingEntry> _pending = [];

    /// <summary>The same entries by window, in insertion order (swap-removed when paired): expiry order is deterministic.</summary>
    private readonly IndexedList<List<PendingEntry>> _pendingByWindow = new();

    private readonly Stack<PendingEntry> _entryPool = new();
    private readonly Stack<List<PendingEntry>> _bucketPool = new();

    /// <summary>A lower bound of the watermark at which the oldest waiting window expires; long.MaxValue when none waits.</summary>
    private long _nextExpiryAtMs = long.MaxValue;

    private List<PendingEntry>? _lastBucket;
    private long _lastBucketWindow = long.MinValue;

    private long ExpireAt(long w) => ((w + 1) * _windowMs) + _waitMs;

    /// <summary>Takes a client/server span into the graph; false when it plays no part there (its token then waits with its RED window).</summary>
    private bool JoinGraph(in SpanRecord span, SpanKind kind, SpanStatus status, long w, double ms, TToken token)
    {
        bool isClient;
        ulong link;
        switch (kind)
        {
            case SpanKind.Client or SpanKind.Producer:
                isClient = true;
                link = span.SpanId;
                break;
            case SpanKind.Server or SpanKind.Consumer:
                // A root server span has no caller span to pair with: it never waits.
                isClient = false;
                link = span.ParentSpanId;
                break;
            default:
                return false;
        }

        if (link == 0 || span.TraceId == UInt128.Zero)
            return false;

        var id = new PairId(span.TraceId, link);
        if (_pending.TryGetValue(id, out var waiting))
        {
            if (waiting.IsClient == isClient)
            {
                _duplicateGraphSpans++;
                return false;
            }

            RemovePending(waiting);
            var arriving = Fill(Rent(), in span, id, isClient, kind, status, w, ms, token);
            RecordPair(waiting, arriving);
            Return(waiting);
            Return(arriving);
            _edgesPaired++;
            return true;
        }

        var entry = Fill(Rent(), in span, id, isClient, kind, status, w, ms, token);
        if (ExpireAt(w) <= _watermarkMs)
        {
            // Its wait is already over (a wait shorter than the lateness): expire it now.
            Expire(entry);
            return true;
        }

        if (_pending.Count >= _maxPending)
        {
            _pendingDropped++;
            Return(entry);
            return false;
        }

        _pending.Add(id, entry);
        var bucket = BucketFor(w);
        entry.Bucket = bucket;
        entry.BucketIndex = bucket.Count;
        bucket.Add(entry);
        var at = ExpireAt(w);
        if (at < _nextExpiryAtMs)
            _nextExpiryAtMs = at;
        return true;
    }

    private void RecordPair(PendingEntry first, PendingEntry second)
    {
        var client = first.IsClient ? first : second;
        var server = first.IsClient ? second : first;
        var connection = client.Kind == SpanKind.Producer || server.Kind == SpanKind.Consumer ? TraceMetricNames.MessagingSystem : null;

        // The window of the later-ending span (windows are monotone in end time).
        var window = EdgeWindow(Math.Max(first.Window, second.Window));
        var key = EdgeFor(new EdgeId(client.Service, client.Namespace, server.Service, server.Namespace, connection));
        if (key is not null)
        {
            var slot = SlotOf(window, ref key.CachedWindow, ref key.CachedSlot, key.Id);
            window.Calls[slot]++;
            if (client.Status == SpanStatus.Error || server.Status == SpanStatus.Error)
                window.Failed[slot]++;
            window.Observe(slot, ClientHist, client.DurationMs, BucketOf(client.DurationMs));
            window.Observe(slot, ServerHist, server.DurationMs, BucketOf(server.DurationMs));
        }

        window.Tokens.Add(first.Token!);
        window.Tokens.Add(second.Token!);
    }

    /// <summary>Ends an unpaired span's wait: a virtual edge when it is a client naming a peer, else dropped from the graph.</summary>
    private void Expire(PendingEntry entry)
    {
        if (entry.IsClient && Present(entry.Peer) is { } peer)
        {
            var window = EdgeWindow(entry.Window);
            var key = EdgeFor(new EdgeId(entry.Service, entry.Namespace, peer, null, TraceMetricNames.VirtualNode));
            if (key is not null)
            {
                var slot = SlotOf(window, ref key.CachedWindow, ref key.CachedSlot, key.Id);
                window.Calls[slot]++;
                if (entry.Status == SpanStatus.Error)
                    window.Failed[slot]++;
                window.Observe(slot, ClientHist, entry.DurationMs, BucketOf(entry.DurationMs));
            }

            window.Tokens.Add(entry.Token!);
            _virtualEdges++;
        }
        else
        {
            _unpairedExpired++;

            // Its RED points are its last: release with them, or now if they are already out.
            if (entry.Window > _redEmittedThrough)
                RedWindow(entry.Window).Tokens.Add(entry.Token!);
            else
                _releaseNext.Add(entry.Token!);
        }

        Return(entry);
    }

    /// <summary>Expires every waiting window whose end + wait ≤ <paramref name="watermark"/>, oldest first, in insertion order within a window.</summary>
    private void ExpireThrough(long watermark)
    {
        while (_pendingByWindow.Count > 0)
        {
            var at = ExpireAt(_pendingByWindow.FirstKey);
            if (at > watermark)
            {
                _nextExpiryAtMs = at;
                return;
            }

            var bucket = _pendingByWindow.FirstValue;
            _pendingByWindow.RemoveFirst();
            if (ReferenceEquals(bucket, _lastBucket))
                _lastBucket = null;
            foreach (var entry in bucket)
            {
                _pending.Remove(entry.Id);
                Expire(entry);
            }

            bucket.Clear();
            _bucketPool.Push(bucket);
        }

        _nextExpiryAtMs = long.MaxValue;
    }

    private List<PendingEntry> BucketFor(long w)
    {
        if (_lastBucket is not null && _lastBucketWindow == w)
            return _lastBucket;
        if (!_pendingByWindow.TryGet(w, out var bucket))
        {
            bucket = _bucketPool.Count > 0 ? _bucketPool.Pop() : [];
            _pendingByWindow.Add(w, bucket);
        }

        _lastBucket = bucket;
        _lastBucketWindow = w;
        return bucket;
    }

    private void RemovePending(PendingEntry entry)
    {
        _pending.Remove(entry.Id);
        var bucket = entry.Bucket!;
        var last = bucket[^1];
        bucket[entry.BucketIndex] = last;
        last.BucketIndex = entry.BucketIndex;
        bucket.RemoveAt(bucket.Count - 1);
        if (bucket.Count == 0)
        {
            _pendingByWindow.Remove(entry.Window);
            if (ReferenceEquals(bucket, _lastBucket))
                _lastBucket = null;
            _bucketPool.Push(bucket);
        }

        // _nextExpiryAtMs stays a lower bound; ExpireThrough recomputes it.
    }

    private PendingEntry Rent() => _entryPool.Count > 0 ? _entryPool.Pop() : new PendingEntry();

    private void Return(PendingEntry entry)
    {
        entry.Token = null;
        entry.Bucket = null;
        entry.Service = string.Empty;
        entry.Namespace = null;
        entry.Peer = null;

        // Keep the pool no larger than the store can need.
        if (_entryPool.Count < Math.Min(_maxPending, 4096) + 2)
            _entryPool.Push(entry);
    }

    private static PendingEntry Fill(PendingEntry entry, in SpanRecord span, PairId id, bool isClient, SpanKind kind, SpanStatus status, long w, double ms, TToken token)
    {
        entry.Id = id;
        entry.IsClient = isClient;
        entry.Kind = kind;
        entry.Service = Present(span.Resource.ServiceName) ?? UnknownService;
        entry.Namespace = Present(span.Resource.Namespace);
        entry.Status = status;
        entry.DurationMs = ms;
        entry.Window = w;
        entry.Peer = span.PeerService;
        entry.Token = token;
        return entry;
    }

    /// <summary>The store key: the trace and the client's span id (a server span's parent id).</summary>
    private readonly record struct PairId(UInt128 TraceId, ulong ClientSpanId);

    /// <summary>What the graph needs of one half of a pair while it waits.</summary>
    private sealed class PendingEntry
    {
        public PairId Id;
        public bool IsClient;
        public SpanKind Kind;
        public string Service = string.Empty;
        public string? Namespace;
        public SpanStatus Status;
        public double DurationMs;
        public long Window;
        public string? Peer;
        public TToken? Token;
        public List<PendingEntry>? Bucket;
        public int BucketIndex;
    }
}
