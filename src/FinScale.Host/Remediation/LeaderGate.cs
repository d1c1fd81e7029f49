using FinScale.Kubernetes.LeaderElection;

namespace FinScale.Host.Remediation;

/// <summary>
/// Active/passive replicas: the pipeline runs only while this replica holds the leader lease. A standby waits; a leader
/// that loses the lease stops its pipeline (which drains, commits what was fully processed and leaves the group) and
/// waits to lead again, so one replica at a time consumes, decides and acts, and the guards' limits hold across replicas.
/// </summary>
internal static class LeaderGate
{
    /// <summary>
    /// Runs <paramref name="body"/> whenever this replica leads, cancelling it when leadership is lost, until
    /// <paramref name="stop"/> is cancelled or <paramref name="body"/> returns while still leading (e.g. idle).
    /// </summary>
    public static async Task RunWhileLeadingAsync(ILeadership leadership, Func<CancellationToken, Task> body, Action<string>? log, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(leadership);
        ArgumentNullException.ThrowIfNull(body);
        while (!stop.IsCancellationRequested)
        {
            await WaitForLeadershipAsync(leadership, stop);
            log?.Invoke($"{leadership.Identity} leads: consuming");

            using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
            void OnChange(bool leading)
            {
                if (!leading)
                    lost.Cancel();
            }

            leadership.LeadershipChanged += OnChange;
            try
            {
                if (!leadership.IsLeader)
                    continue;
                await body(lost.Token);
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested && !stop.IsCancellationRequested)
            {
                // Leadership lost mid-run: the body stopped; wait to lead again.
            }
            finally
            {
                leadership.LeadershipChanged -= OnChange;
            }

            if (!lost.IsCancellationRequested)
                return; // the body finished on its own while leading
            if (!stop.IsCancellationRequested)
                log?.Invoke($"{leadership.Identity} lost the lease: stopped consuming, standing by");
        }
    }

    private static async Task WaitForLeadershipAsync(ILeadership leadership, CancellationToken stop)
    {
        var leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChange(bool now)
        {
            if (now)
                leading.TrySetResult();
        }

        leadership.LeadershipChanged += OnChange;
        try
        {
            if (leadership.IsLeader)
                return;
            await leading.Task.WaitAsync(stop);
        }
        finally
        {
            leadership.LeadershipChanged -= OnChange;
        }
    }
}
