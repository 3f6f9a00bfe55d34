using SipDialogs.Transport;

namespace SipDialogs.Runtime;

/// <summary>What a shard hands each received message to, on the shard's thread (the transaction layer).</summary>
internal interface IShardMessageHandler
{
    /// <summary>Handles a message whose Call-ID this shard owns.</summary>
    /// <param name="shard">The shard, whose thread this is.</param>
    /// <param name="message">The message.</param>
    void OnShardMessage(Shard shard, InboundMessage message);
}
