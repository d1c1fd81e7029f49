using FinScale.Streaming.Kafka;
using FinScale.Streaming.Replay;
using Microsoft.Extensions.Hosting;

namespace FinScale.Host.Commands;

/// <summary>Builds the host for a command, runs it, and maps failures to exit codes and one clear line on stderr.</summary>
internal static class CommandRunner
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadConfiguration = 2;

    public static async Task<int> RunAsync(CliSettings cli, Func<IHost, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        IHost? host = null;
        try
        {
            host = FinScaleHost.CreateBuilder(cli).Build();
            FinScaleHost.ValidateConfiguration(host.Services);
            return await body(host, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Ok;
        }
        catch (Exception ex) when (ConfigurationErrors.TryDescribe(ex, out var message))
        {
            await Console.Error.WriteLineAsync("finscale: " + message);
            return BadConfiguration;
        }
        catch (KafkaUnreachableException ex)
        {
            await Console.Error.WriteLineAsync("finscale: " + ex.Message);
            return Failed;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"finscale: {ex.Message}");
            if (Environment.GetEnvironmentVariable("FINSCALE_DEBUG") == "1")
                await Console.Error.WriteLineAsync(ex.ToString());
            return Failed;
        }
        finally
        {
            if (host is not null)
            {
                // Disposing the host stops an embedded broker this command started.
                host.Dispose();
            }
        }
    }

    /// <summary>Expands directories to the CSV files in them, sorted, so a replay of a folder is repeatable.</summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
                files.AddRange(Directory.EnumerateFiles(p, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else if (File.Exists(p))
                files.Add(p);
            else
                throw new FileNotFoundException($"no such file or directory: {p}", p);
        }

        return files;
    }

    /// <summary>Writes a bad CSV row to stderr: <c>file:line: reason</c>.</summary>
    public static void ReportRow(CsvRowError error) => Console.Error.WriteLine("finscale replay: skipped " + error);
}
