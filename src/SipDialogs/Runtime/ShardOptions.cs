namespace SipDialogs.Runtime;

/// <summary>
/// How the stack splits its work into shards: each shard owns every Call-ID that hashes to it (its transactions,
/// dialogs and timers) and runs them one at a time, so nothing inside a shard takes a lock.
/// <see cref="Validate"/> refuses nonsensical values at startup.
/// </summary>
public sealed class ShardOptions
{
    /// <summary>
    /// The number of shards; 0 (the default) means twice the processor count, so a shard that is busy with a long
    /// turn leaves others to keep the cores busy, while the shards stay few enough that each keeps a warm cache.
    /// </summary>
    public int ShardCount { get; set; }

    /// <summary>
    /// How many work items one shard's mailbox holds. Default 16,384: at 20,000 messages a second per shard that is
    /// most of a second of backlog, after which arriving messages are dropped and counted rather than queued without
    /// bound (UDP senders retransmit; API callers wait for room instead).
    /// </summary>
    public int MailboxCapacity { get; set; } = 16_384;

    /// <summary>
    /// The Retry-After a request gets with the 503 that answers it when its shard's mailbox is full
    /// (RFC 3261 §21.5.4). Default 5 s: long enough for a burst to drain, short enough not to lose the caller.
    /// </summary>
    public TimeSpan OverloadRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The resolution of each shard's timing wheel. Default 10 ms: fine enough for T1 = 500 ms and the 200 ms
    /// 100 Trying delay, coarse enough that an idle shard wakes only 100 times a second while it has timers.
    /// </summary>
    public TimeSpan TimerTick { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The number of slots of each shard's timing wheel (rounded up to a power of two). Default 1,024: one turn of the
    /// wheel is 10.24 s at the default tick, so a 32 s transaction timer goes round about three times.
    /// </summary>
    public int TimerWheelSlots { get; set; } = 1024;

    /// <summary>
    /// A turn of a shard (one batch of work items) longer than this is logged as a warning, at most every
    /// 10 seconds per shard. Default 100 ms: a handler that blocks that long delays every call on its shard.
    /// </summary>
    public TimeSpan LongTurnThreshold { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The defaults, for callers that configure nothing. Do not mutate it.</summary>
    internal static ShardOptions Default { get; } = new();

    /// <summary>The shard count in effect: <see cref="ShardCount"/>, or twice the processor count when it is 0.</summary>
    internal int EffectiveShardCount => ShardCount > 0 ? ShardCount : Math.Max(1, Environment.ProcessorCount * 2);

    /// <summary>
    /// Checks the options for consistency.
    /// </summary>
    /// <exception cref="InvalidOperationException">A value is out of its range; the message names it.</exception>
    public void Validate()
    {
        if (ShardCount is < 0 or > 4096)
        {
            throw new InvalidOperationException($"{nameof(ShardCount)} must be between 0 (automatic) and 4096; it is {ShardCount}.");
        }

        if (OverloadRetryAfter < TimeSpan.FromSeconds(1) || OverloadRetryAfter > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException($"{nameof(OverloadRetryAfter)} must be between 1 s and 1 h; it is {OverloadRetryAfter}.");
        }

        if (MailboxCapacity is < 16 or > 16_777_216)
        {
            throw new InvalidOperationException($"{nameof(MailboxCapacity)} must be between 16 and 16,777,216; it is {MailboxCapacity}.");
        }

        if (TimerTick < TimeSpan.FromMilliseconds(1) || TimerTick > TimeSpan.FromMilliseconds(100))
        {
            throw new InvalidOperationException($"{nameof(TimerTick)} must be between 1 ms and 100 ms; it is {TimerTick}.");
        }

        if (TimerWheelSlots is < 16 or > 1_048_576)
        {
            throw new InvalidOperationException($"{nameof(TimerWheelSlots)} must be between 16 and 1,048,576; it is {TimerWheelSlots}.");
        }

        if (LongTurnThreshold <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{nameof(LongTurnThreshold)} must be positive; it is {LongTurnThreshold}.");
        }
    }
}
