using System.Globalization;

namespace FinScale.Host.Chaos;

/// <summary>
/// Runs the phases in order (crash consistency, broker outage, poison input, bounded memory, leadership, Kubernetes API
/// faults, storms and silence), one report
/// line each as it goes, then the summary line <c>chaos trials=.. faults=.. records=.. lost=.. doubled=..</c>.
/// </summary>
internal sealed class ChaosRunner
{
    /// <summary>Deployments of the workload: one slow pod per chunk takes turns among them.</summary>
    public const int Deployments = 6;

    /// <summary>Every phase, in the order they run.</summary>
    public static readonly string[] AllPhases = ["crash", "outage", "poison", "memory", "leader", "kubernetes", "storm"];

    private readonly ChaosContext _ctx;

    public ChaosRunner(ChaosContext ctx) => _ctx = ctx;

    /// <summary>Runs every phase; the results in order.</summary>
    public async Task<IReadOnlyList<PhaseResult>> RunAsync(CancellationToken cancellationToken)
    {
        var workload = new ChaosWorkload(Deployments, _ctx.Settings.Seed);
        var phases = new Dictionary<string, Func<Task<PhaseResult>>>(StringComparer.Ordinal)
        {
            ["crash"] = () => new CrashPhase(_ctx).RunAsync(workload, cancellationToken),
            ["outage"] = () => new OutagePhase(_ctx).RunAsync(workload, cancellationToken),
            ["poison"] = () => new PoisonPhase(_ctx).RunAsync(workload, cancellationToken),
            ["memory"] = () => new MemoryPhase(_ctx).RunAsync(workload, cancellationToken),
            ["leader"] = () => new LeadershipPhase(_ctx).RunAsync(workload, cancellationToken),
            ["kubernetes"] = () => new KubernetesFaultsPhase(_ctx).RunAsync(cancellationToken),
            ["storm"] = () => new StormPhase(_ctx).RunAsync(cancellationToken),
        };
        var results = new List<PhaseResult>();
        foreach (var name in AllPhases.Where(_ctx.Settings.Phases.Contains))
        {
            var r = await phases[name]();
            results.Add(r);
            _ctx.Report(string.Create(CultureInfo.InvariantCulture,
                $"chaos phase={r.Phase} {(r.Ok ? "ok" : "FAILED")} faults={r.Faults} records={r.Records} lost={r.Lost} doubled={r.Doubled}{string.Concat(r.Problems.Select(p => "; " + p))}"));
        }

        return results;
    }

    /// <summary>The summary line.</summary>
    public static string Summary(int trials, IReadOnlyList<PhaseResult> results) => string.Create(CultureInfo.InvariantCulture,
        $"chaos trials={trials} faults={results.Sum(r => r.Faults)} records={results.Sum(r => r.Records)} lost={results.Sum(r => r.Lost)} doubled={results.Sum(r => r.Doubled)}");
}
