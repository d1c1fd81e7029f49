namespace FinScale.Detection.Scoring;

/// <summary>
/// The streaming detector ensemble for one series: causal (a point's score uses only it and earlier points), a score
/// in [0, 1] per point, robust to gaps, repeated and backward timestamps.
/// </summary>
/// <remarks>
/// <para>Per point:</para>
/// <list type="number">
/// <item><b>Predict.</b> Three models predict the value: a robust level (Huber-clipped EWMA), a daily and a weekly
/// profile by time of day/week (phase from the timestamp, so gaps do not shift it). Each keeps the robust scale of
/// its own residuals; the one with the smallest scale so far explains the series and gives the residual z.</item>
/// <item><b>Families.</b> Spike: |z|. Level shift: a short EWMA of (clipped) z, standardised by its stationary
/// spread. Volatility: a short EWMA of |z| above its normal level, standardised likewise.</item>
/// <item><b>Calibrate.</b> Each family's statistic is ranked against its own forgetting history (a histogram of
/// log(1 + statistic)), giving a rarity −log10(p), plus a bonus for going beyond the largest value seen. Scores of
/// different series thus mean the same thing, which lets one threshold serve every series.</item>
/// <item><b>Episodes.</b> The largest rarity over the families opens an episode when it passes
/// <see cref="EnsembleOptions.EpisodeStart"/>; during the episode only escalations score (the bar falls back
/// linearly to the start level as the episode runs out), so one incident raises one alarm rather than a run of them.</item>
/// </list>
/// <para>Warm-up: the first <see cref="EnsembleOptions.WarmUp"/> points score 0 (they only learn). A non-finite value
/// scores 0 and leaves the state untouched, so NaN, infinities and values beyond double range never poison it.</para>
/// <para>Measured with <c>finscale nab</c> on the NAB development subset; see README ("Detection quality").</para>
/// </remarks>
public sealed class EnsembleScorer : IPointScorer
{
    private const long DayMs = 86_400_000;

    private readonly EnsembleOptions _o;
    private readonly LevelModel _level;
    private readonly SeasonalModel _daily;
    private readonly SeasonalModel _weekly;
    private readonly Calibrator _spike;
    private readonly Calibrator _shift;
    private readonly Calibrator _volatility;
    private readonly double _shortSpread;
    private long _n;
    private double _zMean;
    private double _zAbs = NormalMeanAbs;
    private double _episodeMax;
    private long _episodeLeft;

    // E|Z| of a standard normal: sqrt(2/pi).
    private const double NormalMeanAbs = 0.7979;

    /// <summary>Creates a scorer.</summary>
    public EnsembleScorer(EnsembleOptions? options = null)
    {
        _o = options ?? new EnsembleOptions();
        _level = new LevelModel(_o);
        _daily = new SeasonalModel(_o, DayMs, _o.DailyBuckets);
        _weekly = new SeasonalModel(_o, 7 * DayMs, _o.WeeklyBuckets);
        _spike = new Calibrator(_o);
        _shift = new Calibrator(_o);
        _volatility = new Calibrator(_o);

        // An EWMA with weight a of independent unit-variance values has stationary sd sqrt(a / (2 - a)).
        _shortSpread = Math.Sqrt(_o.ShiftAlpha / (2 - _o.ShiftAlpha));
    }

    /// <summary>Points scored so far (non-finite values not counted).</summary>
    public long Count => _n;

    /// <inheritdoc/>
    public double Score(long timestampMs, double value) => Score(timestampMs, value, double.NaN, double.NaN);

    /// <summary>
    /// Scores the next point with the level model's residual supplied by the caller (the pipeline computes it for a whole
    /// batch of series at once with the SIMD kernel) instead of this scorer's own level model.
    /// </summary>
    /// <param name="timestampMs">Event time.</param>
    /// <param name="value">The value.</param>
    /// <param name="levelZ">The value's residual from the robust level, in scales; NaN to use this scorer's own level model.</param>
    /// <param name="levelScale">That level's residual scale.</param>
    public double Score(long timestampMs, double value, double levelZ, double levelScale)
    {
        if (!double.IsFinite(value))
            return 0;

        _n++;
        var external = !double.IsNaN(levelZ);
        var z = external
            ? Residual(timestampMs, value, double.IsFinite(levelZ) ? levelZ : Math.CopySign(1e6, levelZ), levelScale)
            : Residual(timestampMs, value, _level.Z(value), _level.Scale);
        if (!external)
            _level.Learn(value);
        _daily.Learn(timestampMs, value);
        _weekly.Learn(timestampMs, value);
        if (_n < 3)
            return 0;

        var zc = Math.Clamp(z, -2 * _o.Clip, 2 * _o.Clip);
        _zMean += _o.ShiftAlpha * (zc - _zMean);
        _zAbs += _o.ShiftAlpha * (Math.Min(Math.Abs(z), 4 * _o.Clip) - _zAbs);
        var spike = Math.Log(1 + Math.Abs(z));
        var shift = Math.Log(1 + (Math.Abs(_zMean) / _shortSpread));
        var volatility = Math.Log(1 + Math.Max(0, (_zAbs - NormalMeanAbs) / _shortSpread));

        var scoring = _n > _o.WarmUp;
        var rarity = scoring ? Math.Max(_spike.Rarity(spike), Math.Max(_shift.Rarity(shift), _volatility.Rarity(volatility))) : 0;
        _spike.Learn(spike);
        _shift.Learn(shift);
        _volatility.Learn(volatility);
        if (!scoring)
            return 0;

        double score;
        if (_episodeLeft > 0)
        {
            // The bar to score again falls linearly from an escalation over the episode's peak back to EpisodeStart,
            // so an incident's aftershocks stay quiet but a second incident soon after the first is not muted for the
            // whole episode; one that scores restarts the episode.
            _episodeLeft--;
            var top = Math.Max(_episodeMax * _o.Escalation, _o.EpisodeStart);
            var bar = _o.EpisodeStart + ((top - _o.EpisodeStart) * _episodeLeft / _o.EpisodeLength);
            score = rarity > bar ? rarity : 0;
            if (score > 0)
                _episodeLeft = _o.EpisodeLength;
            _episodeMax = Math.Max(_episodeMax, rarity);
        }
        else
        {
            score = rarity;
            if (rarity > _o.EpisodeStart)
            {
                _episodeMax = rarity;
                _episodeLeft = _o.EpisodeLength;
            }
        }

        return score <= 0 ? 0 : score / (1 + score);
    }

    /// <summary>The residual of the model that explains the series best so far, in its own robust scales.</summary>
    private double Residual(long timestampMs, double value, double levelZ, double levelScale)
    {
        var z = levelZ;
        var best = levelScale;
        if (_daily.Ready && _daily.Scale < best * _o.SeasonalAdvantage)
        {
            z = _daily.Z(timestampMs, value);
            best = _daily.Scale;
        }

        if (_weekly.Ready && _weekly.Scale < best * _o.SeasonalAdvantage)
            z = _weekly.Z(timestampMs, value);
        return z;
    }

    /// <summary>The robust scale of residuals: an EWMA of absolute residuals clipped at <see cref="EnsembleOptions.Clip"/> scales.</summary>
    private sealed class ResidualScale(EnsembleOptions o)
    {
        // Mean absolute deviation to standard deviation for normal residuals: sqrt(pi/2).
        private const double Consistency = 1.2533;
        private double _mad;
        private long _count;

        public bool Known => _count >= 2;

        public double Scale => Known ? Math.Max(_mad * Consistency, 1e-9) : double.MaxValue;

        /// <summary>Residual in scales; the scale is floored relative to the level so float noise never reads as a signal.</summary>
        public double Z(double residual, double level) => Known ? residual / Math.Max(Scale, Math.Abs(level) * 1e-4) : 0;

        /// <summary>The residual clipped for learning (unclipped while the scale is still being found).</summary>
        public double Clip(double residual) => _count < 10 ? residual : Math.Clamp(residual, -o.Clip * Scale, o.Clip * Scale);

        public void Learn(double residual)
        {
            _count++;
            var alpha = Math.Max(1.0 / _count, o.Alpha);
            _mad += alpha * (Math.Abs(Clip(residual)) - _mad);
        }
    }

    /// <summary>Robust level: a Huber-clipped EWMA (a plain running mean while warming up).</summary>
    private sealed class LevelModel(EnsembleOptions o)
    {
        private readonly ResidualScale _scale = new(o);
        private double _mean;
        private long _count;

        public double Scale => _scale.Scale;

        public double Z(double value) => _count == 0 ? 0 : _scale.Z(value - _mean, _mean);

        public void Learn(double value)
        {
            _count++;
            if (_count == 1)
            {
                _mean = value;
                return;
            }

            var residual = value - _mean;
            var clipped = _scale.Clip(residual);
            _scale.Learn(residual);
            _mean += Math.Max(1.0 / _count, o.Alpha) * clipped;
        }
    }

    /// <summary>A profile by phase of a fixed period (phase from the timestamp), each bucket a clipped EWMA.</summary>
    private sealed class SeasonalModel
    {
        private readonly EnsembleOptions _o;
        private readonly long _periodMs;
        private readonly double[] _profile;
        private readonly bool[] _seen;
        private readonly ResidualScale _scale;
        private long _firstTs = long.MinValue;

        public SeasonalModel(EnsembleOptions o, long periodMs, int buckets)
        {
            _o = o;
            _periodMs = periodMs;
            _profile = new double[buckets];
            _seen = new bool[buckets];
            _scale = new ResidualScale(o);
        }

        /// <summary>True once enough of a period has been seen for the profile to predict.</summary>
        public bool Ready { get; private set; }

        public double Scale => _scale.Scale;

        public double Z(long ts, double value)
        {
            var b = Bucket(ts);
            return _seen[b] ? _scale.Z(value - _profile[b], _profile[b]) : 0;
        }

        public void Learn(long ts, double value)
        {
            if (_firstTs == long.MinValue)
                _firstTs = ts;
            var b = Bucket(ts);
            if (!_seen[b])
            {
                _seen[b] = true;
                _profile[b] = value;
            }
            else
            {
                var residual = value - _profile[b];
                if (Ready)
                    _scale.Learn(residual);
                _profile[b] += _o.SeasonalAlpha * (Ready ? _scale.Clip(residual) : residual);
            }

            if (!Ready && ts - _firstTs >= _periodMs * _o.SeasonalWarmPeriods)
                Ready = true;
        }

        private int Bucket(long ts)
        {
            var phase = ((ts % _periodMs) + _periodMs) % _periodMs;
            return (int)(phase * _profile.Length / _periodMs);
        }
    }

    /// <summary>
    /// How rare a statistic is for this series: a histogram of its past values that forgets at the calibration rate
    /// (lazily: new entries weigh more instead of old ones being scaled down), plus the largest value seen. The
    /// histogram is a Fenwick tree, so the share at or above a value costs a handful of additions, not a pass over bins.
    /// </summary>
    private sealed class Calibrator(EnsembleOptions o)
    {
        private const int Bins = 128;
        private const double Range = 8; // log(1 + statistic) covered; beyond it the last bin
        private readonly double[] _tree = new double[Bins + 1];
        private double _total;
        private double _weight = 1;
        private double _max;

        /// <summary>−log10 of the share of past values at least this high, plus a bonus for going beyond the largest seen.</summary>
        public double Rarity(double s)
        {
            var above = _total - Below(Bin(s));
            var rarity = -Math.Log10((Math.Max(above, 0) + _weight) / (_total + _weight));
            if (s > _max)
                rarity += o.BeyondMaxWeight * (s - _max);
            return rarity;
        }

        public void Learn(double s)
        {
            for (var i = Bin(s) + 1; i <= Bins; i += i & -i)
                _tree[i] += _weight;
            _total += _weight;
            _weight /= 1 - o.CalibrationAlpha;
            if (_weight > 1e100)
            {
                // Rescale before the weights overflow; a Fenwick tree's nodes are sums, so they scale alike.
                for (var i = 1; i <= Bins; i++)
                    _tree[i] /= _weight;
                _total /= _weight;
                _weight = 1;
            }

            _max = Math.Max(_max * (1 - o.MaxDecay), s);
        }

        /// <summary>Weight of the values in bins below <paramref name="bin"/>.</summary>
        private double Below(int bin)
        {
            double sum = 0;
            for (var i = bin; i > 0; i -= i & -i)
                sum += _tree[i];
            return sum;
        }

        private static int Bin(double s) => Math.Clamp((int)(s / Range * Bins), 0, Bins - 1);
    }
}
