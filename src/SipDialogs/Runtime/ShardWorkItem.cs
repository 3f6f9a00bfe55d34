namespace SipDialogs.Runtime;

/// <summary>
/// One entry of a shard's mailbox: a kind and two references, so that posting a received message or a callback
/// allocates nothing beyond the message itself (no closure, no boxing).
/// </summary>
internal readonly struct ShardWorkItem
{
    private ShardWorkItem(ShardWorkKind kind, object? target, object? state)
    {
        Kind = kind;
        Target = target;
        State = state;
    }

    /// <summary>What to do.</summary>
    public ShardWorkKind Kind { get; }

    /// <summary>The handler, action or call.</summary>
    public object? Target { get; }

    /// <summary>The message or the action's argument.</summary>
    public object? State { get; }

    /// <summary>A received message for <paramref name="handler"/>, which knows its type.</summary>
    public static ShardWorkItem ForMessage(IShardMessageHandler handler, object message) => new(ShardWorkKind.Message, handler, message);

    /// <summary>A timing-wheel tick.</summary>
    public static ShardWorkItem ForTimerTick() => new(ShardWorkKind.TimerTick, null, null);

    /// <summary>A fire-and-forget callback.</summary>
    public static ShardWorkItem ForCallback(Action<object?> callback, object? state) => new(ShardWorkKind.Callback, callback, state);

    /// <summary>A call whose caller awaits it.</summary>
    public static ShardWorkItem ForCall(ShardCall call) => new(ShardWorkKind.Call, call, null);
}
