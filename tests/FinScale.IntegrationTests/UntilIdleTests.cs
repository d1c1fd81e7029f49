using System.Diagnostics;
using Confluent.Kafka;
using FinScale.IntegrationTests.Infrastructure;

namespace FinScale.IntegrationTests;

/// <summary>
/// <c>--until-idle</c> (<c>Pipeline:UntilIdle</c>) ends a run once it has read everything, not once it has waited that long:
/// a group join held up longer than the idle time must not end the run before its partitions are read.
/// </summary>
public sealed class UntilIdleTests(EmbeddedClusterFixture cluster) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task Run_WhoseJoinIsHeldUpByAMemberThatStoppedPolling_ReadsEveryRecordBeforeItIdles()
    {
        using var h = await PipelineHarness.CreateAsync(cluster, partitions: 2, avroOnly: true);
        var series = Enumerable.Range(0, 4)
            .Select(i => Workloads.Series("http.server.request.duration.p99", Workloads.PodAttributes($"pod-{i}"), 30, 100, 5, seed: 300 + i))
            .ToArray();
        await h.PublishAsync(Workloads.Merge(series));
        var group = $"group-{Guid.NewGuid():N}";

        // A member that joined the group, owns both partitions, and then stopped polling (a hung consumer). A rebalance
        // needs it to give its partitions up, which it does only by leaving: its client does that once
        // max.poll.interval.ms has passed since its last poll. Until then the pipeline's join cannot complete.
        var config = h.Endpoint.ConsumerConfig(group, "hung");
        config.EnableAutoCommit = false;
        config.MaxPollIntervalMs = 9_000;
        using var hung = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        hung.Subscribe(h.Topics.Metrics);
        var joining = Stopwatch.StartNew();
        while (hung.Assignment.Count < 2)
        {
            Assert.True(joining.Elapsed < TimeSpan.FromSeconds(60), "the hung member never got the partitions");
            hung.Consume(TimeSpan.FromMilliseconds(100));
        }

        // The last poll: from here the member is hung for the 9 s, four times the run's idle time.
        hung.Consume(TimeSpan.Zero);
        var run = Stopwatch.StartNew();
        var stats = await h.RunAsync(group, idle: TimeSpan.FromSeconds(2));

        Assert.Equal(4 * 30, stats.Records);
        Assert.Equal(4 * 30, stats.DetectedPoints);
        Assert.True(run.Elapsed > TimeSpan.FromSeconds(2), $"the run took {run.Elapsed}; it can only have read the records after the hung member left");
    }
}
