using System.Globalization;
using FinScale.Baselining;
using FinScale.Contracts;
using FinScale.Detection.Scoring;

namespace FinScale.Detection;

/// <summary>
/// Baselines every series of one shard online and opens an anomaly episode when a point's ensemble score passes
/// <see cref="DetectorOptions.ScoreThreshold"/>. Points are processed in rounds where each series appears at most
/// once: each round's robust level (mean, scale, residual z) is computed for all its series at once by the SIMD
/// kernel over struct-of-arrays state, then each point is scored by the <see cref="EnsembleScorer"/> algorithm
/// (seasonal models, spike/level-shift/volatility families, calibration), which takes the kernel's residual as its
/// level model; each series' ensemble state is a struct in a chunk of slots here, not an object, and its profiles and
/// calibration trees are blocks in this shard's arenas, not arrays (about 0.5 KB for a series younger than a day,
/// 1 KB once both profiles are full; see perf/README.md). Not thread-safe by design: one
/// shard, one reader, so per-series order holds without locks.
/// </summary>
public sealed class ShardDetector
{
    /// <summary>Name written into anomalies raised by this detector (and the NAB results of its per-point scores).</summary>
    public const string Name = "ensemble";

    private const float NormalConsistency = 1.2533141f; // E|X| = sigma * sqrt(2/pi) for a normal X

    private readonly DetectorOptions _options;
    private readonly SeriesCatalog _catalog;
    private readonly int _shard;
    private readonly int _shardCount;
    private readonly SeriesStateArrays _state;
    private int _seriesCount;
    private long[] _lastTimestamp = new long[1024];
    private bool[] _seen = new bool[1024];
    private int[] _roundStamp = new int[1024];
    private bool[] _episodeOpen = new bool[1024];
    private int[] _calmRun = new int[1024];
    private bool[] _changed = new bool[1024];
    private readonly List<int> _changedIds = [];
    private int _round = 1;

    // The ensemble state of each series, in fixed-size chunks allocated as series arrive: no object per series, and no
    // copy of a million states (or twice their room) when the shard grows. Chunk c holds local ids c * EnsembleChunk on.
    private const int EnsembleChunkBits = 8;
    private const int EnsembleChunk = 1 << EnsembleChunkBits;
    private readonly EnsembleState[]?[] _ensembles;
    private readonly EnsembleArenas _arenas;
    private readonly int _mostSeries;

    // A round holds at most this many points: its nine scratch arrays stay within 288 KB (in cache) however many series a
    // batch spans, instead of growing to the largest batch ever seen (36 B per series of a million-series batch, for
    // good). Rounds are only batches of distinct series, so where one is cut changes no score.
    private const int MostPerRound = 8_192;

    // Scratch for one round; grown on demand up to MostPerRound, reused across batches.
    private int[] _ids = new int[256];
    private int[] _pointIndex = new int[256];
    private float[] _x = new float[256];
    private float[] _alpha = new float[256];
    private float[] _mean = new float[256];
    private float[] _expected = new float[256];
    private float[] _scale = new float[256];
    private float[] _scaleBefore = new float[256];
    private float[] _z = new float[256];
    private int _pending;

    // Only the series with an open episode, and only when resolutions are reported.
    private readonly Dictionary<int, Anomaly> _openEpisodes = [];

    // The value expected and the scale just before each open episode began: recovery means coming back to them.
    private readonly Dictionary<int, (float Expected, double Scale)> _episodeBaseline = [];
    private readonly Dictionary<int, int> _backRun = [];

    /// <summary>
    /// Creates the detector of shard <paramref name="shard"/> of <paramref name="shardCount"/>: it is handed the
    /// series whose id modulo <paramref name="shardCount"/> is <paramref name="shard"/>, and keeps their state at
    /// the dense local index id / shardCount.
    /// </summary>
    public ShardDetector(DetectorOptions options, SeriesCatalog catalog, int shard = 0, int shardCount = 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardCount);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shardCount);
        _options = options;
        _catalog = catalog;
        _shard = shard;
        _shardCount = shardCount;
        var most = ((catalog.Capacity - 1) / shardCount) + 1;
        _state = new SeriesStateArrays(Math.Min(1024, most), most);
        _mostSeries = most;
        _ensembles = new EnsembleState[]?[((most - 1) >> EnsembleChunkBits) + 1];
        _arenas = new EnsembleArenas(options.Ensemble);
    }

    /// <summary>
    /// When true, the end of an episode is reported too: an anomaly with <see cref="AnomalyState.Resolved"/>, the opening
    /// anomaly's id and the closing point's time and value. Off by default (callers that grade points do not want them).
    /// </summary>
    public bool ReportResolutions { get; init; }

    /// <summary>When true, the series whose state changes are remembered for <see cref="DrainChanged"/> (checkpointing).</summary>
    public bool TrackChanges { get; init; }

    /// <summary>
    /// Format version of <see cref="ExportState"/>. 2: profile buckets as 16-bit codes. <see cref="ImportState"/> also
    /// reads version 1 (float buckets, written by 4de042b and earlier), re-coding them, so an upgrade resumes warm; a
    /// checkpoint of any other version is refused.
    /// </summary>
    public const byte StateVersion = 2;

    /// <summary>The oldest format <see cref="ImportState"/> reads.</summary>
    public const byte OldestStateVersion = 1;

    /// <summary>Whether a series' state changed since the last <see cref="DrainChanged"/> (the shard's own thread only).</summary>
    public bool HasChanges => _changedIds.Count > 0;

    /// <summary>Appends the (global) ids of the series whose state changed since the last call, and forgets them.</summary>
    public void DrainChanged(List<int> seriesIds)
    {
        ArgumentNullException.ThrowIfNull(seriesIds);
        foreach (var id in _changedIds)
        {
            _changed[id] = false;
            seriesIds.Add((id * _shardCount) + _shard);
        }

        _changedIds.Clear();
    }

    /// <summary>
    /// The whole learned state of <paramref name="seriesId"/> (baseline, scale, ensemble, last timestamp) as bytes for a
    /// checkpoint, or null when this shard has not seen it. An open episode is not part of it: the series resumes calm.
    /// </summary>
    public byte[]? ExportState(int seriesId)
    {
        using var buffer = new MemoryStream(256);
        using (var w = new BinaryWriter(buffer))
        {
            if (!ExportState(seriesId, w))
                return null;
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Writes <see cref="ExportState(int)"/>'s bytes to <paramref name="writer"/> (a checkpoint writer reuses one buffer
    /// for every series); false, writing nothing, when this shard has not seen the series.
    /// </summary>
    public bool ExportState(int seriesId, BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var id = LocalId(seriesId);
        if (id >= _seen.Length || !_seen[id])
            return false;
        writer.Write(StateVersion);
        writer.Write(_lastTimestamp[id]);
        writer.Write(_state.Mean[id]);
        writer.Write(_state.Scale[id]);
        writer.Write(_state.Count[id]);
        Ensemble(id).WriteTo(writer, _arenas);
        return true;
    }

    /// <summary>
    /// Restores <paramref name="seriesId"/> from <see cref="ExportState"/>'s bytes (taking a partition over warm). Replaces
    /// what this shard knew of the series.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a state of this version.</exception>
    public void ImportState(int seriesId, byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var id = LocalId(seriesId);
        if (state.Length == 0 || state[0] is < OldestStateVersion or > StateVersion)
            throw new InvalidDataException($"series state of version {(state.Length == 0 ? "(empty)" : state[0])}, this build reads {OldestStateVersion} to {StateVersion}");
        try
        {
            using var r = new BinaryReader(new MemoryStream(state, writable: false));
            r.ReadByte();
            var last = r.ReadInt64();
            var mean = r.ReadSingle();
            var scale = r.ReadSingle();
            var count = r.ReadInt32();
            if (id >= _lastTimestamp.Length || _state.Capacity <= id)
                Grow(id + 1);
            var ensemble = Scoring.EnsembleState.ReadFrom(r, _arenas, state[0]);
            if (!_seen[id])
                _seriesCount++;
            _seen[id] = true;
            _lastTimestamp[id] = last;
            _state.Mean[id] = mean;
            _state.Scale[id] = scale;
            _state.Count[id] = count;
            ref var slot = ref Ensemble(id);
            slot.Release(_arenas);
            slot = ensemble;
            _episodeOpen[id] = false;
            _calmRun[id] = 0;
            _openEpisodes.Remove(id);
            _episodeBaseline.Remove(id);
            _backRun.Remove(id);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"series state truncated at {state.Length} bytes", ex);
        }
    }

    /// <summary>
    /// Forgets what this shard learned of <paramref name="seriesId"/> (a tombstone on the state topic after a state that
    /// was restored): its next point starts it anew, cold. Does nothing for a series this shard has not seen.
    /// </summary>
    public void Forget(int seriesId)
    {
        var id = LocalId(seriesId);
        if (id >= _seen.Length || !_seen[id])
            return;
        _seriesCount--;
        _seen[id] = false;
        _lastTimestamp[id] = 0;
        _state.Mean[id] = 0;
        _state.Scale[id] = 0;
        _state.Count[id] = 0;
        Ensemble(id).Release(_arenas);
        _episodeOpen[id] = false;
        _calmRun[id] = 0;
        _openEpisodes.Remove(id);
        _episodeBaseline.Remove(id);
        _backRun.Remove(id);
    }

    private int LocalId(int seriesId)
    {
        if (seriesId < 0 || seriesId % _shardCount != _shard)
            throw new ArgumentException($"series {seriesId} does not belong to shard {_shard} of {_shardCount}", nameof(seriesId));
        return seriesId / _shardCount;
    }

    /// <summary>The shard a series belongs to among <paramref name="shardCount"/> shards.</summary>
    public static int ShardOf(int seriesId, int shardCount) => seriesId % shardCount;

    /// <summary>Where the series' profiles and calibration trees live (for tests and memory reports).</summary>
    internal EnsembleArenas Arenas => _arenas;

    /// <summary>Series this shard has seen.</summary>
    public int SeriesCount => _seriesCount;

    /// <summary>Points dropped because their event time was older than the series' last point.</summary>
    public long OutOfOrderPoints { get; private set; }

    /// <summary>Points dropped because their value is NaN, infinite, or beyond float range.</summary>
    public long NonFinitePoints { get; private set; }

    /// <summary>
    /// Event time (Unix ms) of the last point of <paramref name="seriesId"/> this shard accepted, or null when it has
    /// none. Safe from another thread: it reads one aligned 64-bit value, at worst a moment stale.
    /// </summary>
    public long? LastSeenMs(int seriesId)
    {
        var id = seriesId / _shardCount;
        var seen = Volatile.Read(ref _seen);
        var last = Volatile.Read(ref _lastTimestamp);
        if (seriesId < 0 || seriesId % _shardCount != _shard || id >= seen.Length || id >= last.Length || !seen[id])
            return null;
        return Volatile.Read(ref last[id]);
    }

    /// <summary>Scores and learns from <paramref name="points"/> in order, appending the anomalies they open.</summary>
    public void Process(ReadOnlySpan<SeriesPoint> points, List<DetectedAnomaly> anomalies) => Process(points, anomalies, []);

    /// <summary>
    /// As <see cref="Process(ReadOnlySpan{SeriesPoint}, List{DetectedAnomaly})"/>, and also writes each point's ensemble score
    /// (the score an opened anomaly carries) into <paramref name="scores"/> at the point's index: 0 for a point its series
    /// learns from while warming up, and for a point dropped as late or non-finite. For callers that grade every point, not
    /// only the episodes (the NAB harness).
    /// </summary>
    /// <param name="points">The points, in order.</param>
    /// <param name="anomalies">Receives the anomalies the points open.</param>
    /// <param name="scores">Empty, or exactly as long as <paramref name="points"/>.</param>
    public void Process(ReadOnlySpan<SeriesPoint> points, List<DetectedAnomaly> anomalies, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(anomalies);
        if (!scores.IsEmpty && scores.Length != points.Length)
            throw new ArgumentException($"{scores.Length} score slots for {points.Length} points", nameof(scores));
        scores.Clear();
        for (var i = 0; i < points.Length; i++)
        {
            ref readonly var p = ref points[i];
            if (p.SeriesId < 0 || p.SeriesId % _shardCount != _shard)
                throw new ArgumentException($"series {p.SeriesId} does not belong to shard {_shard} of {_shardCount}", nameof(points));
            var id = p.SeriesId / _shardCount;
            if (id >= _lastTimestamp.Length || _state.Capacity <= id)
                Grow(id + 1);

            if (_seen[id] && p.TimestampMs < _lastTimestamp[id])
            {
                // Causality: a late point cannot be scored against a baseline that already saw its future.
                OutOfOrderPoints++;
                continue;
            }

            var value = (float)p.Value;
            if (!float.IsFinite(value))
            {
                // NaN or beyond float range would poison the series' state for good.
                NonFinitePoints++;
                continue;
            }

            _lastTimestamp[id] = p.TimestampMs;
            if (TrackChanges && !_changed[id])
            {
                _changed[id] = true;
                _changedIds.Add(id);
            }

            if (!_seen[id])
                _seriesCount++;
            _seen[id] = true;
            if (_roundStamp[id] == _round || _pending == MostPerRound)
                Flush(points, anomalies, scores);
            _roundStamp[id] = _round;
            Append(id, i, value);
        }

        Flush(points, anomalies, scores);
    }

    private void Append(int id, int pointIndex, float value)
    {
        if (_pending == _ids.Length)
        {
            var n = _ids.Length * 2;
            Array.Resize(ref _ids, n);
            Array.Resize(ref _pointIndex, n);
            Array.Resize(ref _x, n);
            Array.Resize(ref _alpha, n);
            Array.Resize(ref _mean, n);
            Array.Resize(ref _expected, n);
            Array.Resize(ref _scale, n);
            Array.Resize(ref _scaleBefore, n);
            Array.Resize(ref _z, n);
        }

        _ids[_pending] = id;
        _pointIndex[_pending] = pointIndex;
        _x[_pending] = value;
        _pending++;
    }

    private void Flush(ReadOnlySpan<SeriesPoint> points, List<DetectedAnomaly> anomalies, Span<double> scores)
    {
        var n = _pending;
        _pending = 0;
        _round++;
        if (n == 0)
            return;

        var ids = _ids.AsSpan(0, n);
        var x = _x.AsSpan(0, n);
        var alpha = _alpha.AsSpan(0, n);
        var mean = _mean.AsSpan(0, n);
        var scale = _scale.AsSpan(0, n);
        var z = _z.AsSpan(0, n);
        GatherScatter.Gather(_state.Mean, ids, mean);
        GatherScatter.Gather(_state.Scale, ids, scale);
        mean.CopyTo(_expected);
        scale.CopyTo(_scaleBefore);

        var floorAlpha = (float)_options.Alpha;
        for (var k = 0; k < n; k++)
        {
            // Until warmed up the weight is 1/(n+1): a plain running mean, so the first points set the level quickly.
            var count = _state.Count[ids[k]];
            alpha[k] = Math.Max(1f / (count + 1), floorAlpha);
        }

        RobustEwma.ScoreAndUpdate(x, alpha, mean, scale, z, (float)_options.Clip);

        // Warm-up points learn without clipping: a clipped update cannot find a level it has not seen yet.
        for (var k = 0; k < n; k++)
        {
            var id = ids[k];
            var count = _state.Count[id];
            if (count < _options.WarmUpPoints)
            {
                var prevMean = _expected[k];
                var d = x[k] - prevMean;
                mean[k] = count == 0 ? x[k] : prevMean + (alpha[k] * d);
                var prevScale = _state.Scale[id];
                scale[k] = count == 0 ? 0f : prevScale + (alpha[k] * ((MathF.Abs(d) * NormalConsistency) - prevScale));
            }

            _state.Count[id] = count + 1;
        }

        GatherScatter.Scatter(mean, ids, _state.Mean);
        GatherScatter.Scatter(scale, ids, _state.Scale);

        for (var k = 0; k < n; k++)
        {
            var id = ids[k];
            ref readonly var p = ref points[_pointIndex[k]];

            // The kernel's z is in float; past float range (a flat series' first move) it is infinite, which the ensemble caps.
            var warming = _state.Count[id] <= _options.WarmUpPoints;
            var score = Ensemble(id).Score(
                p.TimestampMs,
                p.Value,
                warming ? 0 : EnsembleState.ExternalLevelZ(z[k]),
                warming ? double.MaxValue : _scaleBefore[k],
                _options.Ensemble,
                _arenas);
            if (warming)
                continue;
            if (!scores.IsEmpty)
                scores[_pointIndex[k]] = score;
            if (score >= _options.ScoreThreshold)
            {
                _calmRun[id] = 0;
                if (_episodeOpen[id])
                    _backRun.Remove(id);
                if (!_episodeOpen[id])
                {
                    _episodeOpen[id] = true;
                    _episodeBaseline[id] = (_expected[k], _scaleBefore[k]);
                    var opened = CreateAnomaly(p, _expected[k], score, z[k]);
                    anomalies.Add(new DetectedAnomaly(_pointIndex[k], opened));
                    if (ReportResolutions)
                        _openEpisodes[id] = opened;
                }
            }
            else if (_episodeOpen[id] && Recovered(id, p.Value))
            {
                _episodeOpen[id] = false;
                _calmRun[id] = 0;
                _episodeBaseline.Remove(id);
                if (ReportResolutions && _openEpisodes.Remove(id, out var opened))
                {
                    anomalies.Add(new DetectedAnomaly(_pointIndex[k], opened with
                    {
                        EventTime = DateTimeOffset.FromUnixTimeMilliseconds(p.TimestampMs),
                        Observed = p.Value,
                        Expected = _expected[k],
                        Score = score,
                        ZScore = z[k],
                        State = AnomalyState.Resolved,
                    }));
                }
            }
        }
    }

    /// <summary>
    /// Counts one more calm point of an open episode and says whether it ends: <see cref="DetectorOptions.EpisodeCloseAfter"/>
    /// calm points in a row back near the pre-episode level, or <see cref="DetectorOptions.EpisodeAcceptAfter"/> calm points
    /// at any level (the new level is normal now). A calm point away from the old level keeps counting only towards the latter.
    /// </summary>
    private bool Recovered(int id, double value)
    {
        var calm = ++_calmRun[id];
        if (calm >= _options.EpisodeAcceptAfter)
            return true;
        if (!_episodeBaseline.TryGetValue(id, out var before))
            return calm >= _options.EpisodeCloseAfter;
        var band = Math.Max(3 * before.Scale, 0.05 * Math.Abs(before.Expected));
        if (Math.Abs(value - before.Expected) > band)
        {
            // Calm but not back: the run towards recovery starts again at the next point that is.
            _backRun.Remove(id);
            return false;
        }

        var back = _backRun.GetValueOrDefault(id) + 1;
        _backRun[id] = back;
        if (back < _options.EpisodeCloseAfter)
            return false;
        _backRun.Remove(id);
        return true;
    }

    /// <summary>The ensemble state of local series <paramref name="id"/>, its chunk allocated on first use (the last chunk only as long as the shard's most series need).</summary>
    private ref EnsembleState Ensemble(int id)
    {
        var c = id >> EnsembleChunkBits;
        var chunk = _ensembles[c] ??= new EnsembleState[Math.Min(EnsembleChunk, _mostSeries - (c << EnsembleChunkBits))];
        return ref chunk[id & (EnsembleChunk - 1)];
    }

    private Anomaly CreateAnomaly(in SeriesPoint p, float expected, double score, float z)
    {
        var eventTime = DateTimeOffset.FromUnixTimeMilliseconds(p.TimestampMs);
        var key = _catalog.KeyOf(p.SeriesId);
        return new Anomaly(
            StableIds.Of(key.Text, p.TimestampMs.ToString(CultureInfo.InvariantCulture), Name),
            key.Text,
            key.Metric,
            key.Attributes,
            eventTime,
            p.Value,
            expected,
            score,
            z,
            Name);
    }

    private void Grow(int needed)
    {
        _state.EnsureCapacity(needed);
        if (needed > _lastTimestamp.Length)
        {
            var n = Math.Max(needed, _lastTimestamp.Length * 2);
            Array.Resize(ref _lastTimestamp, n);
            Array.Resize(ref _seen, n);
            Array.Resize(ref _roundStamp, n);
            Array.Resize(ref _episodeOpen, n);
            Array.Resize(ref _calmRun, n);
            Array.Resize(ref _changed, n);
        }
    }
}
