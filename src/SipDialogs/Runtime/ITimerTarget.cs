namespace SipDialogs.Runtime;

/// <summary>
/// What a <see cref="TimingWheel"/> calls when a timer fires: an object that owns several timers tells them apart by
/// the number it scheduled each with, so scheduling allocates no delegate.
/// </summary>
internal interface ITimerTarget
{
    /// <summary>Called on the shard's thread when the timer fires.</summary>
    /// <param name="timer">The number the timer was scheduled with.</param>
    void OnTimer(int timer);
}
