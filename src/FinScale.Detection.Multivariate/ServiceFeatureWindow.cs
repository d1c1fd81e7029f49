using FinScale.Contracts;

namespace FinScale.Detection.Multivariate;

/// <summary>
/// Assembles, per group (a service, or a pod) and per event-time step, one feature vector from the latest values of the
/// series that feed each feature (<see cref="MultivariateOptions.Roles"/>). A step's vector is assembled once the group's
/// watermark passes the step's end plus <see cref="MultivariateOptions.AllowedLateness"/>: per feature, each series keeps
/// its latest value in the step and the series combine by the feature's aggregation. A feature no series fed is imputed
/// with its last value; a step missing more than <see cref="MultivariateOptions.MaxMissingFeatures"/> features, or
/// missing one never seen, is skipped and counted. Driven by event time only. Not thread-safe: one per stage.
/// </summary>
public sealed class ServiceFeatureWindow
{
    /// <summary>Metric name of the group keys (<c>finscale.multivariate{service.name="checkout"}</c>).</summary>
    public const string GroupMetric = "finscale.multivariate";

    private readonly MultivariateOptions _options;
    private readonly FeatureRole[] _roles;
    private readonly string[] _groupBy;
    private readonly string[] _exclude;
    private readonly long _stepMs;
    private readonly long _latenessMs;
    private readonly Dictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<SeriesKey, Group> _groupsByKey = [];

    /// <summary>Groups in creation order, so a flush is deterministic.</summary>
    private readonly List<Group> _groups = [];

    /// <summary>Creates a window with the given tuning.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ServiceFeatureWindow(MultivariateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        _roles = [.. options.Roles()];
        _groupBy = [.. options.GroupByList];
        _exclude = [.. options.ExcludeSeriesWithList];
        _stepMs = (long)options.Step.TotalMilliseconds;
        _latenessMs = (long)options.AllowedLateness.TotalMilliseconds;
        FeatureNames = Array.AsReadOnly(_roles.Select(r => r.Name).ToArray());
    }

    /// <summary>The features' names, in vector order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Feature series tracked (bounded by <see cref="MultivariateOptions.MaxSeries"/>).</summary>
    public int TrackedSeries => _routes.Count;

    /// <summary>Groups tracked (bounded by <see cref="MultivariateOptions.MaxGroups"/>).</summary>
    public int GroupCount => _groups.Count;

    /// <summary>Steps taking points, over all groups (at most a few per group: the current step and those still within the lateness).</summary>
    public int OpenSteps => _groups.Sum(g => g.Open.Count);

    /// <summary>Vectors assembled.</summary>
    public long AssembledVectors { get; private set; }

    /// <summary>Steps skipped because too many features were missing, or one had never been seen.</summary>
    public long SkippedVectors { get; private set; }

    /// <summary>Feature values imputed with the feature's last value.</summary>
    public long ImputedValues { get; private set; }

    /// <summary>Points dropped because their step had already been assembled.</summary>
    public long LatePoints { get; private set; }

    /// <summary>Points dropped because their value is NaN or infinite.</summary>
    public long NonFinitePoints { get; private set; }

    /// <summary>Feature series left out because they lack a group-by attribute.</summary>
    public long UngroupedSeries { get; private set; }

    /// <summary>Feature series left out because they carry an attribute of <see cref="MultivariateOptions.ExcludeSeriesWith"/>.</summary>
    public long ExcludedSeries { get; private set; }

    /// <summary>Feature series left out because their key text is not a canonical series key.</summary>
    public long InvalidSeries { get; private set; }

    /// <summary>Points of new feature series refused because <see cref="MultivariateOptions.MaxSeries"/> or <see cref="MultivariateOptions.MaxGroups"/> was reached.</summary>
    public long RefusedPoints { get; private set; }

    /// <summary>
    /// Takes one point of a series (<see cref="SeriesKey.Text"/>, event time in Unix ms) and appends the vectors of the
    /// steps it closes, in step order. Points of series that feed no feature are ignored at the cost of a pattern match.
    /// </summary>
    public void Observe(string seriesKey, long eventTimeMs, double value, List<FeatureVector> closed)
    {
        ArgumentNullException.ThrowIfNull(seriesKey);
        ArgumentNullException.ThrowIfNull(closed);
        if (!_routes.TryGetValue(seriesKey, out var route) && !TryResolve(seriesKey, out route))
            return;
        if (route.Group is not { } group)
            return;
        if (!double.IsFinite(value))
        {
            NonFinitePoints++;
            return;
        }

        var step = FloorDiv(eventTimeMs, _stepMs);
        if (step <= group.LastClosedStep)
        {
            // Its vector is out already; taking the point now would rewrite history.
            LatePoints++;
            return;
        }

        var bucket = BucketOf(group, step);
        var m = route.Member;
        bucket.Ensure(group.MemberRoles.Count);
        if (!bucket.Present[m] || eventTimeMs >= bucket.Times[m])
        {
            bucket.Present[m] = true;
            bucket.Times[m] = eventTimeMs;
            bucket.Values[m] = value;
        }

        if (eventTimeMs > group.WatermarkMs)
        {
            group.WatermarkMs = eventTimeMs;
            while (group.Open.Count > 0 && ((group.Open[0].Step + 1) * _stepMs) + _latenessMs <= group.WatermarkMs)
                Close(group, closed);
        }
    }

    /// <summary>Assembles every step still open (end of input), appending the vectors in group then step order.</summary>
    public void Flush(List<FeatureVector> closed)
    {
        ArgumentNullException.ThrowIfNull(closed);
        foreach (var group in _groups)
        {
            while (group.Open.Count > 0)
                Close(group, closed);
        }
    }

    private static long FloorDiv(long a, long b) => (a / b) - (((a % b) != 0 && ((a < 0) != (b < 0))) ? 1 : 0);

    private static Bucket BucketOf(Group group, long step)
    {
        var open = group.Open;
        var i = open.Count - 1;
        while (i >= 0 && open[i].Step > step)
            i--;
        if (i >= 0 && open[i].Step == step)
            return open[i];
        var bucket = group.Free.Count > 0 ? group.Free.Pop() : new Bucket();
        bucket.Reset(step, group.MemberRoles.Count);
        open.Insert(i + 1, bucket);
        return bucket;
    }

    private bool TryResolve(string seriesKey, out Route route)
    {
        route = default;
        var open = seriesKey.IndexOf('{', StringComparison.Ordinal);
        var metric = open < 0 ? seriesKey.AsSpan() : seriesKey.AsSpan(0, open);
        var role = -1;
        for (var r = 0; r < _roles.Length && role < 0; r++)
        {
            if (_roles[r].Matches(metric))
                role = r;
        }

        if (role < 0)
            return false; // most series feed no feature: not cached, so they cost no memory
        if (_routes.Count >= _options.MaxSeries)
        {
            RefusedPoints++;
            return false;
        }

        SeriesKey key;
        try
        {
            key = SeriesKey.Parse(seriesKey);
        }
        catch (FormatException)
        {
            InvalidSeries++;
            _routes[seriesKey] = route;
            return true;
        }

        if (_exclude.Any(a => key.Attribute(a) is not null))
        {
            ExcludedSeries++;
            _routes[seriesKey] = route;
            return true;
        }

        var attributes = new Dictionary<string, string>(_groupBy.Length, StringComparer.Ordinal);
        foreach (var a in _groupBy)
        {
            if (key.Attribute(a) is not { } v)
            {
                UngroupedSeries++;
                _routes[seriesKey] = route;
                return true;
            }

            attributes[a] = v;
        }

        var groupKey = SeriesKey.Create(GroupMetric, attributes);
        if (!_groupsByKey.TryGetValue(groupKey, out var group))
        {
            if (_groups.Count >= _options.MaxGroups)
            {
                RefusedPoints++;
                return false;
            }

            group = new Group(groupKey, _roles.Length);
            _groupsByKey.Add(groupKey, group);
            _groups.Add(group);
        }

        route = new Route(group, group.MemberRoles.Count);
        group.MemberRoles.Add(role);
        _routes[seriesKey] = route;
        return true;
    }

    private void Close(Group group, List<FeatureVector> closed)
    {
        var bucket = group.Open[0];
        group.Open.RemoveAt(0);
        group.LastClosedStep = bucket.Step;
        bucket.Ensure(group.MemberRoles.Count);

        var values = new double[_roles.Length];
        var imputed = new bool[_roles.Length];
        var missing = 0;
        var unavailable = false;
        for (var r = 0; r < _roles.Length; r++)
        {
            if (Aggregate(group, bucket, r, _roles[r].Aggregation) is { } v)
            {
                values[r] = v;
                group.Last[r] = v;
                group.HasLast[r] = true;
            }
            else
            {
                missing++;
                imputed[r] = true;
                values[r] = group.Last[r];
                unavailable |= !group.HasLast[r];
            }
        }

        group.Free.Push(bucket);
        if (unavailable || missing > _options.MaxMissingFeatures)
        {
            SkippedVectors++;
            return;
        }

        ImputedValues += missing;
        AssembledVectors++;
        closed.Add(new FeatureVector(group.Key, bucket.Step * _stepMs, values, imputed));
    }

    private static double? Aggregate(Group group, Bucket bucket, int role, RoleAggregation aggregation)
    {
        var n = 0;
        double acc = 0;
        long latest = long.MinValue;
        for (var m = 0; m < group.MemberRoles.Count; m++)
        {
            if (group.MemberRoles[m] != role || !bucket.Present[m])
                continue;
            var v = bucket.Values[m];
            acc = n == 0 ? v : aggregation switch
            {
                RoleAggregation.Sum or RoleAggregation.Mean => acc + v,
                RoleAggregation.Max => Math.Max(acc, v),
                RoleAggregation.Min => Math.Min(acc, v),
                _ => bucket.Times[m] > latest ? v : acc,
            };
            latest = Math.Max(latest, bucket.Times[m]);
            n++;
        }

        if (n == 0)
            return null;
        return aggregation == RoleAggregation.Mean ? acc / n : acc;
    }

    /// <summary>Where a feature series' points go; a null group means the series is left out.</summary>
    private readonly record struct Route(Group? Group, int Member);

    private sealed class Group(SeriesKey key, int roles)
    {
        public SeriesKey Key { get; } = key;

        /// <summary>The feature of each member series, by member index.</summary>
        public List<int> MemberRoles { get; } = [];

        /// <summary>Steps still taking points, ascending.</summary>
        public List<Bucket> Open { get; } = [];

        /// <summary>Closed buckets kept for reuse.</summary>
        public Stack<Bucket> Free { get; } = new();

        public long LastClosedStep { get; set; } = long.MinValue;

        public long WatermarkMs { get; set; } = long.MinValue;

        public double[] Last { get; } = new double[roles];

        public bool[] HasLast { get; } = new bool[roles];
    }

    /// <summary>One step of one group: per member series, its latest value in the step.</summary>
    private sealed class Bucket
    {
        public long Step { get; private set; }

        public double[] Values { get; private set; } = [];

        public long[] Times { get; private set; } = [];

        public bool[] Present { get; private set; } = [];

        public void Reset(long step, int members)
        {
            Step = step;
            Ensure(members);
            Array.Clear(Present);
        }

        public void Ensure(int members)
        {
            if (Present.Length >= members)
                return;
            var n = Math.Max(members, Present.Length * 2);
            var values = Values;
            var times = Times;
            var present = Present;
            Array.Resize(ref values, n);
            Array.Resize(ref times, n);
            Array.Resize(ref present, n);
            Values = values;
            Times = times;
            Present = present;
        }
    }
}
