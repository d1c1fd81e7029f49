using System.Diagnostics;
using System.Globalization;

namespace FinScale.Host.Loadgen;

/// <summary>
/// Simulates services × pods serving HTTP requests and exports their telemetry with the OpenTelemetry SDK: per pod a
/// request duration histogram, a request counter and a CPU gauge, and a server span per request. Service <c>i</c> calls
/// service <c>i+1</c> on a share of its requests (client span → server span in the callee's pod, one trace), so a
/// service graph forms. With the <c>pod-latency</c> incident, one pod of the second service is 8× slower after the
/// warm-up, for the incident length: its callers' latency rises with it, which is what diagnosis has to see through.
/// </summary>
internal sealed class LoadGenerator : IDisposable
{
    /// <summary>How much slower the incident's pod gets.</summary>
    public const double IncidentLatencyFactor = 8;

    /// <summary>The namespace every simulated workload runs in.</summary>
    public const string Namespace = "shop";

    private const string Version = "1.4.2";
    private const double DownstreamShare = 0.3;
    private const double ErrorShare = 0.005;
    private static readonly string[] ServiceNames = ["frontend", "checkout", "payments", "inventory", "shipping", "catalog", "cart", "auth"];
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly LoadgenSettings _settings;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly SimulatedPod[][] _pods;
    private readonly double[] _carry;

    public LoadGenerator(LoadgenSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        _random = new Random(settings.Seed);
        _pods = new SimulatedPod[settings.Services][];
        var index = 0;
        for (var s = 0; s < settings.Services; s++)
        {
            var service = s < ServiceNames.Length ? ServiceNames[s] : "svc-" + s.ToString(CultureInfo.InvariantCulture);
            var replicaSet = Suffix(9, "bcdfghjklmnpqrstvwxz2456789");
            _pods[s] = new SimulatedPod[settings.PodsPerService];
            for (var p = 0; p < settings.PodsPerService; p++, index++)
            {
                var pod = $"{service}-{replicaSet}-{Suffix(5, "bcdfghjklmnpqrstvwxz2456789")}";
                var node = "node-" + ((index % 3) + 1).ToString(CultureInfo.InvariantCulture);
                _pods[s][p] = new SimulatedPod(service, Version, Namespace, pod, node, settings);
            }
        }

        _carry = new double[settings.Services * settings.PodsPerService];
    }

    /// <summary>Requests simulated so far.</summary>
    public long Requests { get; private set; }

    /// <summary>Spans recorded so far.</summary>
    public long Spans { get; private set; }

    /// <summary>All simulated pods.</summary>
    public IEnumerable<SimulatedPod> Pods => _pods.SelectMany(p => p);

    /// <summary>The pod the <c>pod-latency</c> incident slows down: the first pod of the second service (the first when there is one).</summary>
    public SimulatedPod IncidentPod => _pods[Math.Min(1, _pods.Length - 1)][0];

    private bool IncidentEnabled => string.Equals(_settings.Incident, "pod-latency", StringComparison.Ordinal);

    /// <summary>Generates traffic until <see cref="LoadgenSettings.Duration"/> has passed or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(Action<string> log, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var last = started;
        var incidentState = 0; // 0 before, 1 during, 2 after
        using var timer = new PeriodicTimer(Tick, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = _time.GetUtcNow();
                var elapsed = now - started;
                var inIncident = IncidentEnabled && elapsed >= _settings.WarmUp && elapsed < _settings.WarmUp + _settings.IncidentLength;
                var state = !IncidentEnabled || elapsed < _settings.WarmUp ? 0 : inIncident ? 1 : 2;
                if (state != incidentState)
                {
                    incidentState = state;
                    log(state == 1
                        ? $"incident pod-latency: {Namespace}/{IncidentPod.Name} is {IncidentLatencyFactor}x slower for {_settings.IncidentLength}"
                        : $"incident pod-latency over: {Namespace}/{IncidentPod.Name} recovered");
                }

                Step(now, (now - last).TotalSeconds, inIncident);
                last = now;
                if (_settings.Duration is { } duration && elapsed >= duration)
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted: the caller flushes what was recorded.
        }
    }

    /// <summary>Simulates the requests of <paramref name="seconds"/> ending at <paramref name="now"/>.</summary>
    private void Step(DateTimeOffset now, double seconds, bool inIncident)
    {
        var slot = 0;
        for (var s = 0; s < _pods.Length; s++)
        {
            foreach (var pod in _pods[s])
            {
                _carry[slot] += _settings.RatePerPod * seconds;
                var count = (int)_carry[slot];
                _carry[slot] -= count;
                slot++;
                var slow = inIncident && ReferenceEquals(pod, IncidentPod) ? IncidentLatencyFactor : 1;
                double busy = 0;
                for (var i = 0; i < count; i++)
                    busy += Request(s, pod, now.AddMilliseconds(-_random.NextDouble() * seconds * 1000), inIncident);
                // CPU follows the work done: a slow pod burns more per request.
                var cpu = 0.08 + (0.004 * count / Math.Max(seconds, 1e-3) * slow) + (0.02 * _random.NextDouble()) + (0.05 * busy / Math.Max(seconds, 1e-3));
                pod.SetCpu(Math.Min(1, cpu));
            }
        }
    }

    /// <summary>One request to <paramref name="pod"/> ending at <paramref name="end"/>; returns its duration in seconds.</summary>
    private double Request(int service, SimulatedPod pod, DateTimeOffset end, bool inIncident)
    {
        Activity.Current = null; // every request is a new trace
        var status = _random.NextDouble() < ErrorShare ? 500 : 200;
        var own = Latency(service, pod, inIncident);
        var callsDownstream = service + 1 < _pods.Length && _random.NextDouble() < DownstreamShare;
        if (!callsDownstream)
        {
            pod.ServerSpan(default, end.AddSeconds(-own), end, status);
            pod.RecordRequest(own, status);
            Requests++;
            Spans++;
            return own;
        }

        var callee = _pods[service + 1][_random.Next(_pods[service + 1].Length)];
        var downstream = Latency(service + 1, callee, inIncident);
        var network = 0.0005 + (0.001 * _random.NextDouble());
        var total = own + downstream + (2 * network);
        var start = end.AddSeconds(-total);
        var calleeStatus = _random.NextDouble() < ErrorShare ? 500 : 200;
        if (calleeStatus >= 500)
            status = 500;

        using (var server = pod.StartServerSpan(start))
        {
            var clientStart = start.AddSeconds(own / 2);
            var clientEnd = clientStart.AddSeconds(downstream + (2 * network));
            var client = pod.ClientSpan(server?.Context ?? default, callee, clientStart, clientEnd, calleeStatus);
            callee.ServerSpan(client, clientStart.AddSeconds(network), clientEnd.AddSeconds(-network), calleeStatus);
            server?.SetTag("http.response.status_code", status);
            if (status >= 500)
                server?.SetStatus(ActivityStatusCode.Error);
            server?.SetEndTime(end.UtcDateTime);
        }

        pod.RecordRequest(total, status);
        callee.RecordRequest(downstream, calleeStatus);
        Requests += 2;
        Spans += 3;
        Activity.Current = null;
        return total;
    }

    /// <summary>Log-normal service time: a median that grows along the call chain, ×8 on the incident's pod during it.</summary>
    private double Latency(int service, SimulatedPod pod, bool inIncident)
    {
        var median = 0.02 * (1 + (0.5 * service));
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        var latency = median * Math.Exp(0.35 * normal);
        return inIncident && ReferenceEquals(pod, IncidentPod) ? latency * IncidentLatencyFactor : latency;
    }

    private string Suffix(int length, string alphabet) =>
        string.Create(length, (this, alphabet), static (span, state) =>
        {
            for (var i = 0; i < span.Length; i++)
                span[i] = state.alphabet[state.Item1._random.Next(state.alphabet.Length)];
        });

    /// <summary>Exports what every pod still buffers, all pods at once, each waiting at most <paramref name="timeout"/>.</summary>
    public void Flush(TimeSpan timeout) => Parallel.ForEach(Pods, pod => pod.Shutdown(timeout));

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var pod in Pods)
            pod.Dispose();
    }
}
