using System.Net;
using System.Net.Sockets;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

/// <summary>RFC 3261 §18.2.2 and RFC 3581: where responses go.</summary>
public class ResponseRoutingTests
{
    [Fact]
    public async Task ResponseToRequestWithRportGoesToTheSourcePortNotTheViaPort()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket client = Loopback.UdpClient();

        // The Via names port 9 (nothing there): behind a NAT the client cannot know its public port.
        await client.SendToAsync(TestSipMessages.Request(via: "SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-r1;rport"), server);
        InboundMessage request = await sink.NextAsync();
        byte[] response = ViaReceivedParameters.ResponseTo(request, 200).ToArray();
        await layer.SendResponseAsync(response, request.Message.Via[0], request, CancellationToken.None);

        string answer = await Loopback.ReceiveTextAsync(client);
        Assert.StartsWith("SIP/2.0 200 OK\r\n", answer, StringComparison.Ordinal);
        Assert.Contains($"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-r1;rport={Loopback.LocalOf(client).Port};received=127.0.0.1\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponseGoesToTheReceivedAddressAndTheViaPortWhenSentByDiffersFromTheSource()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket client = Loopback.UdpClient();
        int port = Loopback.LocalOf(client).Port;

        // sent-by names an address the packet did not come from: the response goes to the source address.
        await client.SendToAsync(TestSipMessages.Request(via: $"SIP/2.0/UDP 192.0.2.7:{port};branch=z9hG4bK-r2"), server);
        InboundMessage request = await sink.NextAsync();
        ViaHeader top = ViaReceivedParameters.Apply(request.Message.Via[0], request.Remote.Address);
        Assert.Equal("127.0.0.1", top.Received);
        Assert.Null(request.Message.Via[0].Received);

        await layer.SendResponseAsync(ViaReceivedParameters.ResponseTo(request, 486).ToArray(), top, request, CancellationToken.None);

        string answer = await Loopback.ReceiveTextAsync(client);
        Assert.StartsWith("SIP/2.0 486 Busy Here\r\n", answer, StringComparison.Ordinal);
        Assert.Contains($"Via: SIP/2.0/UDP 192.0.2.7:{port};branch=z9hG4bK-r2;received=127.0.0.1\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponseWithoutRportGoesToTheSentByPortNotTheSourcePort()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket sender = Loopback.UdpClient();
        using Socket listener = Loopback.UdpClient();

        await sender.SendToAsync(TestSipMessages.Request(via: $"SIP/2.0/UDP 127.0.0.1:{Loopback.LocalOf(listener).Port};branch=z9hG4bK-r3"), server);
        InboundMessage request = await sink.NextAsync();
        Assert.False(ViaReceivedParameters.AreNeeded(request.Message.Via[0], request.Remote.Address.Address));
        await layer.SendResponseAsync(ViaReceivedParameters.ResponseTo(request, 200).ToArray(), request.Message.Via[0], request, CancellationToken.None);

        string answer = await Loopback.ReceiveTextAsync(listener);
        Assert.StartsWith("SIP/2.0 200 OK\r\n", answer, StringComparison.Ordinal);
        Assert.Equal(0, sender.Available);
    }

    [Fact]
    public async Task ResponseOverTcpGoesBackOnTheRequestsConnection()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address;
        using Socket client = await Loopback.TcpClientAsync(server);
        using var stream = new NetworkStream(client);

        // The Via's port has nothing listening: only the open connection can carry the response.
        await stream.WriteAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-t1"));
        InboundMessage request = await sink.NextAsync();
        Assert.NotEqual(0, request.ConnectionId);
        await layer.SendResponseAsync(ViaReceivedParameters.ResponseTo(request, 200).ToArray(), request.Message.Via[0], request, CancellationToken.None);

        string answer = await Loopback.ReadTextAsync(stream, "\r\n\r\n");
        Assert.StartsWith("SIP/2.0 200 OK\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponseOverTcpOpensANewConnectionToTheViaWhenTheRequestsConnectionHasClosed()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address;
        using var clientListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        clientListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        clientListener.Listen();
        int listenPort = Loopback.LocalOf(clientListener).Port;

        InboundMessage request;
        using (Socket client = await Loopback.TcpClientAsync(server))
        {
            await client.SendAsync(TestSipMessages.Request(via: $"SIP/2.0/TCP 127.0.0.1:{listenPort};branch=z9hG4bK-t2"));
            request = await sink.NextAsync();
            client.Shutdown(SocketShutdown.Both);
        }

        await Loopback.PollAsync(() => layer.ConnectionCount == 0);
        Task<Socket> accepted = clientListener.AcceptAsync();
        await layer.SendResponseAsync(ViaReceivedParameters.ResponseTo(request, 200).ToArray(), request.Message.Via[0], request, CancellationToken.None);

        using Socket back = await accepted.WaitAsync(Loopback.Timeout);
        using var stream = new NetworkStream(back);
        string answer = await Loopback.ReadTextAsync(stream, "\r\n\r\n");
        Assert.StartsWith("SIP/2.0 200 OK\r\n", answer, StringComparison.Ordinal);
        Assert.Equal(1, layer.Counters.ConnectionsOpened);
    }
}
