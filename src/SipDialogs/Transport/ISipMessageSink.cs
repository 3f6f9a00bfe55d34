namespace SipDialogs.Transport;

/// <summary>
/// Where the transports hand every message that parsed: the next layer up, which posts it to the shard that owns its
/// Call-ID (see the concurrency model). Called on the receive loop's thread, once per message.
/// </summary>
internal interface ISipMessageSink
{
    /// <summary>
    /// Takes one received message. Must return quickly and not block: the receive loop that calls it reads nothing
    /// else meanwhile. An exception is caught, logged and counted by the transport, and the loop carries on.
    /// </summary>
    /// <param name="message">The message, where it came from and where it arrived.</param>
    void OnMessage(InboundMessage message);
}
