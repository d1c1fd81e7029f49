using FinScale.Contracts;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace FinScale.Detection.Multivariate.Tests;

public class PcaServiceDetectorTests
{
    private static readonly string[] Features = [FeatureRole.Latency, FeatureRole.ErrorRate, FeatureRole.Throughput, FeatureRole.Saturation];

    private static PcaServiceDetector NewDetector(ServiceLoad load, MultivariateOptions? options = null) =>
        new(load.Group, Features, options ?? new MultivariateOptions());

    /// <summary>Latency near the top of its range while throughput (and the saturation it drives) sits near the bottom of its own.</summary>
    private static double[] JointBreak()
    {
        const double throughput = 150;
        return [78, 0.01, throughput, ServiceLoad.SaturationFor(throughput)];
    }

    [Fact]
    public void Process_JointAnomalyWithinEachFeaturesNormalRange_ScoresHighWhileUnivariateZStaysLow()
    {
        var load = new ServiceLoad(seed: 7);
        var detector = NewDetector(load);
        var history = new List<double[]>();
        for (var s = 0; s < 1000; s++)
        {
            var v = load.Normal(s);
            history.Add(v);
            detector.Process(load.Vector(s, v));
        }

        var anomaly = JointBreak();
        var score = detector.Process(load.Vector(1000, anomaly));

        // Each feature alone is unremarkable: inside the range seen, and a small robust z against the history.
        for (var j = 0; j < anomaly.Length; j++)
        {
            var column = history.Select(v => v[j]).ToArray();
            Assert.InRange(anomaly[j], column.Min(), column.Max());
            Assert.InRange(Math.Abs(RobustZ(column, anomaly[j])), 0, 1.5);
        }

        Assert.NotNull(score);
        Assert.True(score.Score >= 0.9, $"score {score.Score}");
        Assert.True(score.Anomalous);
        Assert.Equal(FeatureRole.Latency, score.TopFeature);
        Assert.All(score.Features, f => Assert.InRange(Math.Abs(f.Deviation), 0, 1.5));
        Assert.Contains(FeatureRole.Latency, score.DominantFeatures());
        Assert.True(score.Features[0].Residual > 0, "latency is above what the load explains");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Process_CleanData_FalsePositiveRateBounded(int seed)
    {
        var load = new ServiceLoad(seed);
        var detector = NewDetector(load);
        var scores = new List<double>();
        for (var s = 0; s < 3000; s++)
        {
            if (detector.Process(load.NormalVector(s)) is { } r)
                scores.Add(r.Score);
        }

        // 3000 steps less the 120 of warm-up. Seeds 1-5 give no alarm at all; at RarityAtHalf = 3 they gave 3-14.
        Assert.Equal(2880, scores.Count);
        var alarms = scores.Count(x => x >= 0.5);
        Assert.True(alarms <= 3, $"{alarms} of {scores.Count} clean vectors scored >= 0.5");
        Assert.True(scores.Average() < 0.05, $"mean score {scores.Average()}");
        Assert.Equal(0, scores.Count(x => x >= 0.9));
    }

    [Fact]
    public void Process_FutureDiffers_EarlierScoresIdenticalAndEveryModelOlderThanItsVector()
    {
        // 120 vectors warm up; then a retrain after every vector, the freshest a model can be without seeing its vector.
        const int split = 300;
        var a = Run(new ServiceLoad(11), futureSeed: 100);
        var b = Run(new ServiceLoad(11), futureSeed: 200);

        var before = a.Where(r => r.EventTimeMs < split * ServiceLoad.StepMs).ToList();
        Assert.Equal(split - 120, before.Count);
        Assert.Equal(before, b.Where(r => r.EventTimeMs < split * ServiceLoad.StepMs), ScoreComparer.Instance);
        Assert.NotEqual(a.Last().Score, b.Last().Score);
        Assert.All(a.Concat(b), r => Assert.True(r.ModelTrainedThroughMs < r.EventTimeMs, $"model through {r.ModelTrainedThroughMs} scored {r.EventTimeMs}"));

        // The vector at the split, where the runs part, is scored by one model in both: the one trained through the step before.
        var atSplit = split * ServiceLoad.StepMs;
        Assert.Equal(atSplit - ServiceLoad.StepMs, a.Single(r => r.EventTimeMs == atSplit).ModelTrainedThroughMs);
        Assert.Equal(atSplit - ServiceLoad.StepMs, b.Single(r => r.EventTimeMs == atSplit).ModelTrainedThroughMs);
        Assert.True(b.Single(r => r.EventTimeMs == atSplit).Anomalous);

        static List<ServiceAnomalyScore> Run(ServiceLoad shared, int futureSeed)
        {
            var detector = NewDetector(shared, new MultivariateOptions { RetrainEvery = 1 });
            var future = new ServiceLoad(futureSeed);
            var scores = new List<ServiceAnomalyScore>();
            for (var s = 0; s < 500; s++)
            {
                var v = s < split ? shared.Normal(s) : future.Normal(s);
                if (s == split && futureSeed == 200)
                    v = JointBreak();
                if (detector.Process(shared.Vector(s, v)) is { } r)
                    scores.Add(r);
            }

            return scores;
        }
    }

    [Fact]
    public void Process_EveryVector_ScoredAsTheModelBeforeItScoresIt()
    {
        var load = new ServiceLoad(5);
        var options = new MultivariateOptions { MinTrainingVectors = 50, RetrainEvery = 7, TrainingWindow = 100 };
        var detector = NewDetector(load, options);
        var retrainsSeen = 0;
        for (var s = 0; s < 400; s++)
        {
            var vector = s % 97 == 0 ? load.Vector(s, JointBreak()) : load.NormalVector(s);
            var expected = detector.Score(vector);
            var models = detector.ModelsTrained;
            var actual = detector.Process(vector);
            if (detector.ModelsTrained > models)
                retrainsSeen++;
            Assert.Equal(expected is null, actual is null);
            if (expected is not null)
                Assert.Equal(expected, actual!, ScoreComparer.Instance);
        }

        Assert.True(retrainsSeen > 40, $"{retrainsSeen} retrains");
    }

    [Fact]
    public void Process_SameInput_SameScores()
    {
        var first = Run();
        var second = Run();
        Assert.Equal(first.Count, second.Count);
        Assert.Equal(first, second, ScoreComparer.Instance);

        static List<ServiceAnomalyScore> Run()
        {
            var load = new ServiceLoad(21);
            var detector = NewDetector(load);
            var scores = new List<ServiceAnomalyScore>();
            for (var s = 0; s < 800; s++)
            {
                var v = s == 700 ? JointBreak() : load.Normal(s);
                if (detector.Process(load.Vector(s, v)) is { } r)
                    scores.Add(r);
            }

            return scores;
        }
    }

    [Fact]
    public void Process_BeforeFirstModel_ReturnsNoScore()
    {
        var load = new ServiceLoad(3);
        var options = new MultivariateOptions { MinTrainingVectors = 40 };
        var detector = NewDetector(load, options);
        for (var s = 0; s < 40; s++)
        {
            Assert.Null(detector.Process(load.NormalVector(s)));
            Assert.Equal(s == 39 ? 1 : 0, detector.ModelsTrained);
        }

        Assert.Equal(40, detector.WarmUpVectors);
        Assert.NotNull(detector.Process(load.NormalVector(40)));
        Assert.Equal(39 * ServiceLoad.StepMs, detector.ModelTrainedThroughMs);
    }

    [Fact]
    public void Process_ManyVectors_TrainingBufferStaysBounded()
    {
        var load = new ServiceLoad(4);
        var options = new MultivariateOptions { TrainingWindow = 200, MinTrainingVectors = 100, RetrainEvery = 25 };
        var detector = NewDetector(load, options);
        for (var s = 0; s < 2000; s++)
        {
            detector.Process(load.NormalVector(s));
            Assert.InRange(detector.TrainingVectors, 0, 200);
        }

        Assert.Equal(200, detector.TrainingCapacity);
        Assert.Equal(200, detector.TrainingVectors);
        Assert.Equal(200, detector.CalibrationSize);
        Assert.True(detector.ModelsTrained >= (2000 - 100) / 25, $"{detector.ModelsTrained} models");
    }

    [Fact]
    public void Process_AnomalousVectors_KeptOutOfTrainingUntilTheRunLimit()
    {
        var load = new ServiceLoad(8);
        var options = new MultivariateOptions { TrainingWindow = 200, MinTrainingVectors = 100, RetrainEvery = 20, MaxExcludedRun = 30 };
        var detector = NewDetector(load, options);
        for (var s = 0; s < 400; s++)
            detector.Process(load.NormalVector(s));
        var excludedBefore = detector.ExcludedVectors;

        // A lasting change: latency 12 ms above what the load explains, from now on.
        var after = new List<ServiceAnomalyScore>();
        for (var s = 400; s < 1000; s++)
        {
            var v = load.Normal(s);
            v[0] += 12;
            after.Add(detector.Process(load.Vector(s, v))!);
        }

        Assert.True(after.Take(30).All(r => r.Anomalous), "the change alarms at first");
        Assert.InRange(detector.ExcludedVectors - excludedBefore, 30, 100);
        Assert.True(after.TakeLast(200).Count(r => r.Anomalous) <= 2, "the lasting change became the new normal");
    }

    [Fact]
    public void Process_ConstantFeature_ScoresStayFinite()
    {
        var load = new ServiceLoad(9);
        var detector = NewDetector(load);
        var scores = new List<ServiceAnomalyScore>();
        for (var s = 0; s < 600; s++)
        {
            var v = load.Normal(s);
            v[1] = 0; // a service that never errs
            if (detector.Process(load.Vector(s, v)) is { } r)
                scores.Add(r);
        }

        Assert.Equal(0, detector.FailedTrainings);
        Assert.All(scores, r => Assert.True(double.IsFinite(r.Score) && double.IsFinite(r.ReconstructionError) && double.IsFinite(r.NormalizedError)));
        Assert.True(scores.Count(r => r.Anomalous) <= 3);
    }

    [Fact]
    public void NormalizedError_EqualsMlNetAnomalyScoreOfTheStandardisedVector()
    {
        var load = new ServiceLoad(12);
        var detector = NewDetector(load);
        for (var s = 0; s < 300; s++)
            detector.Process(load.NormalVector(s));

        var probes = Enumerable.Range(300, 50).Select(s => s == 320 ? load.Vector(s, JointBreak()) : load.NormalVector(s))
            .Select(v => detector.Score(v)!)
            .ToList();
        var ml = new MLContext(1);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features.Length);
        var rows = probes.Select(p => new Row { Features = [.. p.Features.Select(f => (float)f.Deviation)] });
        var scored = detector.Transformer!.Transform(ml.Data.LoadFromEnumerable(rows, schema));
        var mlScores = scored.GetColumn<float>("Score").ToList();

        Assert.Equal(probes.Count, mlScores.Count);
        for (var i = 0; i < probes.Count; i++)
            Assert.Equal(mlScores[i], probes[i].NormalizedError, 2e-3);
    }

    [Fact]
    public void Process_FlatLoad_ErrorNormFindsTheBreakThatMlNetsRatioBlurs()
    {
        // Without a load swing most of a normal vector's distance from the mean is noise, so ML.NET's ratio (residual over
        // distance) is high for many normal vectors; the residual norm still sets the break apart.
        var load = new ServiceLoad(13, swing: 0);
        var detector = NewDetector(load);
        var clean = new List<ServiceAnomalyScore>();
        for (var s = 0; s < 1000; s++)
        {
            if (detector.Process(load.NormalVector(s)) is { } r)
                clean.Add(r);
        }

        // Throughput 2 noise-sigmas low, latency 2.6 sigmas of its own spread high: 5 noise-sigmas above what the load explains.
        const double throughput = 185;
        var anomaly = detector.Score(load.Vector(1000, [75, 0.01, throughput, ServiceLoad.SaturationFor(throughput)]))!;
        var ratioTail = clean.Count(r => r.NormalizedError >= anomaly.NormalizedError) / (double)clean.Count;
        var normTail = clean.Count(r => r.ReconstructionError >= anomaly.ReconstructionError) / (double)clean.Count;

        // By the ratio, more than one clean vector in a hundred is as far off (a calibrated score under 0.25); by the norm, none.
        Assert.True(ratioTail > 0.01, $"ratio tail {ratioTail}");
        Assert.True(normTail == 0, $"norm tail {normTail}");
        Assert.True(anomaly.Score > clean.Max(r => r.Score), $"score {anomaly.Score}");
    }

    [Fact]
    public void Process_VectorNotAfterThePrevious_DroppedAndCounted()
    {
        var load = new ServiceLoad(14);
        var detector = NewDetector(load, new MultivariateOptions { MinTrainingVectors = 20 });
        for (var s = 0; s < 30; s++)
            detector.Process(load.NormalVector(s));
        var buffered = detector.TrainingVectors;

        Assert.Null(detector.Process(load.NormalVector(29)));
        Assert.Null(detector.Process(load.NormalVector(10)));
        Assert.Equal(2, detector.OutOfOrderVectors);
        Assert.Equal(buffered, detector.TrainingVectors);
    }

    [Fact]
    public void Process_NonFiniteValue_DroppedAndCountedWithoutPoisoningTheModel()
    {
        var load = new ServiceLoad(16);
        var detector = NewDetector(load, new MultivariateOptions { MinTrainingVectors = 20, RetrainEvery = 1 });
        for (var s = 0; s < 40; s++)
        {
            var v = load.Normal(s);
            if (s % 5 == 0)
                v[2] = s % 10 == 0 ? double.NaN : double.PositiveInfinity;
            var r = detector.Process(load.Vector(s, v));
            Assert.True(r is null || double.IsFinite(r.Score));
        }

        Assert.Equal(8, detector.NonFiniteVectors);
        Assert.Equal(32, detector.TrainingVectors + detector.ExcludedVectors);
    }

    [Fact]
    public void Process_WrongNumberOfFeatures_Throws()
    {
        var load = new ServiceLoad(15);
        var detector = NewDetector(load);
        Assert.Throws<ArgumentException>(() => detector.Process(new FeatureVector(load.Group, 0, [1, 2, 3], new bool[3])));
    }

    [Fact]
    public void Constructor_RankNotBelowFeatureCount_Throws()
    {
        var group = SeriesKey.Create(ServiceFeatureWindow.GroupMetric, null);
        var e = Assert.Throws<ArgumentException>(() => new PcaServiceDetector(group, ["a", "b"], new MultivariateOptions { Rank = 2 }));
        Assert.Contains("Rank", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(3.0, 0.5)]
    [InlineData(6.0, 0.9375)]
    public void ScoreOf_Rarity_MapsToBoundedScore(double rarity, double expected) =>
        Assert.Equal(expected, PcaServiceDetector.ScoreOf(rarity, 3.0), 12);

    private static double RobustZ(double[] column, double value)
    {
        var sorted = column.Order().ToArray();
        var median = sorted[sorted.Length / 2];
        var mad = column.Select(x => Math.Abs(x - median)).Order().ElementAt(column.Length / 2);
        return (value - median) / (1.4826 * mad);
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }
}
