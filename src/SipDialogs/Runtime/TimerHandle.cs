namespace SipDialogs.Runtime;

/// <summary>
/// A scheduled timer of a <see cref="TimingWheel"/>: the entry it occupies and that entry's generation, so cancelling
/// a timer that has fired, or whose entry now holds another timer, does nothing. The default value is no timer.
/// </summary>
internal readonly record struct TimerHandle
{
    internal TimerHandle(int entry, int generation)
    {
        Entry = entry;
        Generation = generation;
    }

    /// <summary>True when this handle names a timer (which may since have fired or been cancelled).</summary>
    public bool IsSet => Entry != 0;

    /// <summary>The entry index plus one, so that the default handle names nothing.</summary>
    internal int Entry { get; }

    internal int Generation { get; }
}
