using System.Numerics;

namespace SipDialogs.Server;

/// <summary>
/// Counts durations in buckets whose width grows with the value (below 12.8 µs, one per 100 ns tick; above, 64 per
/// power of two, so a bucket is at most 1/64 of its values wide): a fixed 30 KiB however many calls a run makes, and
/// recording is one <see cref="Interlocked"/> increment, from any thread.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Exact = 128;
    private const int PerOctave = 64;
    private readonly long[] _counts = new long[Exact + (62 - 6) * PerOctave];
    private long _total;

    /// <summary>How many durations were recorded.</summary>
    public long Count => Volatile.Read(ref _total);

    /// <summary>Counts one duration.</summary>
    /// <param name="duration">The duration; negative counts as zero.</param>
    public void Record(TimeSpan duration)
    {
        Interlocked.Increment(ref _counts[IndexOf(Math.Max(0, duration.Ticks))]);
        Interlocked.Increment(ref _total);
    }

    /// <summary>The duration below which <paramref name="quantile"/> of the recorded ones fall (the middle of its bucket).</summary>
    /// <param name="quantile">From 0 to 1, e.g. 0.99.</param>
    /// <returns>The duration, or null when nothing was recorded.</returns>
    public TimeSpan? Percentile(double quantile)
    {
        long total = Count;
        if (total == 0)
        {
            return null;
        }

        long rank = Math.Clamp((long)Math.Ceiling(quantile * total), 1, total);
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                (long low, long width) = BoundsOf(i);
                return TimeSpan.FromTicks(low + (width / 2));
            }
        }

        return TimeSpan.FromTicks(BoundsOf(_counts.Length - 1).Low);
    }

    private static int IndexOf(long ticks)
    {
        if (ticks < Exact)
        {
            return (int)ticks;
        }

        int shift = BitOperations.Log2((ulong)ticks) - 6; // ticks >> shift lies in [64, 128)
        return Exact + ((shift - 1) * PerOctave) + (int)((ticks >> shift) - PerOctave);
    }

    private static (long Low, long Width) BoundsOf(int index)
    {
        if (index < Exact)
        {
            return (index, 1);
        }

        int shift = ((index - Exact) / PerOctave) + 1;
        long mantissa = ((index - Exact) % PerOctave) + PerOctave;
        return (mantissa << shift, 1L << shift);
    }
}
