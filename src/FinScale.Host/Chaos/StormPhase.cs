using System.Globalization;
using FinScale.Contracts;

namespace FinScale.Host.Chaos;

/// <summary>
/// Storms and silence: one run with the storm policy (a slow pod evicted, a faulty node cordoned, a service-wide fault
/// recorded for a human; at most a quarter of a workload's pods, and <see cref="ChaosPolicy.StormMaxCordonedNodes"/>
/// nodes or <see cref="ChaosPolicy.StormMaxCordonedShare"/> of the cluster, at once) over its own deployments, spread
/// two per node over <see cref="Nodes"/> nodes. Chunks: clean; every pod of one deployment slow at once; every pod on
/// half the nodes slow at once; clean; one pod going silent mid-chunk; that pod still silent. Checks: a clean chunk
/// writes nothing and decides no action; the service-wide storm restarts no pod (diagnosed as the service's, not pod
/// by pod); the node storm executes no more cordons than the guards allow and every other decision it causes is held
/// back with the guard named; the silent series causes no action; the whole input is committed and nothing is lost or
/// doubled.
/// </summary>
internal sealed class StormPhase
{
    /// <summary>First chunk of this phase: its event times, anomalies and idempotency keys are its own.</summary>
    private const int ChunkBase = 6000;

    /// <summary>Nodes of the storm's deployments; the node storm slows every pod on the first half of them.</summary>
    private const int Nodes = 8;

    /// <summary>The deployment every pod of which is slow in the service-wide storm.</summary>
    private const string ServiceStormDeployment = "storm-1";

    private const int Clean = 0, ServiceStorm = 1, NodeStorm = 2, CleanAfter = 3, GoesSilent = 4, StaysSilent = 5, Chunks = 6;
    private static readonly string[] ChunkNames = ["clean", "service-storm", "node-storm", "clean-after", "goes-silent", "stays-silent"];

    private readonly ChaosContext _ctx;

    public StormPhase(ChaosContext ctx) => _ctx = ctx;

    /// <summary>Node <paramref name="n"/> of the storm.</summary>
    private static string Node(int n) => string.Create(CultureInfo.InvariantCulture, $"storm-node-{n}");

    public async Task<PhaseResult> RunAsync(CancellationToken cancellationToken)
    {
        var topics = _ctx.CreateTopics("storm");
        var policy = ChaosPolicy.WriteStorm(_ctx.WorkDirectory);

        // Deployment d has pods 0 and 1 on node d % 4 and pods 2 and 3 on node d % 4 + 4, so each of the first four nodes
        // carries two pods of two deployments whose other pods all run on the last four: a node fault there is one.
        var pods = new List<ChaosPod>();
        for (var d = 0; d < Nodes; d++)
        {
            var k = d % (Nodes / 2);
            pods.AddRange(_ctx.Cluster.AddDeployment(ChaosCluster.Namespace, string.Create(CultureInfo.InvariantCulture, $"storm-{d}"), [Node(k), Node(k), Node(k + (Nodes / 2)), Node(k + (Nodes / 2))], seed: 80_000 + (d * 101)));
        }

        var workload = new ChaosWorkload(pods, _ctx.Settings.Seed);
        var faultyNodes = Enumerable.Range(0, Nodes / 2).Select(Node).ToHashSet(StringComparer.Ordinal);
        var silent = pods.Single(p => p.Deployment == "storm-6" && p.Index == 3); // on a node the storm leaves alone
        var allowedCordons = Math.Min(ChaosPolicy.StormMaxCordonedNodes, (int)Math.Floor(ChaosPolicy.StormMaxCordonedShare * _ctx.Cluster.NodeCount));
        var mark = _ctx.Cluster.WriteCount;
        var problems = new List<string>();
        using var child = _ctx.StartRun(topics, "chaos-storm", policyPath: policy);

        long records = 0;
        var writeMarks = new int[Chunks + 1];
        for (var c = 0; c < Chunks && !child.HasExited; c++)
        {
            Func<ChaosPod, int, double?> slow = c switch
            {
                ServiceStorm => (p, m) => p.Deployment == ServiceStormDeployment && m == ChaosWorkload.SpikeMinute ? ChaosWorkload.SlowValue : null,
                NodeStorm => (p, m) => faultyNodes.Contains(p.Node) && m == ChaosWorkload.SpikeMinute ? ChaosWorkload.SlowValue : null,
                _ => (_, _) => null,
            };
            Func<ChaosPod, int, bool>? gone = c switch
            {
                GoesSilent => (p, m) => p == silent && m >= ChaosWorkload.ChunkMinutes / 2,
                StaysSilent => (p, _) => p == silent,
                _ => null,
            };
            writeMarks[c] = _ctx.Cluster.WriteCount;
            records += await _ctx.PublishAsync(workload.Chunk(ChunkBase + c, slow, gone), topics.Metrics, cancellationToken);
            if (!await _ctx.WaitCommittedAsync(topics, TimeSpan.FromMinutes(2), cancellationToken, child))
                problems.Add($"{ChunkNames[c]}: the run did not commit the chunk within 2 min");
        }

        writeMarks[Chunks] = _ctx.Cluster.WriteCount;
        if (child.HasExited)
            problems.Add($"the run exited during the phase (code {await child.WaitAsync(TimeSpan.Zero)})");
        if (await child.StopAsync() is { } stopped)
            problems.Add(stopped); // a clean stop (exit 0 within 10 s of the signal) is part of the contract

        var decisions = await _ctx.ReadDecisionsAsync(topics, cancellationToken);
        var writes = _ctx.Cluster.ActionWrites(mark);
        List<RemediationDecision> In(int c) => decisions.Where(d => ChaosWorkload.ChunkOf(d.EventTime) == ChunkBase + c).ToList();
        int WritesIn(int c) => _ctx.Cluster.ActionWrites(writeMarks[c]).Count - _ctx.Cluster.ActionWrites(writeMarks[c + 1]).Count;

        // Clean chunks (and the silent ones): nothing written, no action decided.
        foreach (var c in new[] { Clean, CleanAfter, GoesSilent, StaysSilent })
        {
            var acting = In(c).Count(d => d.Action is not (ActionKind.None or ActionKind.Unknown));
            if (WritesIn(c) > 0 || acting > 0)
                problems.Add($"{ChunkNames[c]}: {WritesIn(c)} writes and {acting} decisions with an action, where nothing called for one");
        }

        var silentDecisions = In(GoesSilent).Concat(In(StaysSilent)).Count(d => d.Anomaly.Series.Contains(silent.Pod, StringComparison.Ordinal));

        // The service-wide storm: diagnosed as the service's, so no pod is restarted one by one.
        var service = In(ServiceStorm);
        var serviceActs = service.Count(d => d.Action is not (ActionKind.None or ActionKind.Unknown));
        if (WritesIn(ServiceStorm) > 0 || serviceActs > 0)
            problems.Add($"service-storm: {WritesIn(ServiceStorm)} writes and {serviceActs} decisions with an action for a fault of the whole of {ServiceStormDeployment}");
        if (!service.Any(d => d.Finding == "service_fault"))
            problems.Add($"service-storm: no service_fault decision for {ServiceStormDeployment} (findings: {Findings(service)})");

        // The node storm: no more cordons than the guards allow, every other decision held back by a named guard.
        var node = In(NodeStorm);
        var nodeExecuted = node.Count(d => d.Outcome == DecisionOutcome.Executed);
        var nodeWrites = WritesIn(NodeStorm);
        var acted = node.Where(d => d.Action is not (ActionKind.None or ActionKind.Unknown)).ToList();
        var unnamed = acted.Count(d => d.Outcome != DecisionOutcome.Executed && (d.Outcome != DecisionOutcome.HeldBack || string.IsNullOrEmpty(d.Guard)));
        var nodeFaults = node.Count(d => d.Finding == "node_fault");
        if (nodeWrites > allowedCordons || nodeExecuted > allowedCordons)
            problems.Add($"node-storm: {nodeExecuted} actions executed ({nodeWrites} writes), more than the {allowedCordons} cordons the guards allow");
        if (nodeExecuted < Math.Min(allowedCordons, nodeFaults))
            problems.Add($"node-storm: {nodeExecuted} cordons executed of the {allowedCordons} the guards allow for {nodeFaults} faulty nodes");
        if (unnamed > 0)
            problems.Add($"node-storm: {unnamed} decisions with an action neither executed nor held back by a named guard");
        if (acted.Any(d => d.Action != ActionKind.CordonNode))
            problems.Add($"node-storm: actions other than cordons decided ({string.Join(", ", acted.Where(d => d.Action != ActionKind.CordonNode).Select(d => $"{d.Action} {d.Target}").Distinct())})");
        if (nodeFaults != faultyNodes.Count)
            problems.Add($"node-storm: {nodeFaults} node_fault decisions for {faultyNodes.Count} faulty nodes (findings: {Findings(node)})");

        var uncommitted = _ctx.Uncommitted(topics);
        var (lostDecisions, doubled, summary) = DecisionLedger.Check(writes, decisions, await _ctx.ReadOpenIntentsAsync(topics, cancellationToken));
        var heldBack = string.Join(" ", acted.Where(d => d.Outcome == DecisionOutcome.HeldBack).GroupBy(d => d.Guard ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}"));
        var faults = pods.Count(p => p.Deployment == ServiceStormDeployment) + pods.Count(p => faultyNodes.Contains(p.Node)) + 1;
        _ctx.Report(string.Create(CultureInfo.InvariantCulture,
            $"chaos storm service_storm=[{ServiceStormDeployment}: {pods.Count(p => p.Deployment == ServiceStormDeployment)} of {pods.Count(p => p.Deployment == ServiceStormDeployment)} pods slow, findings {Findings(service)}, actions={serviceActs} writes={WritesIn(ServiceStorm)}]"
            + $" node_storm=[{faultyNodes.Count} of {Nodes} nodes, {pods.Count(p => faultyNodes.Contains(p.Node))} pods slow, findings {Findings(node)}, executed={nodeExecuted} writes={nodeWrites} allowed={allowedCordons} held_back=[{heldBack}]]"
            + $" clean=[decisions={In(Clean).Count}+{In(CleanAfter).Count} writes={WritesIn(Clean) + WritesIn(CleanAfter)}]"
            + $" silent=[{silent.Pod} from minute {ChaosWorkload.ChunkMinutes / 2}: decisions={silentDecisions} writes={WritesIn(GoesSilent) + WritesIn(StaysSilent)}]"
            + $" records={records} uncommitted={uncommitted} {summary} lost_decisions={lostDecisions} doubled={doubled}"));
        return new PhaseResult("storm", faults, records, uncommitted + lostDecisions, doubled, problems);
    }

    private static string Findings(IEnumerable<RemediationDecision> decisions)
    {
        var text = string.Join(",", decisions.GroupBy(d => d.Finding ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}"));
        return text.Length == 0 ? "none" : text;
    }
}
