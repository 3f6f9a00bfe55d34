using System.Threading.Channels;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

/// <summary>Collects what a transport hands on, for a test to await message by message.</summary>
internal sealed class TestSink : ISipMessageSink
{
    private readonly Channel<InboundMessage> _messages = Channel.CreateUnbounded<InboundMessage>();

    public void OnMessage(InboundMessage message) => _messages.Writer.TryWrite(message);

    /// <summary>The next message, or a TimeoutException after <see cref="Loopback.Timeout"/>.</summary>
    public async Task<InboundMessage> NextAsync() =>
        await _messages.Reader.ReadAsync().AsTask().WaitAsync(Loopback.Timeout);

    /// <summary>True when nothing is waiting to be read.</summary>
    public bool IsEmpty => !_messages.Reader.TryPeek(out _);
}
