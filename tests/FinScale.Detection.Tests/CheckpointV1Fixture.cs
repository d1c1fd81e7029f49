using FinScale.Detection;

namespace FinScale.Detection.Tests;

/// <summary>
/// The series behind Data/checkpoint-v1.txt: 16 days of 5-minute points with a daily and a weekday/weekend pattern and
/// noise, and two incidents after the state was exported (a spike and a level shift).
/// </summary>
internal static class CheckpointV1Fixture
{
    public const int ExportedAfter = 4_032; // 14 days: both profiles full and predicting
    private const int Length = 4_608;        // 16 days
    private const long Step = 300_000;

    public static SeriesPoint[] Points(int seriesId)
    {
        var rng = new Random(20261129);
        var points = new SeriesPoint[Length];
        for (var i = 0; i < Length; i++)
        {
            var ts = 1_700_000_000_000L + (i * Step); // a Tuesday, 22:13 UTC
            var day = ts / 86_400_000.0;
            var weekday = ((long)Math.Floor(day) + 4) % 7 < 5; // 1970-01-01 was a Thursday
            var g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            var value = 1_000 + (300 * Math.Sin(2 * Math.PI * day)) + (weekday ? 150 : 0) + (15 * g);
            if (i == ExportedAfter + 200)
                value += 400;
            if (i >= ExportedAfter + 400)
                value += 250;
            points[i] = new SeriesPoint(seriesId, ts, value);
        }

        return points;
    }
}
