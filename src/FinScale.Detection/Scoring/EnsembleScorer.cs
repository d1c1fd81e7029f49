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
    private readonly EnsembleOptions _o;

    /// <summary>The scorer's own robust level, allocated on the first point scored without a level supplied by the caller.</summary>
    private LevelModel? _level;

    /// <summary>Everything else; <see cref="ShardDetector"/> keeps the same state in arrays instead of a scorer per series.</summary>
    private EnsembleState _state;

    /// <summary>Where <see cref="_state"/> keeps its profiles and calibration trees.</summary>
    private readonly EnsembleArenas _arenas;

    /// <summary>Creates a scorer.</summary>
    public EnsembleScorer(EnsembleOptions? options = null)
    {
        _o = options ?? new EnsembleOptions();
        _arenas = new EnsembleArenas(_o);
    }

    /// <summary>Points scored so far (non-finite values not counted).</summary>
    public long Count => _state.Count;

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
        if (!double.IsNaN(levelZ))
            return _state.Score(timestampMs, value, EnsembleState.ExternalLevelZ(levelZ), levelScale, _o, _arenas);

        _level ??= new LevelModel();
        var z = _level.Z(value);
        var scale = _level.Scale;
        _level.Learn(value, _o);
        return _state.Score(timestampMs, value, z, scale, _o, _arenas);
    }

    /// <summary>Robust level: a Huber-clipped EWMA (a plain running mean while warming up).</summary>
    private sealed class LevelModel
    {
        private EnsembleState.ResidualScale _scale;
        private double _mean;
        private long _count;

        public double Scale => _scale.Scale;

        public double Z(double value) => _count == 0 ? 0 : _scale.Z(value - _mean, _mean);

        public void Learn(double value, EnsembleOptions o)
        {
            _count++;
            if (_count == 1)
            {
                _mean = value;
                return;
            }

            var residual = value - _mean;
            var clipped = _scale.Clip(residual, o);
            _scale.Learn(residual, o);
            _mean += Math.Max(1.0 / _count, o.Alpha) * clipped;
        }
    }
}
