using System.Diagnostics;
using System.Text;

namespace FinScale.IntegrationTests.Infrastructure;

/// <summary>Runs the real <c>finscale</c> executable (built next to the tests) as a child process.</summary>
public sealed class FinscaleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FinscaleProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _firstLine.TrySetException(new InvalidOperationException("finscale closed stdout before writing a line; stderr: " + Stderr));
                return;
            }

            lock (_stdout)
                _stdout.AppendLine(e.Data);
            _firstLine.TrySetResult(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_stderr)
                _stderr.AppendLine(e.Data);
        };
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
                return _stdout.ToString();
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    public static FinscaleProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "finscale.dll"));
        foreach (var a in args)
            info.ArgumentList.Add(a);

        // Tests run processes side by side: no telemetry port and no fixed KEDA scaler port unless a test asks for one.
        info.Environment["FINSCALE_Telemetry__Port"] = "0";
        info.Environment["FINSCALE_Keda__Port"] = "0";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            info.Environment[k] = v;
        var process = new Process { StartInfo = info };
        var wrapper = new FinscaleProcess(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs to completion (or kills it after <paramref name="timeout"/>) and returns the exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        using var p = Start(args, environment);
        var code = await p.WaitAsync(timeout);
        return (code, p.Stdout, p.Stderr);
    }

    public Task<string> FirstLineAsync(TimeSpan timeout) => _firstLine.Task.WaitAsync(timeout);

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"finscale {string.Join(' ', _process.StartInfo.ArgumentList.Skip(1))} did not exit within {timeout}; stderr: {Stderr}");
        }

        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>
    /// Asks the process to stop as Ctrl-C would; when it inherited an ignored SIGINT (a test run started in the background
    /// of a non-interactive shell passes that on to every child), as a pod's stop would (SIGTERM), the one it still hears.
    /// </summary>
    public void Interrupt() => Signal(InterruptIgnored ? "TERM" : "INT");

    /// <summary>Sends a signal by name (<c>INT</c>, <c>TERM</c>) with kill(1).</summary>
    public void Signal(string name)
    {
        if (!_process.HasExited)
            Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
    }

    /// <summary>True when processes this one starts inherit an ignored SIGINT (SigIgn of /proc/self/status), so cannot be interrupted.</summary>
    public static bool InterruptIgnored
    {
        get
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null
                && (ulong.Parse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & 0x2) != 0;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
