using System.Diagnostics.CodeAnalysis;

namespace FinScale.Detection.Scoring;

/// <summary>
/// The state of <see cref="EnsembleScorer"/> for one series, as a value: <see cref="ShardDetector"/> keeps its series'
/// states in chunks of an array, one slot each, with no object per series (issue 6: a million active series in a process).
/// The default value is a series not seen yet. See <see cref="EnsembleScorer"/> for the algorithm.
/// </summary>
/// <remarks>
/// Compact on purpose: the profiles hold only the buckets the series has reached and the calibration histograms only
/// their non-empty bins (see <see cref="SeasonalModel"/> and <see cref="Calibration"/>); the tuning and the level model
/// live with the caller. Those variable-length parts live in the caller's <see cref="EnsembleArenas"/>, named here by
/// handles, so a state holds no reference: chunks of states are plain memory the GC never scans, and a million series
/// are not three million small arrays. A state is used with the arenas it was created in, and <see cref="Release"/>d
/// into them when replaced.
/// </remarks>
internal struct EnsembleState
{
    /// <summary>The most bins of one series' three calibration trees together.</summary>
    public const int MostTreeBins = 3 * Calibration.Bins;

    private const long DayMs = 86_400_000;

    // E|Z| of a standard normal: sqrt(2/pi).
    private const double NormalMeanAbs = 0.7979;

    // Fields in this order pack without padding: 16 + 16 + 8 + 4 + 12 + 44 + 4 = 104 bytes (a test holds it there). The
    // EWMAs are floats and the counters ints (saturating): a million of these are the detector's largest fixed cost, and
    // a float's 7 digits are far finer than what they feed (a score from a histogram of 128 bins). A checkpoint still
    // writes them as doubles and longs, which read back exactly.

    /// <summary>The daily profile.</summary>
    private SeasonalModel _daily;

    /// <summary>The weekly profile.</summary>
    private SeasonalModel _weekly;

    /// <summary>Event time of the first finite point, the origin of the profiles' warm-up.</summary>
    private long _firstTs;
    private int _n;
    private float _zMean;
    private float _zAbs;
    private float _episodeMax;

    /// <summary>The three calibration histograms (spike, level shift, volatility) in one block; see <see cref="Calibration"/>.</summary>
    private Calibration _calibration;
    private int _episodeLeft; // at most EpisodeLength, which is at most 1,000,000

    /// <summary>Points scored so far (non-finite values not counted).</summary>
    public readonly long Count => _n;

    /// <summary>Writes the whole state (for a checkpoint); <see cref="ReadFrom"/> reads it back exactly.</summary>
    public readonly void WriteTo(BinaryWriter w, EnsembleArenas a)
    {
        _daily.WriteTo(w, a);
        _weekly.WriteTo(w, a);
        _calibration.WriteTo(w, a);
        w.Write(_firstTs);
        w.Write((long)_n);
        w.Write((double)_zMean);
        w.Write((double)_zAbs);
        w.Write((double)_episodeMax);
        w.Write(_episodeLeft);
    }

    /// <summary>A state as <see cref="WriteTo"/> wrote it, its parts allocated in <paramref name="a"/>.</summary>
    public static EnsembleState ReadFrom(BinaryReader r, EnsembleArenas a, int version)
    {
        var s = default(EnsembleState);
        try
        {
            s._daily = SeasonalModel.ReadFrom(r, a, version);
            s._weekly = SeasonalModel.ReadFrom(r, a, version);
            s._calibration = Calibration.ReadFrom(r, a);
            s._firstTs = r.ReadInt64();
            s._n = (int)Math.Clamp(r.ReadInt64(), 0, int.MaxValue);
            s._zMean = (float)r.ReadDouble();
            s._zAbs = (float)r.ReadDouble();
            s._episodeMax = (float)r.ReadDouble();
            s._episodeLeft = r.ReadInt32();
            return s;
        }
        catch
        {
            // A truncated or corrupt state gives back what it had taken.
            s.Release(a);
            throw;
        }
    }

    /// <summary>Frees the state's parts in <paramref name="a"/> and leaves it a series not seen yet.</summary>
    public void Release(EnsembleArenas a)
    {
        _daily.Release(a);
        _weekly.Release(a);
        _calibration.Release(a);
        this = default;
    }

    /// <summary>A level residual supplied from outside as the ensemble takes it: beyond double range (the float kernel's infinity) it counts as 1e6 scales.</summary>
    public static double ExternalLevelZ(double levelZ) => double.IsFinite(levelZ) ? levelZ : Math.CopySign(1e6, levelZ);

    /// <summary>Scores the next point given the level model's residual <paramref name="levelZ"/> (in scales) and that level's residual scale.</summary>
    public double Score(long timestampMs, double value, double levelZ, double levelScale, EnsembleOptions o, EnsembleArenas a)
    {
        if (!double.IsFinite(value))
            return 0;

        var first = _n == 0;
        if (_n < int.MaxValue)
            _n++;
        if (first)
        {
            // A default value is a series not seen yet: its state starts with its first finite point.
            _firstTs = timestampMs;
            _zAbs = (float)NormalMeanAbs;
            _calibration = Calibration.Create(a);
        }

        var z = Residual(timestampMs, value, levelZ, levelScale, o, a);
        _daily.Learn(timestampMs, value, DayMs, o.DailyBuckets, _firstTs, o, a);
        _weekly.Learn(timestampMs, value, 7 * DayMs, o.WeeklyBuckets, _firstTs, o, a);
        if (_n < 3)
            return 0;

        // An EWMA with weight a of independent unit-variance values has stationary sd sqrt(a / (2 - a)).
        var shortSpread = Math.Sqrt(o.ShiftAlpha / (2 - o.ShiftAlpha));
        var zc = Math.Clamp(z, -2 * o.Clip, 2 * o.Clip);
        _zMean += (float)(o.ShiftAlpha * (zc - _zMean));
        _zAbs += (float)(o.ShiftAlpha * (Math.Min(Math.Abs(z), 4 * o.Clip) - _zAbs));
        var spike = Math.Log(1 + Math.Abs(z));
        var shift = Math.Log(1 + (Math.Abs(_zMean) / shortSpread));
        var volatility = Math.Log(1 + Math.Max(0, (_zAbs - NormalMeanAbs) / shortSpread));

        var scoring = _n > o.WarmUp;
        var rarity = scoring
            ? Math.Max(_calibration.Rarity(0, spike, o, a), Math.Max(_calibration.Rarity(1, shift, o, a), _calibration.Rarity(2, volatility, o, a)))
            : 0;
        _calibration.Learn(0, spike, o, a);
        _calibration.Learn(1, shift, o, a);
        _calibration.Learn(2, volatility, o, a);
        if (!scoring)
            return 0;

        double score;
        if (_episodeLeft > 0)
        {
            // The bar to score again falls linearly from an escalation over the episode's peak back to EpisodeStart,
            // so an incident's aftershocks stay quiet but a second incident soon after the first is not muted for the
            // whole episode; one that scores restarts the episode.
            _episodeLeft--;
            var top = Math.Max(_episodeMax * o.Escalation, o.EpisodeStart);
            var bar = o.EpisodeStart + ((top - o.EpisodeStart) * _episodeLeft / o.EpisodeLength);
            score = rarity > bar ? rarity : 0;
            if (score > 0)
                _episodeLeft = (int)o.EpisodeLength;
            _episodeMax = (float)Math.Max(_episodeMax, rarity);
        }
        else
        {
            score = rarity;
            if (rarity > o.EpisodeStart)
            {
                _episodeMax = (float)rarity;
                _episodeLeft = (int)o.EpisodeLength;
            }
        }

        return score <= 0 ? 0 : score / (1 + score);
    }

    /// <summary>The residual of the model that explains the series best so far, in its own robust scales.</summary>
    private readonly double Residual(long timestampMs, double value, double levelZ, double levelScale, EnsembleOptions o, EnsembleArenas a)
    {
        var z = levelZ;
        var best = levelScale;
        if (_daily.Ready && _daily.Scale < best * o.SeasonalAdvantage)
        {
            z = _daily.Z(timestampMs, value, DayMs, o.DailyBuckets, _firstTs, a);
            best = _daily.Scale;
        }

        if (_weekly.Ready && _weekly.Scale < best * o.SeasonalAdvantage)
            z = _weekly.Z(timestampMs, value, 7 * DayMs, o.WeeklyBuckets, _firstTs, a);
        return z;
    }

    /// <summary>The robust scale of residuals: an EWMA of absolute residuals clipped at <see cref="EnsembleOptions.Clip"/> scales.</summary>
    internal struct ResidualScale
    {
        // Mean absolute deviation to standard deviation for normal residuals: sqrt(pi/2).
        private const double Consistency = 1.2533;
        // A float (saturating at float's largest: a residual of a double beyond float range must not make it infinite) and
        // an int (saturating): 8 bytes, so a model packs into 16.
        private float _mad;
        private int _count;

        public readonly bool Known => _count >= 2;

        public readonly void WriteTo(BinaryWriter w)
        {
            w.Write((double)_mad);
            w.Write((long)_count);
        }

        public static ResidualScale ReadFrom(BinaryReader r) =>
            new() { _mad = (float)Math.Min(r.ReadDouble(), float.MaxValue), _count = (int)Math.Clamp(r.ReadInt64(), 0, int.MaxValue) };

        public readonly double Scale => Known ? Math.Max(_mad * Consistency, 1e-9) : double.MaxValue;

        /// <summary>Residual in scales; the scale is floored relative to the level so float noise never reads as a signal.</summary>
        public readonly double Z(double residual, double level) => Known ? residual / Math.Max(Scale, Math.Abs(level) * 1e-4) : 0;

        /// <summary>The residual clipped for learning (unclipped while the scale is still being found).</summary>
        public readonly double Clip(double residual, EnsembleOptions o) =>
            _count < 10 ? residual : Math.Clamp(residual, -o.Clip * Scale, o.Clip * Scale);

        public void Learn(double residual, EnsembleOptions o)
        {
            if (_count < int.MaxValue)
                _count++;
            var alpha = Math.Max(1.0 / _count, o.Alpha);
            _mad = (float)Math.Min(_mad + (alpha * (Math.Abs(Clip(residual, o)) - _mad)), float.MaxValue);
        }
    }

    /// <summary>
    /// A profile by phase of a fixed period (phase from the timestamp), each bucket a clipped EWMA. The period, bucket
    /// count and the series' first time are the scorer's, passed in rather than stored once per profile.
    /// </summary>
    /// <remarks>
    /// Compact on purpose (two per series): buckets are 16-bit codes (<see cref="CodedProfile"/>: a small float per bucket
    /// with a shared scale, a step of 2^-11 of the bucket's value or finer, the order of the 1e-4-of-level floor on the
    /// residual scale), and <see cref="CodedProfile.Unvisited"/> marks one never visited. The block holds only the buckets
    /// from the series' first one up to the furthest visited since, in phase order, and doubles as time moves on (up to
    /// the whole period), so a series that has spanned a few hours holds a few buckets, not a week's. An unvisited bucket
    /// reads as one past the block's end, which is what it would hold: nothing.
    /// </remarks>
    private struct SeasonalModel
    {
        private const int FirstLength = 4;

        // Tightening is looked at on about one point in 8 of bucket 0: a few times a period at any cadence.
        private const double TightenChance = 0.125;

        // The scale (8 bytes), then the small ones, pack into 16 bytes.
        private ResidualScale _scale;

        /// <summary>The buckets' codes, a block in <see cref="EnsembleArenas.Profiles"/>, 0 before the first point.</summary>
        private int _profile;
        private ushort _length;

        /// <summary>The codes' shared scale (<see cref="CodedProfile"/>), in the byte the fields above leave free.</summary>
        private byte _codeScale;

        /// <summary>True once enough of a period has been seen for the profile to predict.</summary>
        public bool Ready { readonly get; private set; }

        public readonly void WriteTo(BinaryWriter w, EnsembleArenas a)
        {
            w.Write(Ready);
            _scale.WriteTo(w);
            if (_profile == 0)
            {
                w.Write(-1);
                return;
            }

            w.Write((int)_length);
            w.Write(_codeScale);
            foreach (var v in Codes(a))
                w.Write(v);
        }

        /// <summary>A profile as <see cref="WriteTo"/> wrote it; <paramref name="version"/> 1 (float buckets) is re-coded.</summary>
        public static SeasonalModel ReadFrom(BinaryReader r, EnsembleArenas a, int version)
        {
            var m = new SeasonalModel { Ready = r.ReadBoolean(), _scale = ResidualScale.ReadFrom(r) };
            var n = r.ReadInt32();
            if (n > a.Profiles.MaxLength)
                throw new InvalidDataException($"a profile of {n} buckets, at most {a.Profiles.MaxLength}");
            if (n <= 0)
                return m;
            m._profile = a.Profiles.Allocate(n);
            m._length = (ushort)n;
            try
            {
                var codes = m.Codes(a);
                if (version == 1)
                {
                    var values = new double[n];
                    for (var i = 0; i < n; i++)
                        values[i] = r.ReadSingle();
                    CodedProfile.Load(codes, out m._codeScale, values);
                }
                else
                {
                    m._codeScale = r.ReadByte();
                    for (var i = 0; i < codes.Length; i++)
                        codes[i] = r.ReadInt16();
                    if (!CodedProfile.IsValid(codes, m._codeScale))
                        throw new InvalidDataException("a profile whose scale does not match its buckets");
                }
            }
            catch
            {
                m.Release(a);
                throw;
            }

            return m;
        }

        public void Release(EnsembleArenas a) => a.Profiles.Free(_profile, _length);

        public readonly double Scale => _scale.Scale;

        public readonly double Z(long ts, double value, long periodMs, int buckets, long firstTs, EnsembleArenas a)
        {
            var i = Index(ts, periodMs, buckets, firstTs);
            var p = i < _length ? CodedProfile.Get(Codes(a), _codeScale, i) : double.NaN;
            return double.IsNaN(p) ? 0 : _scale.Z(value - p, p);
        }

        public void Learn(long ts, double value, long periodMs, int buckets, long firstTs, EnsembleOptions o, EnsembleArenas a)
        {
            var i = Index(ts, periodMs, buckets, firstTs);
            if (i >= _length)
                Grow(i + 1, buckets, a);
            var codes = Codes(a);
            var p = CodedProfile.Get(codes, _codeScale, i);
            if (double.IsNaN(p))
            {
                CodedProfile.Store(codes, ref _codeScale, i, value, 0.5);
            }
            else
            {
                var residual = value - p;
                if (Ready)
                    _scale.Learn(residual, o);
                var dither = CodedProfile.Dither(ts, i, buckets);
                CodedProfile.Store(codes, ref _codeScale, i, p + (o.SeasonalAlpha * (Ready ? _scale.Clip(residual, o) : residual)), dither);
                if (i == 0 && dither < TightenChance)
                    CodedProfile.Tighten(codes, ref _codeScale);
            }

            if (!Ready && ts - firstTs >= periodMs * o.SeasonalWarmPeriods)
                Ready = true;
        }

        private readonly Span<short> Codes(EnsembleArenas a) => a.Profiles.Get(_profile, _length);

        private void Grow(int needed, int buckets, EnsembleArenas a)
        {
            int old = _length;
            var length = Math.Max(needed, Math.Max(FirstLength, 2 * old));
            // Past half the period, straight to the whole of it: the last doubling's block would be freed again soon, and
            // once every series is mature nothing asks for blocks of that length any more.
            length = length > buckets / 2 ? buckets : length;
            _profile = a.Profiles.Resize(_profile, old, length);
            _length = (ushort)length;
            Codes(a)[old..].Fill(CodedProfile.Unvisited);
        }

        /// <summary>The bucket of <paramref name="ts"/>, counted in phase order from the bucket of the series' first point.</summary>
        private static int Index(long ts, long periodMs, int buckets, long firstTs) =>
            (Bucket(ts, periodMs, buckets) - Bucket(firstTs, periodMs, buckets) + buckets) % buckets;

        private static int Bucket(long ts, long periodMs, int buckets)
        {
            var phase = ((ts % periodMs) + periodMs) % periodMs;
            return (int)(phase * buckets / periodMs);
        }
    }

    /// <summary>
    /// How rare each family's statistic is for this series: per family, a histogram of its past values that forgets at the
    /// calibration rate (lazily: new entries weigh more instead of old ones being scaled down), plus the largest value seen.
    /// Each histogram is a Fenwick tree, so the share at or above a value costs a handful of additions, not a pass over bins.
    /// </summary>
    /// <remarks>
    /// <para>Compact on purpose (one per series): the three trees share one <see cref="ushort"/> array, and each tree
    /// covers only the bins up to the highest one holding weight (rounded up to a multiple of 8), since a statistic's values
    /// crowd the low bins. A tree of fewer bins is exact: the bins it leaves out are empty.</para>
    /// <para>Weights are whole units: the newest point weighs about <see cref="StartWeight"/> to twice that, growing by
    /// 1/(1 − <see cref="EnsembleOptions.CalibrationAlpha"/>) per point; when a tree's total would pass 65,535 every bin
    /// and the weight are halved (rounding half to even: unbiased, and a bin's weight still fades out altogether) and the tree shrinks to the bins
    /// still holding weight. At the default rate (1,000 points remembered) weights stay between 32 and 65 units, so
    /// rounding moves a share by under 2 % of one point's weight. A rate remembering more than about 2,000 points
    /// forgets faster than asked: weights cannot halve below one unit.</para>
    /// </remarks>
    private struct Calibration
    {
        public const int Bins = 128;
        private const double Range = 8; // log(1 + statistic) covered; beyond it the last bin
        private const int BinStep = 8; // a tree's bins, in steps of 8: 16 B of ushorts
        private const float StartWeight = 32;

        /// <summary>The trees one after the other, a block in <see cref="EnsembleArenas.Trees"/>: family f's node i (1-based) at offset(f) + i − 1.</summary>
        private int _trees;
        private Family _spike;
        private Family _shift;
        private Family _volatility;

        // Each family's tree length (bins, a multiple of BinStep), kept here rather than in Family so the three pack together.
        private byte _spikeBins;
        private byte _shiftBins;
        private byte _volatilityBins;

        private readonly int Length => _spikeBins + _shiftBins + _volatilityBins;

        public readonly void WriteTo(BinaryWriter w, EnsembleArenas a)
        {
            w.Write(_trees == 0 ? -1 : Length);
            if (_trees != 0)
            {
                foreach (var v in a.Trees.Get(_trees, Length))
                    w.Write(v);
            }

            foreach (var f in (ReadOnlySpan<Family>)[_spike, _shift, _volatility])
            {
                w.Write(f.Total);
                w.Write(f.Weight);
                w.Write(f.Max);
            }

            w.Write(_spikeBins);
            w.Write(_shiftBins);
            w.Write(_volatilityBins);
        }

        public static Calibration ReadFrom(BinaryReader r, EnsembleArenas a)
        {
            var c = default(Calibration);
            var n = r.ReadInt32();
            if (n > MostTreeBins)
                throw new InvalidDataException($"calibration trees of {n} bins");
            var nodes = new ushort[Math.Max(0, n)];
            for (var i = 0; i < nodes.Length; i++)
                nodes[i] = r.ReadUInt16();
            c._spike = ReadFamily(r);
            c._shift = ReadFamily(r);
            c._volatility = ReadFamily(r);
            c._spikeBins = r.ReadByte();
            c._shiftBins = r.ReadByte();
            c._volatilityBins = r.ReadByte();
            if (c._spikeBins > Bins || c._shiftBins > Bins || c._volatilityBins > Bins)
                throw new InvalidDataException($"calibration trees of {c._spikeBins}, {c._shiftBins} and {c._volatilityBins} bins, at most {Bins} each");
            if (n > 0)
            {
                if (c.Length != n)
                    throw new InvalidDataException($"calibration trees of {n} bins, their families {c.Length}");
                c._trees = a.Trees.Allocate(n);
                nodes.CopyTo(a.Trees.Get(c._trees, n));
            }

            return c;
        }

        public void Release(EnsembleArenas a) => a.Trees.Free(_trees, Length);

        private static Family ReadFamily(BinaryReader r) => new() { Total = r.ReadInt32(), Weight = r.ReadSingle(), Max = r.ReadSingle() };

        public static Calibration Create(EnsembleArenas a)
        {
            var c = new Calibration { _trees = a.Trees.Allocate(3 * BinStep) };
            c._spike = c._shift = c._volatility = new Family { Weight = StartWeight };
            c._spikeBins = c._shiftBins = c._volatilityBins = BinStep;
            return c;
        }

        /// <summary>−log10 of the share of family <paramref name="f"/>'s past values at least this high, plus a bonus for going beyond the largest seen.</summary>
        public readonly double Rarity(int f, double s, EnsembleOptions o, EnsembleArenas a)
        {
            var family = At(f);
            var bin = Bin(s);
            var above = family.Total - Below(Tree(f, a), Math.Min(bin, BinsOf(f)));
            var rarity = -Math.Log10((above + (double)family.Weight) / (family.Total + (double)family.Weight));
            if (s > family.Max)
                rarity += o.BeyondMaxWeight * (s - family.Max);
            return rarity;
        }

        public void Learn(int f, double s, EnsembleOptions o, EnsembleArenas a)
        {
            ref var family = ref FamilyAt(f);
            var bin = Bin(s);
            if (bin >= BinsOf(f))
                Resize(f, BinsFor(bin + 1), a);
            var w = Math.Max(1, (int)MathF.Round(family.Weight));
            if (family.Total + w > ushort.MaxValue)
            {
                Halve(f, a);
                w = Math.Max(1, (int)MathF.Round(family.Weight));
                if (bin >= BinsOf(f))
                    Resize(f, BinsFor(bin + 1), a);
            }

            var tree = Tree(f, a);
            for (var i = bin + 1; i <= tree.Length; i += i & -i)
                tree[i - 1] += (ushort)w;
            family.Total += w;
            family.Weight = (float)(family.Weight / (1 - o.CalibrationAlpha));
            family.Max = (float)Math.Max(family.Max * (1 - o.MaxDecay), s);
        }

        /// <summary>Halves family <paramref name="f"/>'s bins and weight, then shrinks its tree to the bins still holding weight.</summary>
        private void Halve(int f, EnsembleArenas a)
        {
            ref var family = ref FamilyAt(f);
            var tree = Tree(f, a);
            Span<int> counts = stackalloc int[tree.Length];
            for (var b = 0; b < counts.Length; b++)
            {
                // Half, rounded to even: unbiased, so the thin tail bins keep their share on average.
                var c = Below(tree, b + 1) - Below(tree, b);
                counts[b] = (c >> 1) + (c & (c >> 1) & 1);
            }

            var top = counts.Length;
            while (top > 0 && counts[top - 1] == 0)
                top--;
            var bins = BinsFor(top);
            family.Weight = Math.Max(1, family.Weight / 2);
            if (bins != BinsOf(f))
            {
                Resize(f, bins, a);
                tree = Tree(f, a);
            }

            Build(tree, counts[..tree.Length]);
            var total = 0;
            foreach (var c in counts)
                total += c;
            family.Total = total;
        }

        /// <summary>Gives family <paramref name="f"/>'s tree <paramref name="size"/> bins, keeping its contents (the bins it drops must be empty).</summary>
        private void Resize(int f, int size, EnsembleArenas a)
        {
            var old = Tree(f, a);
            Span<int> counts = stackalloc int[Bins];
            counts.Clear();
            for (var b = 0; b < old.Length && b < size; b++)
                counts[b] = Below(old, b + 1) - Below(old, b);

            // The trees after f move by the change in its length; the block grows or shrinks in place when it can.
            var oldLength = Length;
            var end = Offset(f) + old.Length;
            Span<ushort> after = stackalloc ushort[oldLength - end];
            a.Trees.Get(_trees, oldLength)[end..].CopyTo(after);
            var length = oldLength - old.Length + size;
            _trees = a.Trees.Resize(_trees, oldLength, length);
            SetBins(f, (byte)size);
            after.CopyTo(a.Trees.Get(_trees, length)[(Offset(f) + size)..]);
            Build(Tree(f, a), counts[..size]);
        }

        private readonly int Offset(int f) => f switch { 0 => 0, 1 => _spikeBins, _ => _spikeBins + _shiftBins };

        private static void Build(Span<ushort> tree, ReadOnlySpan<int> counts)
        {
            for (var i = 1; i <= tree.Length; i++)
                tree[i - 1] = (ushort)counts[i - 1];
            for (var i = 1; i <= tree.Length; i++)
            {
                var j = i + (i & -i);
                if (j <= tree.Length)
                    tree[j - 1] += tree[i - 1];
            }
        }

        /// <summary>Weight of the values in bins below <paramref name="bin"/> (at most the tree's length).</summary>
        private static int Below(ReadOnlySpan<ushort> tree, int bin)
        {
            var sum = 0;
            for (var i = bin; i > 0; i -= i & -i)
                sum += tree[i - 1];
            return sum;
        }

        private readonly Span<ushort> Tree(int f, EnsembleArenas a) => a.Trees.Get(_trees, Length).Slice(Offset(f), BinsOf(f));

        private readonly int BinsOf(int f) => f switch { 0 => _spikeBins, 1 => _shiftBins, _ => _volatilityBins };

        private void SetBins(int f, byte bins)
        {
            if (f == 0)
                _spikeBins = bins;
            else if (f == 1)
                _shiftBins = bins;
            else
                _volatilityBins = bins;
        }

        private readonly Family At(int f) => f switch { 0 => _spike, 1 => _shift, _ => _volatility };

        [UnscopedRef]
        private ref Family FamilyAt(int f)
        {
            if (f == 0)
                return ref _spike;
            if (f == 1)
                return ref _shift;
            return ref _volatility;
        }

        /// <summary>The tree size covering the lowest <paramref name="bins"/> bins: rounded up to a step, at least one step.</summary>
        private static int BinsFor(int bins) => Math.Max(BinStep, (bins + BinStep - 1) / BinStep * BinStep);

        private static int Bin(double s) => Math.Clamp((int)(s / Range * Bins), 0, Bins - 1);
    }

    /// <summary>One family's calibration scalars.</summary>
    private struct Family
    {
        /// <summary>Weight in the tree (units), at most 65,535.</summary>
        public int Total;

        /// <summary>Weight of the next point, in units.</summary>
        public float Weight;

        /// <summary>The largest value seen, fading by <see cref="EnsembleOptions.MaxDecay"/> per point.</summary>
        public float Max;
    }
}
