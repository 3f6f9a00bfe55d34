using System.Collections.Concurrent;
using System.Net;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Coyote.Tests.Transactions;

/// <summary>A transport that sends nothing and records every response it was given, in order.</summary>
internal sealed class Wire : ISipTransportLayer
{
    private readonly ConcurrentQueue<SipResponse> _responses = new();

    /// <summary>The responses sent so far, in order.</summary>
    public SipResponse[] Responses => [.. _responses];

    /// <summary>The status codes of the responses to <paramref name="method"/>, in order.</summary>
    public int[] StatusesOf(string method) => [.. _responses.Where(r => r.CSeqMethod == method).Select(static r => r.StatusCode)];

    public SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol) =>
        new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 5060));

    public SipTransportProtocol SelectRequestProtocol(SipEndPoint target, int messageBytes) => target.Protocol;

    public ValueTask SendRequestAsync(ReadOnlyMemory<byte> message, SipEndPoint target, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SendResponseAsync(ReadOnlyMemory<byte> message, ResponseRoute route, CancellationToken cancellationToken)
    {
        Assert.True(SipMessageParser.TryParseResponse(message.ToArray(), out SipResponse? response, out _));
        _responses.Enqueue(response!);
        return ValueTask.CompletedTask;
    }
}
