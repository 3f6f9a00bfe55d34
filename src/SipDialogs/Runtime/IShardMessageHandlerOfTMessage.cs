namespace SipDialogs.Runtime;

/// <summary>
/// What a shard hands each message of type <typeparamref name="TMessage"/> to, on the shard's thread (the transaction
/// layer, for the messages the transport receives).
/// </summary>
/// <typeparam name="TMessage">What is posted; the shard holds it as a reference, so posting does not box.</typeparam>
internal interface IShardMessageHandler<in TMessage> : IShardMessageHandler
    where TMessage : class
{
    /// <summary>Handles a message whose key (its Call-ID) this shard owns.</summary>
    /// <param name="shard">The shard, whose thread this is.</param>
    /// <param name="message">The message.</param>
    void OnShardMessage(Shard shard, TMessage message);

    /// <inheritdoc/>
    void IShardMessageHandler.OnShardMessage(Shard shard, object message) => OnShardMessage(shard, (TMessage)message);
}
