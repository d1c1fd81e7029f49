namespace FinScale.Baselining;

/// <summary>Moves values between a shard's state arrays, indexed by dense series id, and the packed batch the kernels run over.</summary>
public static class GatherScatter
{
    /// <summary>Copies source[ids[k]] into destination[k] for every k.</summary>
    public static void Gather(ReadOnlySpan<float> source, ReadOnlySpan<int> ids, Span<float> destination)
    {
        if (destination.Length != ids.Length)
        {
            throw new ArgumentException($"Length {destination.Length} differs from the number of ids, {ids.Length}.", nameof(destination));
        }

        for (int k = 0; k < ids.Length; k++)
        {
            int id = ids[k];
            if ((uint)id >= (uint)source.Length)
            {
                throw OutOfRange(id, source.Length);
            }

            destination[k] = source[id];
        }
    }

    /// <summary>Copies source[k] into destination[ids[k]] for every k; with a repeated id the last write wins.</summary>
    public static void Scatter(ReadOnlySpan<float> source, ReadOnlySpan<int> ids, Span<float> destination)
    {
        if (source.Length != ids.Length)
        {
            throw new ArgumentException($"Length {source.Length} differs from the number of ids, {ids.Length}.", nameof(source));
        }

        // Check every id before writing any, so a bad id cannot leave shard state half-updated.
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)destination.Length)
            {
                throw OutOfRange(id, destination.Length);
            }
        }

        for (int k = 0; k < ids.Length; k++)
        {
            destination[ids[k]] = source[k];
        }
    }

    private static ArgumentOutOfRangeException OutOfRange(int id, int length) =>
        new("ids", id, $"Series id {id} is outside the state arrays, which hold {length} series.");
}
