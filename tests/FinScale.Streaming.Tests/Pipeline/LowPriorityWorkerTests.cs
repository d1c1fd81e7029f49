using System.Globalization;
using FinScale.Streaming.Pipeline;

namespace FinScale.Streaming.Tests.Pipeline;

public class LowPriorityWorkerTests
{
    /// <summary>The calling thread's nice value, field 19 of /proc/thread-self/stat (after the parenthesised name).</summary>
    private static int Nice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], CultureInfo.InvariantCulture); // field 19 is the 17th after pid and comm
    }

    [Fact]
    public async Task RunAsync_OnLinux_RunsTheWorkTenNicerThanTheCaller()
    {
        if (!OperatingSystem.IsLinux())
            return; // nice values are Linux's; elsewhere the thread only asks for BelowNormal
        using var worker = new LowPriorityWorker("test");
        var caller = Nice();

        var there = await worker.RunAsync(Nice);

        Assert.True(worker.Lowered);
        Assert.Equal(Math.Min(19, caller + LowPriorityWorker.Niceness), there);
        // Only the worker's thread, and not the caller's code after the await: xunit's context runs that continuation on
        // the thread that completed the task, which was the worker's until a normal thread completed it (failed at 10).
        Assert.Equal(caller, Nice());
    }

    [Fact]
    public async Task RunAsync_RunsItemsOneAtATimeInOrder_AndAFailureFaultsOnlyItsOwnTask()
    {
        using var worker = new LowPriorityWorker("test");
        var seen = new List<int>();
        var tasks = Enumerable.Range(0, 50).Select(i => worker.RunAsync(() =>
        {
            seen.Add(i); // unsynchronised on purpose: one thread runs them all
            return i == 7 ? throw new InvalidOperationException("seven") : i;
        })).ToList();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => tasks[7]);
        Assert.Equal("seven", e.Message);
        Assert.Equal(49, await tasks[49]);
        Assert.Equal(Enumerable.Range(0, 50), seen);
    }

    [Fact]
    public async Task Dispose_LetsQueuedWorkFinish()
    {
        Task<int> last;
        using (var worker = new LowPriorityWorker("test"))
        {
            _ = worker.RunAsync(() => { Thread.Sleep(50); return 0; });
            last = worker.RunAsync(() => 42);
        }

        Assert.True(last.IsCompletedSuccessfully); // done by the time Dispose returned, not awaited into completion
        Assert.Equal(42, await last);
    }
}
