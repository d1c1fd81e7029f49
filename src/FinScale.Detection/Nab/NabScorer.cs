namespace FinScale.Detection.Nab;

/// <summary>
/// Scores a detector's per-row anomaly scores on NAB files the way NAB v1.1 does (numenta/NAB <c>nab/sweeper.py</c>,
/// <c>scorer.py</c>, <c>optimizer.py</c>, <c>labeler.py</c>, <c>runner.py</c>), and picks the best threshold per profile.
/// Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// <para>The NAB behaviour followed, where the benchmark's README leaves it open:</para>
/// <list type="bullet">
/// <item>Rows are matched to windows by position, as <c>Sweeper.calcSweepScore</c> does: a window opens at the row whose
/// timestamp equals its start, and closes after the row whose timestamp equals its end. Its width <c>w</c> is the number
/// of rows from the start row to the end row, both included. Each end must be the timestamp of exactly one row
/// (<c>CorpusLabel.getWindows</c> rejects label files where it is not), and windows must be in order and disjoint.</item>
/// <item>The first <c>min(floor(0.15·rows), 750)</c> rows are probationary (<c>_getProbationaryLength</c>). They are left out
/// entirely: a detection there is neither a true nor a false positive, and a window counts only if at least one of its
/// rows is scored (NAB's labeler drops windows reaching into the probationary period, so on NAB's labels every window counts).
/// Windows are still tracked through those rows, so a window ending in them is a "preceding window" for later rows.</item>
/// <item>A row inside a window is worth <c>A_TP·σ(−(r−i+1)/w)/σ(−1)</c> if detected; the window takes the largest of these
/// and of <c>−A_FN</c> (<c>calcScoreByThreshold</c> keeps <c>max(part, sweepScore)</c> from <c>−A_FN</c>), which is its earliest detection.</item>
/// <item>A detected row outside every window costs <c>A_FP·σ(|i−r'|/(w'−1))</c> where <c>r'</c> is the row that closed the most
/// recent window before it in row order and <c>w'</c> its width; <c>−A_FP</c> when that ratio is above 3 or when no window has
/// closed yet, so a false positive before the first window always costs the full <c>A_FP</c>. For a one-row window
/// (<c>w' = 1</c>) NAB divides by zero and fails; here the ratio is taken as infinite, so the cost is <c>−A_FP</c>.</item>
/// <item>Every detected row outside a window costs, even several in a row; inside a window only the earliest counts.</item>
/// <item>A row is a detection when its score is at or above the threshold (<c>calcScoreByThreshold</c> walks the scores from
/// the highest down and records each score as a threshold with every row at or above it counted).</item>
/// <item>Normalisation as <c>Runner.normalize</c>: <c>100·(raw − null)/(perfect − null)</c>, perfect = A_TP × windows and
/// null = the never-firing detector's raw score, −A_FN × windows, both over the files scored.</item>
/// </list>
/// <para>Threshold choice: the raw score over all files together is maximised exactly. Every distinct score is a candidate
/// (plus <see cref="NeverFiresThreshold"/>, which detects nothing); the rows are sorted by score once and swept from the
/// highest down, so each candidate costs O(windows). NAB v1.1's <c>optimizeThreshold</c> sweeps the same candidates
/// (earlier NAB versions searched locally and could miss the best one). On a tie the highest threshold wins, as NAB's
/// stable sort does.</para>
/// </remarks>
public sealed class NabScorer
{
    /// <summary>The share of each file's first rows that are probationary (not scored).</summary>
    public const double ProbationaryFraction = 0.15;

    /// <summary>The most probationary rows of a file: NAB caps the period at 15 % of 5000 rows.</summary>
    public const int MaxProbationaryRows = 750;

    /// <summary>The threshold NAB reports when detecting nothing scores best; above every score in [0, 1].</summary>
    public const double NeverFiresThreshold = 1.1;

    /// <summary>What a window's earliest possible detection is worth before the A_TP weight: σ at relative position −1.</summary>
    private static readonly double MaxTruePositive = ScaledSigmoid(-1.0);

    /// <summary>The scored (non-probationary) rows of all files, in file order then row order.</summary>
    private readonly ScoredRow[] _rows;

    /// <summary>Indices into <see cref="_rows"/>, highest score first, ties in row order: the order NAB's stable sort gives.</summary>
    private readonly int[] _byScore;

    /// <summary>Scored windows in the order their first row appears in <see cref="_byScore"/>: the order NAB sums its score parts in.</summary>
    private readonly int[] _windowSumOrder;

    /// <summary>Scored rows inside a window.</summary>
    private readonly int _windowRows;

    /// <summary>Creates a scorer over <paramref name="files"/>, in the order given; validates each file's rows against its windows.</summary>
    /// <exception cref="ArgumentException">A file's scores do not match its rows, a score is outside [0, 1] or NaN, or a window does not match the rows as NAB requires.</exception>
    public NabScorer(IEnumerable<NabSeries> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var rows = new List<ScoredRow>();
        var windowCount = 0;
        var fileCount = 0;
        foreach (var file in files)
        {
            ArgumentNullException.ThrowIfNull(file);
            AddFile(file, rows, ref windowCount);
            fileCount++;
        }

        _rows = [.. rows];
        FileCount = fileCount;
        WindowCount = windowCount;
        _windowRows = _rows.Count(r => r.Window >= 0);

        _byScore = new int[_rows.Length];
        for (var i = 0; i < _byScore.Length; i++)
            _byScore[i] = i;
        var scored = _rows;
        Array.Sort(_byScore, (a, b) =>
        {
            var c = scored[b].Score.CompareTo(scored[a].Score);
            return c != 0 ? c : a.CompareTo(b);
        });

        var seen = new bool[windowCount];
        var order = new List<int>(windowCount);
        foreach (var k in _byScore)
        {
            var w = _rows[k].Window;
            if (w >= 0 && !seen[w])
            {
                seen[w] = true;
                order.Add(w);
            }
        }

        _windowSumOrder = [.. order];
    }

    /// <summary>Files scored.</summary>
    public int FileCount { get; }

    /// <summary>Windows scored: those with at least one row after the probationary period.</summary>
    public int WindowCount { get; }

    /// <summary>Rows scored: every row after its file's probationary period.</summary>
    public int ScoredRowCount => _rows.Length;

    /// <summary>The probationary rows at the start of a file of <paramref name="rows"/> rows: <c>min(floor(0.15·rows), 750)</c>.</summary>
    public static int ProbationaryLength(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return Math.Min((int)Math.Floor(ProbationaryFraction * rows), MaxProbationaryRows);
    }

    /// <summary>
    /// NAB's scaled sigmoid <c>σ(y) = 2/(1 + e^(5y)) − 1</c> of a relative position: ≈ 0.987 at −1 (a window's first row),
    /// 0 at a window's right edge, negative after it, and exactly −1 beyond 3.
    /// </summary>
    public static double ScaledSigmoid(double relativePosition)
    {
        if (relativePosition > 3.0)
            return -1.0;

        // Written as NAB writes it, 2·sigmoid(−5y) − 1 with sigmoid(x) = 1/(1 + e^−x), so the roundings match.
        return (2 * (1 / (1 + Math.Exp(5 * relativePosition)))) - 1.0;
    }

    /// <summary>The score under <paramref name="profile"/> when every row scoring at or above <paramref name="threshold"/> is a detection.</summary>
    public NabScore ScoreAt(NabProfile profile, double threshold)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (double.IsNaN(threshold))
            throw new ArgumentException("the threshold is NaN", nameof(threshold));

        var tally = new Tally(this, profile);
        foreach (ref readonly var row in _rows.AsSpan())
        {
            if (row.Score >= threshold)
                tally.Detect(row);
        }

        return tally.Result(threshold);
    }

    /// <summary>
    /// The score at the threshold that maximises the raw score under <paramref name="profile"/>, over every candidate
    /// (each distinct score, and <see cref="NeverFiresThreshold"/>); the highest threshold among equal best scores.
    /// </summary>
    public NabScore Optimize(NabProfile profile)
    {
        NabScore? best = null;
        Sweep(profile, s =>
        {
            if (best is null || s.RawScore > best.RawScore)
                best = s;
        });
        return best!;
    }

    /// <summary>The score at every candidate threshold under <paramref name="profile"/>, from <see cref="NeverFiresThreshold"/> down to the lowest score.</summary>
    public IReadOnlyList<NabScore> Sweep(NabProfile profile)
    {
        var all = new List<NabScore>();
        Sweep(profile, all.Add);
        return all;
    }

    private void Sweep(NabProfile profile, Action<NabScore> emit)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var tally = new Tally(this, profile);
        var threshold = NeverFiresThreshold;
        foreach (var k in _byScore)
        {
            ref readonly var row = ref _rows[k];

            // Lowering the threshold to a new score: the score of the previous threshold is complete.
            if (row.Score != threshold)
            {
                emit(tally.Result(threshold));
                threshold = row.Score;
            }

            tally.Detect(row);
        }

        emit(tally.Result(threshold));
    }

    private static void AddFile(NabSeries file, List<ScoredRow> rows, ref int windowCount)
    {
        var ts = file.TimestampsMs;
        var scores = file.AnomalyScores;
        var windows = file.Windows;
        ArgumentNullException.ThrowIfNull(ts);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(windows);
        if (ts.Count != scores.Count)
            throw new ArgumentException($"{file.Name}: {scores.Count} anomaly scores for {ts.Count} rows", nameof(file));

        var (firstRow, lastRow) = LocateWindows(file);
        var probation = ProbationaryLength(ts.Count);

        // Walk the rows as calcSweepScore does: enter the next window at its start row, leave it after its end row.
        var next = 0;
        var open = -1;
        var openGlobal = -1;
        var openWidth = 0.0;
        var closedRight = -1;
        var closedWidth = 0.0;
        for (var i = 0; i < ts.Count; i++)
        {
            var score = scores[i];
            if (!(score >= 0 && score <= 1))
                throw new ArgumentException($"{file.Name}: row {i + 1} has anomaly score {score}; scores must be in [0, 1]", nameof(file));

            if (next < windows.Count && i == firstRow[next])
            {
                open = next++;
                openGlobal = -1;
                openWidth = lastRow[open] - firstRow[open] + 1;
            }

            double unweighted;
            if (open >= 0)
            {
                unweighted = ScaledSigmoid(-(lastRow[open] - i + 1) / openWidth);
            }
            else if (closedRight < 0)
            {
                unweighted = -1.0; // no window before: as far from one as can be
            }
            else
            {
                var ratio = closedWidth > 1 ? Math.Abs(closedRight - i) / (closedWidth - 1) : double.PositiveInfinity;
                unweighted = ScaledSigmoid(ratio);
            }

            if (i >= probation)
            {
                if (open >= 0 && openGlobal < 0)
                    openGlobal = windowCount++;
                rows.Add(new ScoredRow(score, open >= 0 ? openGlobal : -1, unweighted));
            }

            if (open >= 0 && i == lastRow[open])
            {
                closedRight = i;
                closedWidth = openWidth;
                open = -1;
            }
        }
    }

    /// <summary>The row of each window's start and end; each end must be the timestamp of exactly one row, in order, windows disjoint.</summary>
    private static (int[] First, int[] Last) LocateWindows(NabSeries file)
    {
        var windows = file.Windows;
        var first = new int[windows.Count];
        var last = new int[windows.Count];
        if (windows.Count == 0)
            return (first, last);

        var rowOf = new Dictionary<long, int>(file.TimestampsMs.Count);
        var repeated = new HashSet<long>();
        for (var i = 0; i < file.TimestampsMs.Count; i++)
        {
            if (!rowOf.TryAdd(file.TimestampsMs[i], i))
                repeated.Add(file.TimestampsMs[i]);
        }

        int RowOf(long t, int w, string end)
        {
            if (repeated.Contains(t))
                throw new ArgumentException($"{file.Name}: window {w + 1} {end}s at {Format(t)}, a timestamp that several rows share", nameof(file));
            if (!rowOf.TryGetValue(t, out var row))
                throw new ArgumentException($"{file.Name}: window {w + 1} {end}s at {Format(t)}, which is no row's timestamp", nameof(file));
            return row;
        }

        for (var w = 0; w < windows.Count; w++)
        {
            first[w] = RowOf(windows[w].StartMs, w, "start");
            last[w] = RowOf(windows[w].EndMs, w, "end");
            if (last[w] < first[w])
                throw new ArgumentException($"{file.Name}: window {w + 1} ends on a row before the one it starts on", nameof(file));
            if (w > 0 && first[w] <= last[w - 1])
                throw new ArgumentException($"{file.Name}: window {w + 1} starts before window {w} ends; windows must be in order and disjoint", nameof(file));
        }

        return (first, last);
    }

    private static string Format(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A scored row: its anomaly score, its window (−1 outside every window), and its unweighted sigmoid value.</summary>
    private readonly record struct ScoredRow(double Score, int Window, double Unweighted);

    /// <summary>Running score parts at one threshold: the false-positive sum and each window's best, as in calcScoreByThreshold.</summary>
    private sealed class Tally
    {
        private readonly NabScorer _scorer;
        private readonly NabProfile _profile;
        private readonly double[] _windowPart;
        private readonly bool[] _detected;
        private double _falsePositiveSum;
        private int _detectedWindows;
        private int _falsePositives;
        private int _truePositiveRows;

        public Tally(NabScorer scorer, NabProfile profile)
        {
            _scorer = scorer;
            _profile = profile;
            _windowPart = new double[scorer.WindowCount];
            Array.Fill(_windowPart, -profile.FalseNegativeWeight);
            _detected = new bool[scorer.WindowCount];
        }

        public void Detect(in ScoredRow row)
        {
            if (row.Window < 0)
            {
                _falsePositives++;
                _falsePositiveSum += row.Unweighted * _profile.FalsePositiveWeight;
                return;
            }

            _truePositiveRows++;
            if (!_detected[row.Window])
            {
                _detected[row.Window] = true;
                _detectedWindows++;
            }

            var weighted = row.Unweighted * _profile.TruePositiveWeight / MaxTruePositive;
            _windowPart[row.Window] = Math.Max(_windowPart[row.Window], weighted);
        }

        public NabScore Result(double threshold)
        {
            var raw = _falsePositiveSum;
            foreach (var w in _scorer._windowSumOrder)
                raw += _windowPart[w];

            var windows = _scorer.WindowCount;
            return new NabScore(
                _profile,
                threshold,
                raw,
                -_profile.FalseNegativeWeight * windows,
                _profile.TruePositiveWeight * windows,
                _detectedWindows,
                windows - _detectedWindows,
                _falsePositives,
                _truePositiveRows,
                _scorer._windowRows - _truePositiveRows,
                _scorer._rows.Length - _scorer._windowRows - _falsePositives);
        }
    }
}
