using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace FinScale.Streaming.Pipeline;

/// <summary>
/// One thread for CPU-heavy work that must not take the cores from the latency-critical stages: diagnosing and planning
/// a window of thousands of anomalies takes a core for 100 ms or more, while the consumer and the detection shards need
/// the same cores to keep anomalies flowing. The thread runs below normal priority: on Linux its nice value is raised by
/// <see cref="Niceness"/> (allowed without privileges, and honoured per thread), elsewhere
/// <see cref="ThreadPriority.BelowNormal"/>. Work runs one item at a time, in order; an item's exception faults its task.
/// </summary>
/// <remarks>
/// A task's continuation can run on the thread that completes it (a synchronisation context may run it there, as
/// xunit's does), which would leave the awaiting code running nice. So the worker never completes a task itself: a
/// second thread, at normal priority, does.
/// <para>What it relies on: work given to it takes no lock the pipeline's threads also take (today, diagnosis and
/// planning read the catalog, which is lock-free, and state only the awaiting loop touches). A shared lock held here
/// while the thread is starved would make the pipeline wait on it: priority inversion.</para>
/// </remarks>
internal sealed class LowPriorityWorker : IDisposable
{
    /// <summary>How much nicer than the process the thread runs: nice 10 weighs 110 against 1,024 for nice 0 in Linux's CFS.</summary>
    public const int Niceness = 10;

    private readonly BlockingCollection<Action> _work = new();
    private readonly BlockingCollection<Action> _completions = new();
    private readonly Thread _thread;
    private readonly Thread _completer;

    /// <summary>Starts the threads, named <paramref name="name"/> (the worker) and <paramref name="name"/>+ (the completer).</summary>
    public LowPriorityWorker(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name, Priority = ThreadPriority.BelowNormal };
        _completer = new Thread(Complete) { IsBackground = true, Name = name + "+" };
        _completer.Start();
        _thread.Start();
    }

    /// <summary>Whether the thread's nice value was raised (false before it started, or where that is not possible).</summary>
    public bool Lowered { get; private set; }

    /// <summary>Runs <paramref name="work"/> on the worker; the task completes on the thread pool, not on the worker.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                var result = work();
                _completions.Add(() => done.SetResult(result));
            }
            catch (Exception ex)
            {
                _completions.Add(() => done.SetException(ex));
            }
        });
        return done.Task;
    }

    /// <summary>Lets the work already queued finish, then stops the thread.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _completions.CompleteAdding();
        _completer.Join();
        _work.Dispose();
        _completions.Dispose();
    }

    private void Loop()
    {
        Lowered = LowerThisThread();
        foreach (var item in _work.GetConsumingEnumerable())
            item();
    }

    private void Complete()
    {
        foreach (var completion in _completions.GetConsumingEnumerable())
            completion();
    }

    /// <summary>Raises the calling thread's nice value on Linux (a thread is its own scheduling entity there).</summary>
    private static bool LowerThisThread()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            var tid = gettid();
            var current = getpriority(PrioProcess, tid);
            return setpriority(PrioProcess, tid, Math.Min(19, current + Niceness)) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A libc without gettid (glibc before 2.30): the thread keeps the process's priority.
            return false;
        }
    }

    private const int PrioProcess = 0;

    [DllImport("libc.so.6", EntryPoint = "gettid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int gettid();

    [DllImport("libc.so.6", EntryPoint = "getpriority", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int getpriority(int which, int who);

    [DllImport("libc.so.6", EntryPoint = "setpriority", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setpriority(int which, int who, int prio);
}
