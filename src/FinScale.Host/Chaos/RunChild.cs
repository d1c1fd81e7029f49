using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace FinScale.Host.Chaos;

/// <summary>
/// One <c>finscale run</c> child process: the same executable as this one (under <c>dotnet</c>, the same entry assembly),
/// configured by <c>FINSCALE_</c> environment variables, its stdout and stderr appended to a log file.
/// </summary>
internal sealed class RunChild : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();

    private RunChild(Process process, StreamWriter log, string name)
    {
        _process = process;
        _log = log;
        Name = name;
    }

    /// <summary>A short name for the report, e.g. <c>crash#3</c>.</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>finscale run</c> with <paramref name="args"/> and <paramref name="environment"/>; output goes to <paramref name="logPath"/>.</summary>
    public static RunChild Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this is");
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(Assembly.GetEntryAssembly()?.Location ?? Path.Combine(AppContext.BaseDirectory, "finscale.dll"));
        info.ArgumentList.Add("run");
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
            info.Environment[k] = v;

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        var child = new RunChild(process, log, name);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child.Append($"--- {name}: pid {process.Id} started");
        return child;
    }

    /// <summary>Peak resident set size so far (VmHWM of /proc/PID/status) in bytes; null when unknown or exited.</summary>
    public long? PeakRssBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    continue;
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // Exited between the check and the read.
        }

        return null;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a node crash or an OOM kill.</summary>
    public void Kill()
    {
        if (_process.HasExited)
            return;
        _process.Kill();
        Append($"--- {Name}: SIGKILL");
    }

    /// <summary>Sends SIGINT (Ctrl-C) or SIGTERM (a pod's stop). Returns the exit code, or null when it did not exit within <paramref name="timeout"/> (it is then killed).</summary>
    public async Task<int?> SignalAsync(string signal, TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
            if (kill is not null)
                await kill.WaitForExitAsync();
        }

        return await WaitAsync(timeout);
    }

    /// <summary>
    /// Stops the run as Ctrl-C does and returns what went wrong when it did not exit 0 within 10 s. A child that inherited an
    /// ignored SIGINT (a harness started in the background of a non-interactive shell passes that on) cannot be interrupted:
    /// it is stopped as Kubernetes stops a pod, with SIGTERM, which the same clean stop answers.
    /// </summary>
    public async Task<string?> StopAsync()
    {
        var signal = "INT";
        if (IgnoresInterrupt())
        {
            Append($"--- {Name}: SIGINT is ignored (inherited); SIGTERM instead");
            signal = "TERM";
        }

        var code = await SignalAsync(signal, TimeSpan.FromSeconds(10));
        return code == 0 ? null : $"{Name} {(code is { } c ? "exited with " + c.ToString(CultureInfo.InvariantCulture) : "did not exit within 10 s (SIGKILLed)")} on SIG{signal}";
    }

    /// <summary>True when the process ignores SIGINT (SigIgn of /proc/PID/status).</summary>
    public bool IgnoresInterrupt()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 0x2) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits for the exit; null (and SIGKILL) after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
            return null;
        }

        return _process.ExitCode;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
        lock (_gate)
            _log.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // A late line after Dispose.
            }
        }
    }
}
