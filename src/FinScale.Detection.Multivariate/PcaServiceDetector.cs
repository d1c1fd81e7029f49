using FinScale.Contracts;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace FinScale.Detection.Multivariate;

/// <summary>
/// Scores one group's feature vectors with ML.NET's randomized PCA anomaly detector, causally. The group keeps the last
/// <see cref="MultivariateOptions.TrainingWindow"/> normal vectors in a ring; once it holds
/// <see cref="MultivariateOptions.MinTrainingVectors"/>, and again after every <see cref="MultivariateOptions.RetrainEvery"/>
/// new ones, it fits a model on them: each feature robust-standardised by the buffer's median and MAD-like scale, then
/// <c>RandomizedPca(rank: Rank, ensureZeroMean: true, seed: Seed)</c>. Each vector is scored by the model in force
/// <em>before</em> it arrived, and only then may enter the buffer, so a model never sees a vector it scores. The error
/// (norm of the part of the standardised vector outside the principal subspace) is turned into a tail probability among
/// the training vectors' own errors, and that into a score in [0, 1]. Vectors scored anomalous stay out of the buffer,
/// up to <see cref="MultivariateOptions.MaxExcludedRun"/> in a row; the rest of a longer run is learned from. Event time
/// only; not thread-safe.
/// </summary>
/// <remarks>
/// ML.NET's own score is the residual norm over the distance from the mean (the sine of the angle to the subspace): it
/// ignores magnitude, so a small wobble near the mean can score as high as a large break in the correlations. It is
/// reported as <see cref="ServiceAnomalyScore.NormalizedError"/>; the calibrated score uses the residual norm itself.
/// </remarks>
public sealed class PcaServiceDetector
{
    /// <summary>Name written into anomalies raised from these scores.</summary>
    public const string Name = "pca-multivariate";

    private readonly MultivariateOptions _options;
    private readonly MLContext _ml;
    private readonly SchemaDefinition _schema;
    private readonly int _dimension;
    private readonly string[] _features;
    private readonly double[] _ring;
    private readonly long[] _ringTimes;
    private int _head;
    private int _count;
    private int _admittedSinceTraining;
    private int _trainAfter;
    private int _excludedRun;
    private long _lastEventTimeMs = long.MinValue;
    private PcaSnapshot? _model;

    /// <summary>Creates the detector of one group.</summary>
    /// <param name="group">The group whose vectors it scores.</param>
    /// <param name="featureNames">The features' names, in vector order (<see cref="ServiceFeatureWindow.FeatureNames"/>).</param>
    /// <param name="options">Tuning; validated.</param>
    /// <param name="mlContext">ML.NET context to train in; a new one seeded with <see cref="MultivariateOptions.Seed"/> when null.</param>
    /// <exception cref="ArgumentException">The options are invalid, or the rank is not below the number of features.</exception>
    public PcaServiceDetector(SeriesKey group, IReadOnlyList<string> featureNames, MultivariateOptions options, MLContext? mlContext = null)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        if (options.Rank >= featureNames.Count)
            throw new ArgumentException($"{MultivariateOptions.Section}:{nameof(options.Rank)} ({options.Rank}) must be below the number of features ({featureNames.Count})", nameof(options));
        Group = group;
        _options = options;
        _ml = mlContext ?? new MLContext(options.Seed);
        _features = [.. featureNames];
        _dimension = _features.Length;
        _ring = new double[options.TrainingWindow * _dimension];
        _ringTimes = new long[options.TrainingWindow];
        _schema = SchemaDefinition.Create(typeof(TrainingRow));
        _schema[nameof(TrainingRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _dimension);
    }

    /// <summary>The group whose vectors it scores.</summary>
    public SeriesKey Group { get; }

    /// <summary>Vectors in the training buffer (at most <see cref="MultivariateOptions.TrainingWindow"/>).</summary>
    public int TrainingVectors => _count;

    /// <summary>Capacity of the training buffer, fixed at construction.</summary>
    public int TrainingCapacity => _ringTimes.Length;

    /// <summary>Models trained so far; 0 while warming up.</summary>
    public long ModelsTrained { get; private set; }

    /// <summary>Trainings that gave no usable model (degenerate data); the previous model stays in force.</summary>
    public long FailedTrainings { get; private set; }

    /// <summary>Event time of the newest vector the current model was trained on, or null while warming up.</summary>
    public long? ModelTrainedThroughMs => _model?.TrainedThroughMs;

    /// <summary>Vectors that arrived before the first model and were learned from without a score.</summary>
    public long WarmUpVectors { get; private set; }

    /// <summary>Vectors scored anomalous and kept out of the training buffer.</summary>
    public long ExcludedVectors { get; private set; }

    /// <summary>Vectors dropped because a value was NaN or infinite.</summary>
    public long NonFiniteVectors { get; private set; }

    /// <summary>Vectors dropped because their event time was not after the previous vector's.</summary>
    public long OutOfOrderVectors { get; private set; }

    /// <summary>The calibration's size: errors of the current model's training vectors (0 while warming up).</summary>
    internal int CalibrationSize => _model?.Calibration.Count ?? 0;

    /// <summary>The ML.NET model behind the current snapshot, for tests that compare scores with ML.NET's own.</summary>
    internal ITransformer? Transformer { get; private set; }

    /// <summary>
    /// Scores <paramref name="vector"/> with the current model (trained only on earlier vectors), then learns from it:
    /// it enters the training buffer unless anomalous, and a retrain may follow. Null while warming up, and for a vector
    /// not after the previous one or with a non-finite value (both dropped and counted).
    /// </summary>
    /// <exception cref="ArgumentException">The vector has the wrong number of features.</exception>
    public ServiceAnomalyScore? Process(FeatureVector vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        CheckDimension(vector);
        if (!vector.Values.All(double.IsFinite))
        {
            // NaN or infinity in the buffer would poison every model trained on it.
            NonFiniteVectors++;
            return null;
        }

        if (vector.EventTimeMs <= _lastEventTimeMs)
        {
            // Causality: a model trained through a later vector must not score an earlier one.
            OutOfOrderVectors++;
            return null;
        }

        _lastEventTimeMs = vector.EventTimeMs;
        var result = _model is null ? null : ScoreWith(_model, vector);
        if (result is null)
            WarmUpVectors++;

        if (result is { Anomalous: true })
        {
            // A run of anomalous vectors stays out of the buffer up to its limit; past it the rest of the run is let in,
            // so a lasting change is learned rather than alarming for ever.
            if (_excludedRun < _options.MaxExcludedRun)
            {
                _excludedRun++;
                ExcludedVectors++;
                return result;
            }
        }
        else
        {
            _excludedRun = 0;
        }

        Admit(vector);
        if (_count >= _options.MinTrainingVectors && _admittedSinceTraining >= _trainAfter)
            Train();
        return result;
    }

    /// <summary>Scores <paramref name="vector"/> with the current model without learning from it; null while warming up.</summary>
    /// <exception cref="ArgumentException">The vector has the wrong number of features.</exception>
    public ServiceAnomalyScore? Score(FeatureVector vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        CheckDimension(vector);
        return _model is null ? null : ScoreWith(_model, vector);
    }

    private void CheckDimension(FeatureVector vector)
    {
        if (vector.Values.Length != _dimension || vector.Imputed.Length != _dimension)
            throw new ArgumentException($"{vector.Values.Length} values for {_dimension} features", nameof(vector));
    }

    private ServiceAnomalyScore ScoreWith(PcaSnapshot model, FeatureVector vector)
    {
        Span<double> z = stackalloc double[_dimension];
        Span<double> residual = stackalloc double[_dimension];
        var error = model.Evaluate(vector.Values, z, residual, out var normalized);
        var rarity = -Math.Log10(model.Calibration.TailProbability(error));
        var score = ScoreOf(rarity, _options.RarityAtHalf);

        var error2 = error * error;
        var features = new FeatureContribution[_dimension];
        var top = 0;
        for (var j = 0; j < _dimension; j++)
        {
            var share = error2 > 0 ? residual[j] * residual[j] / error2 : 0;
            features[j] = new FeatureContribution(_features[j], vector.Values[j], z[j], residual[j], share, vector.Imputed[j]);
            if (Math.Abs(residual[j]) > Math.Abs(residual[top]))
                top = j;
        }

        return new ServiceAnomalyScore(
            vector.Group,
            vector.EventTimeMs,
            score,
            score >= _options.ScoreThreshold,
            _features[top],
            error,
            normalized,
            model.TrainedThroughMs,
            model.Version,
            features);
    }

    /// <summary>
    /// <c>1 - 2^-(rarity/rarityAtHalf)^2</c>: 0 for a typical vector, exactly 0.5 at <paramref name="rarityAtHalf"/>, 0.94 at
    /// twice it; the bounded shape of the univariate scores, applied to rarity instead of a z-score.
    /// </summary>
    internal static double ScoreOf(double rarity, double rarityAtHalf)
    {
        if (double.IsNaN(rarity) || rarity <= 0)
            return 0;
        var r = rarity / rarityAtHalf;
        return 1.0 - Math.Pow(2.0, -(r * r));
    }

    private void Admit(FeatureVector vector)
    {
        vector.Values.AsSpan().CopyTo(_ring.AsSpan(_head * _dimension, _dimension));
        _ringTimes[_head] = vector.EventTimeMs;
        _head = (_head + 1) % _ringTimes.Length;
        _count = Math.Min(_count + 1, _ringTimes.Length);
        _admittedSinceTraining++;
    }

    private void Train()
    {
        _admittedSinceTraining = 0;
        _trainAfter = _options.RetrainEvery;
        var n = _count;
        var d = _dimension;

        // Oldest first, so the same buffer always gives ML.NET the same row order.
        var raw = new double[n * d];
        var start = (_head - n + _ringTimes.Length) % _ringTimes.Length;
        long newest = long.MinValue;
        for (var i = 0; i < n; i++)
        {
            var slot = (start + i) % _ringTimes.Length;
            _ring.AsSpan(slot * d, d).CopyTo(raw.AsSpan(i * d, d));
            newest = Math.Max(newest, _ringTimes[slot]);
        }

        var scaler = RobustScaler.Fit(raw, n, d, _options.MinFeatureScale);
        var z = new double[n * d];
        var rows = new TrainingRow[n];
        for (var i = 0; i < n; i++)
        {
            var row = z.AsSpan(i * d, d);
            scaler.Standardise(raw.AsSpan(i * d, d), row);
            var features = new float[d];
            for (var j = 0; j < d; j++)
                features[j] = (float)row[j];
            rows[i] = new TrainingRow { Features = features };
        }

        AnomalyPredictionTransformer<PcaModelParameters> transformer;
        try
        {
            var data = _ml.Data.LoadFromEnumerable(rows, _schema);
            var trainer = _ml.AnomalyDetection.Trainers.RandomizedPca(
                featureColumnName: nameof(TrainingRow.Features),
                rank: _options.Rank,
                ensureZeroMean: true,
                seed: _options.Seed);
            transformer = trainer.Fit(data);
        }
        catch (InvalidOperationException)
        {
            FailedTrainings++;
            return;
        }

        VBuffer<float>[] vectors = [];
        transformer.Model.GetEigenVectors(ref vectors, out var rank);
        VBuffer<float> meanBuffer = default;
        transformer.Model.GetMean(ref meanBuffer);
        var mean = meanBuffer.DenseValues().Select(v => (double)v).ToArray();
        var directions = new double[rank][];
        for (var k = 0; k < rank; k++)
            directions[k] = vectors[k].DenseValues().Select(v => (double)v).ToArray();
        if (mean.Length != d || !mean.All(double.IsFinite) || directions.Any(u => u.Length != d || !u.All(double.IsFinite)))
        {
            // Degenerate data (e.g. every feature constant) can leave ML.NET's directions NaN: keep the model we have.
            FailedTrainings++;
            return;
        }

        var snapshot = new PcaSnapshot(scaler, directions, mean, newest, ModelsTrained + 1);
        snapshot.Calibrate(z, n);
        _model = snapshot;
        Transformer = transformer;
        ModelsTrained++;
    }

    /// <summary>One training row for ML.NET: the standardised features.</summary>
    private sealed class TrainingRow
    {
        public float[] Features { get; set; } = [];
    }
}
