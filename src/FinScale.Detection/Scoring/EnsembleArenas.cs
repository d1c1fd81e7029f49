namespace FinScale.Detection.Scoring;

/// <summary>
/// Where a set of <see cref="EnsembleState"/>s keep their variable-length parts: the profiles' buckets and the calibration
/// trees. One per <see cref="ShardDetector"/> (or <see cref="EnsembleScorer"/>); a state is only ever used with the arenas
/// it was created in.
/// </summary>
internal sealed class EnsembleArenas
{
    /// <summary>The most buckets a profile may have under <see cref="EnsembleOptions"/>' validation.</summary>
    private const int MostBuckets = 2016;

    /// <summary>Creates arenas for profiles of up to <paramref name="options"/>' bucket counts (at least the validated maximum).</summary>
    public EnsembleArenas(EnsembleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Profiles = new BlockArena<short>(Math.Max(MostBuckets, Math.Max(options.DailyBuckets, options.WeeklyBuckets)));
    }

    /// <summary>Profiles: a 16-bit <see cref="CodedProfile"/> code per bucket.</summary>
    public BlockArena<short> Profiles { get; }

    /// <summary>Calibration trees (the three families' trees of one series in one block).</summary>
    public BlockArena<ushort> Trees { get; } = new(EnsembleState.MostTreeBins);

    /// <summary>Bytes held in slabs, in use or free.</summary>
    public long ReservedBytes => (Profiles.ReservedElements * sizeof(short)) + (Trees.ReservedElements * sizeof(ushort));

    /// <summary>Bytes of the slabs in no block (freed, or not handed out yet).</summary>
    public long FreeBytes => (Profiles.FreeElements * sizeof(short)) + (Trees.FreeElements * sizeof(ushort));

}
