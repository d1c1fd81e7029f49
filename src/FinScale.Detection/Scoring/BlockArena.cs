using System.Numerics;
using System.Runtime.CompilerServices;

namespace FinScale.Detection.Scoring;

/// <summary>
/// Small variable-length arrays of <typeparamref name="T"/> (a series' profiles, its calibration trees) carved from a few
/// large slabs, so a million series hold no object each: no object header, no reference to scan, nothing for a
/// background GC to mark per series, and no gen2 holes from outgrown arrays.
/// </summary>
/// <remarks>
/// <para>A block is named by an <see cref="int"/> handle; 0, a field's default, is no block. The owner keeps the block's
/// length beside the handle and passes it back; the arena keeps no header per block. A block never moves, so a span over
/// it stays valid until the block is freed or resized.</para>
/// <para>Room is handed out in granules of 16 bytes, one bit each in a bitmap per slab, so freed neighbours merge by
/// themselves. That matters here: series of one age grow together, and their blocks, allocated one after the other, are
/// freed one after the other, leaving runs long enough for the grown blocks (exact-length free lists would keep every
/// outgrown length idle). Allocation is next-fit: it searches on from the last block handed out, wrapping round once,
/// and takes a new slab only when no slab has a free run long enough; a slab whose free granules are too few, or where a
/// run of that length was already not found since its last free, is skipped without a scan. A block grows in place when
/// the granules after it are free.</para>
/// <para>Slabs start at <see cref="FirstSlabLength"/> elements and double up to <see cref="MaxSlabLength"/> (a small
/// detector stays small). Not thread-safe: one shard, one thread.</para>
/// </remarks>
internal sealed class BlockArena<T>
    where T : unmanaged
{
    private const int OffsetBits = 16;
    private const int MaxSlabLength = 1 << OffsetBits;
    private const int FirstSlabLength = 1024;
    private const int MaxSlabs = int.MaxValue >> OffsetBits;

    /// <summary>Elements per granule: 16 bytes' worth.</summary>
    private static readonly int Granule = Math.Max(1, 16 / Unsafe.SizeOf<T>());

    private T[][] _slabs = new T[4][];
    private ulong[][] _used = new ulong[4][];
    private int[] _freeGranules = new int[4];

    // Per slab, the fewest granules a whole-slab search failed to find since its last free (int.MaxValue: none failed).
    private int[] _failedRun = new int[4];
    private int _slabCount;
    private int _roverSlab;
    private int _roverGranule;

    /// <summary>Creates an arena for blocks of 1 to <paramref name="maxLength"/> elements.</summary>
    public BlockArena(int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, MaxSlabLength);
        MaxLength = maxLength;
    }

    /// <summary>The longest block this arena hands out.</summary>
    public int MaxLength { get; }

    /// <summary>Elements in slabs (in use or free).</summary>
    public long ReservedElements { get; private set; }

    /// <summary>Elements not in any block (freed, or not handed out yet), counted in whole granules.</summary>
    public long FreeElements { get; private set; }

    /// <summary>A new block of <paramref name="length"/> elements, cleared.</summary>
    public int Allocate(int length)
    {
        CheckLength(length);
        var k = Granules(length);
        if (!TryFind(k, out var slab, out var granule))
        {
            slab = AddSlab(k);
            granule = 0;
        }

        Mark(slab, granule, k);
        _roverSlab = slab;
        _roverGranule = granule + k;
        var handle = Handle(slab, granule * Granule);
        Get(handle, k * Granule).Clear();
        return handle;
    }

    /// <summary>Gives block <paramref name="handle"/> of <paramref name="length"/> elements back; 0 is ignored.</summary>
    public void Free(int handle, int length)
    {
        if (handle == 0)
            return;
        CheckLength(length);
        var (slab, granule) = Locate(handle);
        Unmark(slab, granule, Granules(length));
    }

    /// <summary>The elements of block <paramref name="handle"/>, which is <paramref name="length"/> long.</summary>
    public Span<T> Get(int handle, int length)
    {
        var h = handle - 1;
        return _slabs[h >> OffsetBits].AsSpan(h & (MaxSlabLength - 1), length);
    }

    /// <summary>The block resized to <paramref name="length"/> elements: its first elements kept, the rest cleared. In place
    /// when it shrinks or the room after it is free, else a new block (and the old one freed). 0 is no block yet.</summary>
    public int Resize(int handle, int oldLength, int length)
    {
        CheckLength(length);
        if (handle == 0)
            return Allocate(length);
        CheckLength(oldLength);
        var (slab, granule) = Locate(handle);
        int had = Granules(oldLength), need = Granules(length);
        if (need <= had || RunIsFree(slab, granule + had, need - had))
        {
            if (need < had)
                Unmark(slab, granule + need, had - need);
            else if (need > had)
                Mark(slab, granule + had, need - had);
            if (length > oldLength)
                Get(handle, length)[oldLength..].Clear();
            return handle;
        }

        var moved = Allocate(length);
        Get(handle, Math.Min(oldLength, length)).CopyTo(Get(moved, length));
        Free(handle, oldLength);
        return moved;
    }

    private static int Granules(int length) => (length + Granule - 1) / Granule;

    private void CheckLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
    }

    private static (int Slab, int Granule) Locate(int handle)
    {
        var h = handle - 1;
        return (h >> OffsetBits, (h & (MaxSlabLength - 1)) / Granule);
    }

    private static int Handle(int slab, int offset) => ((slab << OffsetBits) | offset) + 1;

    private int SlabGranules(int slab) => _slabs[slab].Length / Granule;

    /// <summary>Next-fit: the rest of the rover's slab, then every other slab from its start, then the rover's slab from its start.</summary>
    private bool TryFind(int k, out int slab, out int granule)
    {
        slab = granule = 0;
        if (_slabCount == 0)
            return false;
        if (TryFindIn(_roverSlab, _roverGranule, SlabGranules(_roverSlab), k, out granule))
        {
            slab = _roverSlab;
            return true;
        }

        for (var i = 1; i <= _slabCount; i++)
        {
            var s = (_roverSlab + i) % _slabCount;
            if (_freeGranules[s] < k || k >= _failedRun[s])
                continue;
            if (TryFindIn(s, 0, SlabGranules(s), k, out granule))
            {
                slab = s;
                return true;
            }

            _failedRun[s] = k;
        }

        return false;
    }

    /// <summary>The first run of <paramref name="k"/> free granules in [<paramref name="from"/>, <paramref name="to"/>) of a slab.</summary>
    private bool TryFindIn(int slab, int from, int to, int k, out int granule)
    {
        granule = 0;
        if (_freeGranules[slab] < k)
            return false;
        var used = _used[slab];
        var run = 0;
        var g = from;
        while (g < to)
        {
            var word = used[g >> 6] >> (g & 63);
            var inWord = Math.Min(64 - (g & 63), to - g);
            if (word == 0)
            {
                // The rest of this word is free.
                run += inWord;
                g += inWord;
            }
            else
            {
                var free = BitOperations.TrailingZeroCount(word);
                if (free >= inWord)
                {
                    run += inWord;
                    g += inWord;
                }
                else
                {
                    run += free;
                    g += free;
                    if (run >= k)
                        break;

                    // Skip the used granules that follow.
                    var usedRun = BitOperations.TrailingZeroCount(~(word >> free));
                    g += Math.Min(usedRun, 64 - (g & 63));
                    run = 0;
                    continue;
                }
            }

            if (run >= k)
                break;
        }

        if (run < k)
            return false;
        granule = g - run;
        return true;
    }

    private bool RunIsFree(int slab, int granule, int k)
    {
        if (granule + k > SlabGranules(slab))
            return false;
        var used = _used[slab];
        for (var g = granule; g < granule + k; g++)
        {
            if ((used[g >> 6] & (1UL << (g & 63))) != 0)
                return false;
        }

        return true;
    }

    private void Mark(int slab, int granule, int k)
    {
        var used = _used[slab];
        for (var g = granule; g < granule + k; g++)
            used[g >> 6] |= 1UL << (g & 63);
        _freeGranules[slab] -= k;
        FreeElements -= (long)k * Granule;
    }

    private void Unmark(int slab, int granule, int k)
    {
        var used = _used[slab];
        for (var g = granule; g < granule + k; g++)
            used[g >> 6] &= ~(1UL << (g & 63));
        _freeGranules[slab] += k;
        _failedRun[slab] = int.MaxValue;
        FreeElements += (long)k * Granule;
    }

    private int AddSlab(int k)
    {
        if (_slabCount == MaxSlabs)
            throw new InvalidOperationException($"block arena full: {MaxSlabs} slabs of {MaxSlabLength} elements");
        var length = _slabCount == 0 ? FirstSlabLength : Math.Min(MaxSlabLength, 2 * _slabs[_slabCount - 1].Length);
        length = Math.Max(length, k * Granule);
        length = length / Granule * Granule;
        if (_slabCount == _slabs.Length)
        {
            var n = 2 * _slabs.Length;
            Array.Resize(ref _slabs, n);
            Array.Resize(ref _used, n);
            Array.Resize(ref _freeGranules, n);
            Array.Resize(ref _failedRun, n);
        }

        var slab = _slabCount++;
        _slabs[slab] = new T[length];
        _used[slab] = new ulong[((length / Granule) + 63) / 64];
        _freeGranules[slab] = length / Granule;
        _failedRun[slab] = int.MaxValue;
        ReservedElements += length;
        FreeElements += length / Granule * Granule;
        return slab;
    }
}
