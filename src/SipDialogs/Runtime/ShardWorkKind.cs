namespace SipDialogs.Runtime;

/// <summary>What a <see cref="ShardWorkItem"/> asks its shard to do.</summary>
internal enum ShardWorkKind : byte
{
    /// <summary>Nothing (the default value).</summary>
    None = 0,

    /// <summary>Deliver a received message to an <see cref="IShardMessageHandler"/>.</summary>
    Message = 1,

    /// <summary>Advance the timing wheel to the clock and fire what is due.</summary>
    TimerTick = 2,

    /// <summary>Call an <see cref="Action{T}"/> with a state object (fire and forget).</summary>
    Callback = 3,

    /// <summary>Run a <see cref="ShardCall"/>, which completes the caller's task.</summary>
    Call = 4,
}
