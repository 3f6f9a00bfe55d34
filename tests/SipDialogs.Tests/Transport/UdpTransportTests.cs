using System.Net;
using System.Net.Sockets;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

public class UdpTransportTests
{
    [Fact]
    public async Task UdpRequestIsDeliveredWithItsSourceAndTheLocalEndPoint()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        SipEndPoint local = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value;
        Assert.NotEqual(0, local.Address.Port);
        using Socket client = Loopback.UdpClient();

        await client.SendToAsync(TestSipMessages.Request(), local.Address);
        InboundMessage inbound = await sink.NextAsync();

        Assert.Equal("call-1@test", inbound.Message.CallId);
        Assert.Equal(new SipEndPoint(SipTransportProtocol.Udp, Loopback.LocalOf(client)), inbound.Remote);
        Assert.Equal(local, inbound.Local);
        Assert.Equal(0, inbound.ConnectionId);
        Assert.Equal(1, layer.Counters.DatagramsReceived);
    }

    [Fact]
    public async Task ManyDatagramsFromSeveralClientsAtOnceAreAllDelivered()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        const int Clients = 4;
        const int PerClient = 50;

        var senders = new Task[Clients];
        for (int c = 0; c < Clients; c++)
        {
            int client = c;
            senders[c] = Task.Run(async () =>
            {
                using Socket socket = Loopback.UdpClient();
                for (int i = 0; i < PerClient; i++)
                {
                    await socket.SendToAsync(TestSipMessages.Request(callId: $"c{client}-{i}"), server);
                }
            });
        }

        await Task.WhenAll(senders).WaitAsync(Loopback.Timeout);
        var seen = new HashSet<string>();
        for (int i = 0; i < Clients * PerClient; i++)
        {
            seen.Add((await sink.NextAsync()).Message.CallId);
        }

        Assert.Equal(Clients * PerClient, seen.Count);
    }

    [Fact]
    public async Task GarbageDatagramIsDroppedAndCountedWhileAnotherClientsRequestIsDelivered()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"], new SipLimits { UdpReceiveLoops = 1 });
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket attacker = Loopback.UdpClient();
        using Socket client = Loopback.UdpClient();

        await attacker.SendToAsync("\x16\x03\x01junk stuff\r\n\r\n"u8.ToArray(), server);
        await client.SendToAsync(TestSipMessages.Request(callId: "good"), server);

        Assert.Equal("good", (await sink.NextAsync()).Message.CallId);
        Assert.Equal(2, layer.Counters.DatagramsReceived);
        Assert.Equal(1, layer.Counters.DatagramsRejected);
        Assert.Equal(1, layer.Counters.DatagramsDropped);
        Assert.Equal(1, layer.Counters.GetRejected(SipRejectReason.MalformedStartLine));
        Assert.Equal(0, layer.Counters.ErrorResponsesSent);
        Assert.Equal(0, attacker.Available);
    }

    [Fact]
    public async Task DatagramOverTheMessageLimitIsDroppedUnanswered()
    {
        var sink = new TestSink();
        var limits = new SipLimits { MaxMessageBytes = 1024, MaxHeaderBytes = 1024, UdpReceiveLoops = 1 };
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"], limits);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket client = Loopback.UdpClient();

        await client.SendToAsync(TestSipMessages.Request(callId: "big", padding: 2000), server);
        await client.SendToAsync(TestSipMessages.Request(callId: "small"), server);

        // One loop takes datagrams in order: the small one is delivered after the big one was dealt with.
        Assert.Equal("small", (await sink.NextAsync()).Message.CallId);
        Assert.Equal(1, layer.Counters.GetRejected(SipRejectReason.MessageTooLarge));
        Assert.Equal(1, layer.Counters.DatagramsDropped);
        Assert.Equal(0, client.Available);
    }

    [Fact]
    public async Task RequestWithMalformedViaIsAnswered400WithAReasonNamingTheVia()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket client = Loopback.UdpClient();

        await client.SendToAsync(TestSipMessages.Request(via: "SIP/2.0/UDP"), server);
        string answer = await Loopback.ReceiveTextAsync(client);

        Assert.StartsWith("SIP/2.0 400 Malformed Via\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Call-ID: call-1@test\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 OPTIONS\r\n", answer, StringComparison.Ordinal);
        Assert.Equal(1, layer.Counters.ErrorResponsesSent);
        Assert.True(sink.IsEmpty);
    }

    [Fact]
    public async Task RequestWithABadByteInAHeaderNameIsAnswered400NamingTheFaultInsteadOfDropped()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket client = Loopback.UdpClient();
        int port = Loopback.LocalOf(client).Port;

        await client.SendToAsync(TestSipMessages.WithBadHeaderName(TestSipMessages.Request(via: $"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-badname")), server);
        string answer = await Loopback.ReceiveTextAsync(client);

        Assert.StartsWith("SIP/2.0 400 Malformed Header Line\r\n", answer, StringComparison.Ordinal);
        Assert.Contains(";branch=z9hG4bK-badname", answer, StringComparison.Ordinal);
        Assert.Contains("Call-ID: call-1@test\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 OPTIONS\r\n", answer, StringComparison.Ordinal);
        Assert.Equal(1, layer.Counters.GetRejected(SipRejectReason.MalformedHeaderLine));
        Assert.Equal(1, layer.Counters.ErrorResponsesSent);
        Assert.Equal(0, layer.Counters.DatagramsDropped);
        Assert.True(sink.IsEmpty);
    }

    [Fact]
    public async Task RequestWithoutCallIdIsAnswered400MissingCallIdByItsViaAndTheNextRequestIsDelivered()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket client = Loopback.UdpClient();
        int port = Loopback.LocalOf(client).Port;

        await client.SendToAsync(TestSipMessages.Request(via: $"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-nocid;rport", callId: null), server);
        string answer = await Loopback.ReceiveTextAsync(client);

        // RFC 3261 §21.4.1: the phrase names the fault. No Call-ID to copy; the branch and CSeq match it (§17.1.3).
        Assert.StartsWith("SIP/2.0 400 Missing Call-ID\r\n", answer, StringComparison.Ordinal);
        Assert.Contains($";branch=z9hG4bK-nocid;rport={port};received=127.0.0.1\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 OPTIONS\r\n", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\nCall-ID:", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, layer.Counters.GetRejected(SipRejectReason.MissingHeader));
        Assert.Equal(1, layer.Counters.ErrorResponsesSent);

        await client.SendToAsync(TestSipMessages.Request(via: $"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-next", callId: "next"), server);
        Assert.Equal("next", (await sink.NextAsync()).Message.CallId);
    }

    [Fact]
    public async Task RequestForSip30IsAnswered505VersionNotSupported()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket client = Loopback.UdpClient();
        int port = Loopback.LocalOf(client).Port;

        await client.SendToAsync(TestSipMessages.Request(via: $"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-v3;rport", version: "SIP/3.0"), server);
        string answer = await Loopback.ReceiveTextAsync(client);

        Assert.StartsWith("SIP/2.0 505 Version Not Supported\r\n", answer, StringComparison.Ordinal);
        Assert.Contains($";rport={port};received=127.0.0.1\r\n", answer, StringComparison.Ordinal);
        Assert.Equal(1, layer.Counters.GetRejected(SipRejectReason.UnsupportedVersion));
    }

    [Fact]
    public async Task AckThatCannotBeReadIsDroppedAndNeverAnswered()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0"], new SipLimits { UdpReceiveLoops = 1 });
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket client = Loopback.UdpClient();

        await client.SendToAsync(TestSipMessages.Request(method: "ACK", via: "SIP/2.0/UDP"), server);
        await client.SendToAsync(TestSipMessages.Request(callId: "after"), server);

        Assert.Equal("after", (await sink.NextAsync()).Message.CallId);
        Assert.Equal(1, layer.Counters.DatagramsDropped);
        Assert.Equal(0, layer.Counters.ErrorResponsesSent);
        Assert.Equal(0, client.Available);
    }

    [Fact]
    public async Task UdpOverIPv6DeliversTheRequest()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:[::1]:0"]);
        SipEndPoint local = layer.GetLocalEndPoint(SipTransportProtocol.Udp, AddressFamily.InterNetworkV6)!.Value;
        using Socket client = Loopback.UdpClient(AddressFamily.InterNetworkV6);

        await client.SendToAsync(TestSipMessages.Request(via: "SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-6"), local.Address);
        InboundMessage inbound = await sink.NextAsync();

        Assert.Equal(IPAddress.IPv6Loopback, inbound.Remote.Address.Address);
        Assert.Equal(Loopback.LocalOf(client).Port, inbound.Remote.Address.Port);
        Assert.Equal(local, inbound.Local);
    }
}
