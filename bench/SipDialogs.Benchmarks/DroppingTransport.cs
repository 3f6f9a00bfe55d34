using SipDialogs.Transport;

namespace SipDialogs.Benchmarks;

/// <summary>For benchmarks only: a transport that accepts every message and drops it.</summary>
internal sealed class DroppingTransport(SipEndPoint udp, SipEndPoint tcp) : ISipTransportLayer
{
    public SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol) => protocol == SipTransportProtocol.Udp ? udp : tcp;

    public SipTransportProtocol SelectRequestProtocol(SipEndPoint target, int messageBytes) => target.Protocol;

    public ValueTask SendRequestAsync(ReadOnlyMemory<byte> message, SipEndPoint target, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SendResponseAsync(ReadOnlyMemory<byte> message, ResponseRoute route, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
