namespace SipDialogs.Runtime;

/// <summary>
/// What a shard delivers a posted message to, on the shard's thread. The shard does not know what a message is (the
/// runtime knows no transport type): it calls this untyped entry, which <see cref="IShardMessageHandler{TMessage}"/>
/// implements by casting back to the type that was posted.
/// </summary>
internal interface IShardMessageHandler
{
    /// <summary>Handles a message posted with <see cref="Shard.TryPostMessage{TMessage}"/>.</summary>
    /// <param name="shard">The shard, whose thread this is.</param>
    /// <param name="message">The message, of the type the handler was posted with.</param>
    void OnShardMessage(Shard shard, object message);
}
