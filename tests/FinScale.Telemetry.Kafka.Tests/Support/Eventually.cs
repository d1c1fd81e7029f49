using System.Diagnostics;

namespace FinScale.Telemetry.Kafka.Tests.Support;

/// <summary>Waits on a condition with a generous deadline; returns as soon as it holds (no fixed sleeps).</summary>
public static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static void True(Func<bool> condition, Func<string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, $"not within {Deadline}: {describe()}");

            // SpinWait yields, then blocks briefly, re-checking the condition each time.
            SpinWait.SpinUntil(condition, TimeSpan.FromMilliseconds(50));
        }
    }
}
