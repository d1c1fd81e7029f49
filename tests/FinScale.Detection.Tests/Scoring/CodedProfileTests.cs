using FinScale.Detection.Scoring;

namespace FinScale.Detection.Tests.Scoring;

public class CodedProfileTests
{
    private const double Step = 1.0 / 2048; // the coarsest step relative to a value: 11 mantissa bits

    /// <summary>A profile as its owner keeps it: the codes, and their scale beside them.</summary>
    private sealed class Profile(int buckets)
    {
        public readonly short[] Codes = Enumerable.Repeat(CodedProfile.Unvisited, buckets).ToArray();
        public byte Scale;

        public double this[int i] => CodedProfile.Get(Codes, Scale, i);

        public void Store(int i, double value, double dither) => CodedProfile.Store(Codes, ref Scale, i, value, dither);

        public void Tighten() => CodedProfile.Tighten(Codes, ref Scale);

        public void Load(double[] values) => CodedProfile.Load(Codes, out Scale, values);

        public bool IsValid => CodedProfile.IsValid(Codes, Scale);
    }

    private static Profile Block(int buckets) => new(buckets);

    [Fact]
    public void Store_ValuesOverFourDecades_AreHeldToAStepOfTheirOwnSize()
    {
        var rng = new Random(1);
        var block = Block(168);
        var values = new double[168];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (rng.Next(2) == 0 ? -1 : 1) * Math.Pow(10, (rng.NextDouble() * 3.9) - 2) * 1234.5;
            block.Store(i, values[i], rng.NextDouble());
        }

        for (var i = 0; i < values.Length; i++)
            Assert.InRange(Math.Abs(block[i] - values[i]), 0, Math.Abs(values[i]) * Step);
    }

    [Fact]
    public void Store_ZeroAndSmallIntegers_AreExact()
    {
        var block = Block(8);
        double[] values = [0, 1, -3, 100, 4095, -65_536, 3 << 20, 0]; // 12 significant bits or fewer
        for (var i = 0; i < values.Length; i++)
            block.Store(i, values[i], 0.999);
        for (var i = 0; i < values.Length; i++)
            Assert.Equal(values[i], block[i]);
    }

    [Fact]
    public void Store_AnOutlandishFirstVisit_CostsTheOtherBucketsNoPrecision()
    {
        var block = Block(24);
        for (var i = 0; i < 24; i++)
            block.Store(i, 100.123456 + i, 0.5);
        block.Store(7, 1.5e5, 0.5); // a 1,500-fold glitch: re-codes every bucket with a coarser scale

        Assert.InRange(block[7], 1.5e5 * (1 - Step), 1.5e5 * (1 + Step));
        for (var i = 0; i < 24; i++)
        {
            if (i != 7)
                Assert.InRange(Math.Abs(block[i] - (100.123456 + i)), 0, 2 * (100.123456 + i) * Step);
        }
    }

    [Fact]
    public void Store_UpdatesSmallerThanAStep_StillReachTheTarget()
    {
        // An EWMA whose every move is under half a step: rounding to nearest never moves the bucket, the dither does on
        // average. 1000 is exact; a step there is 0.5, and 0.2 × 0.3 is 0.06.
        const double target = 1000.3;
        var dithered = Block(1);
        var nearest = Block(1);
        dithered.Store(0, 1000, 0.5);
        nearest.Store(0, 1000, 0.5);
        double sum = 0;
        const int n = 20_000;
        for (var t = 0; t < n; t++)
        {
            var p = dithered[0];
            dithered.Store(0, p + (0.2 * (target - p)), CodedProfile.Dither(t * 60_000L, 0, 168));
            sum += dithered[0];
            var q = nearest[0];
            nearest.Store(0, q + (0.2 * (target - q)), 0.5);
        }

        Assert.Equal(1000, nearest[0]); // stuck 0.3 below
        Assert.InRange(sum / n, target - 0.02, target + 0.02);
    }

    [Fact]
    public void Dither_IsUniformAndAFunctionOfThePoint()
    {
        var below = new int[10];
        for (var t = 0; t < 100_000; t++)
        {
            var u = CodedProfile.Dither(1_767_225_600_000L + (t * 15_000L), t % 96, 96);
            Assert.InRange(u, 0, 1 - double.Epsilon);
            below[(int)(u * 10)]++;
        }

        Assert.All(below, c => Assert.InRange(c, 9_500, 10_500));
        Assert.Equal(CodedProfile.Dither(42, 3, 168), CodedProfile.Dither(42, 3, 168));
        Assert.NotEqual(CodedProfile.Dither(42, 3, 168), CodedProfile.Dither(42, 3, 96));
    }

    [Fact]
    public void Tighten_AfterTheLevelFellSixDecades_RestoresPrecision()
    {
        var block = Block(16);
        for (var i = 0; i < 16; i++)
            block.Store(i, 1e6 + i, 0.5);
        static double Fallen(int i) => 1 + (i / 7.0);
        for (var i = 0; i < 16; i++)
            block.Store(i, Fallen(i), 0.5);
        var coarse = Enumerable.Range(0, 16).Max(i => Math.Abs(block[i] - Fallen(i)) / Fallen(i));

        block.Tighten();
        for (var i = 0; i < 16; i++)
            block.Store(i, Fallen(i), 0.5);

        Assert.True(coarse > Step, $"the fall should have left steps coarser than the values ({coarse})");
        for (var i = 0; i < 16; i++)
            Assert.InRange(Math.Abs(block[i] - Fallen(i)), 0, Fallen(i) * Step);
    }

    [Fact]
    public void Load_FloatBuckets_KeepsUnvisitedAndHoldsTheRest()
    {
        double[] floats = [double.NaN, 12.5f, -1.0371f, double.NaN, 8_999.9f, 0];
        var block = Block(floats.Length);

        block.Load(floats);

        for (var i = 0; i < floats.Length; i++)
        {
            if (double.IsNaN(floats[i]))
                Assert.True(double.IsNaN(block[i]));
            else
                Assert.InRange(Math.Abs(block[i] - floats[i]), 0, Math.Abs(floats[i]) * Step / 2);
        }

        Assert.True(block.IsValid);
    }

    [Fact]
    public void Store_AnyFiniteOrHugeValue_NeverThrowsAndReadsBackWithinFloatRange()
    {
        var rng = new Random(3);
        double[] odd = [double.MaxValue, -double.MaxValue, float.MaxValue, 1e300, -1e-300, double.Epsilon, 0, 1e-40];
        var block = Block(32);
        for (var t = 0; t < 50_000; t++)
        {
            var i = rng.Next(32);
            var v = rng.Next(10) == 0 ? odd[rng.Next(odd.Length)] : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-20, 30));
            block.Store(i, v, rng.NextDouble());
            var back = block[i];
            Assert.True(double.IsFinite(back));
            Assert.InRange(Math.Abs(back), 0, Math.Pow(2, 128)); // float.MaxValue, to within a step
            if (t % 97 == 0)
                block.Tighten();
        }

        Assert.True(block.IsValid);
    }

    [Fact]
    public void IsValid_RefusesHeadersStoreNeverWrites()
    {
        var block = Block(4);
        Assert.True(block.IsValid);
        block.Codes[1] = 5; // a code in a profile with nothing visited
        Assert.False(block.IsValid);

        block = Block(4);
        block.Store(0, 0, 0.5);
        block.Store(1, 0, 0.5);
        Assert.True(block.IsValid);
        block.Codes[1] = 7; // a code beside a scale that says every bucket is 0
        Assert.False(block.IsValid);

        block = Block(4);
        block.Store(0, 10, 0.5);
        block.Scale = 255; // a scale past float range
        Assert.False(block.IsValid);
    }
}
