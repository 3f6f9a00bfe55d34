using System.Net;
using System.Net.Sockets;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

public class StreamTransportTests
{
    [Fact]
    public async Task MessageWrittenOneByteAtATimeIsFramedWhole()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);
        byte[] request = TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-b", callId: "bytewise");

        for (int i = 0; i < request.Length; i++)
        {
            await client.SendAsync(request.AsMemory(i, 1));
        }

        InboundMessage inbound = await sink.NextAsync();
        Assert.Equal("bytewise", inbound.Message.CallId);
        Assert.Equal(request, inbound.Message.Buffer.ToArray());
        Assert.Equal(SipTransportProtocol.Tcp, inbound.Remote.Protocol);
        Assert.Equal(Loopback.LocalOf(client), inbound.Remote.Address);
    }

    [Fact]
    public async Task SeveralMessagesInOneWriteAreEachFramed()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);
        var batch = new List<byte>();
        for (int i = 0; i < 5; i++)
        {
            batch.AddRange(TestSipMessages.Request(via: $"SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-{i}", callId: $"m{i}"));
            batch.AddRange("\r\n"u8.ToArray());
        }

        await client.SendAsync(batch.ToArray());

        long connection = 0;
        for (int i = 0; i < 5; i++)
        {
            InboundMessage inbound = await sink.NextAsync();
            Assert.Equal($"m{i}", inbound.Message.CallId);
            connection = connection == 0 ? inbound.ConnectionId : connection;
            Assert.Equal(connection, inbound.ConnectionId);
        }

        Assert.Equal(5, layer.Counters.StreamMessagesReceived);
    }

    [Fact]
    public async Task DoubleCrlfPingIsAnsweredWithCrlf()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);

        await client.SendAsync("\r\n\r\n"u8.ToArray());
        byte[] pong = new byte[16];
        int read = await client.ReceiveAsync(pong.AsMemory()).AsTask().WaitAsync(Loopback.Timeout);

        Assert.Equal("\r\n"u8.ToArray(), pong.AsSpan(0, read).ToArray());
        Assert.True(sink.IsEmpty);
    }

    [Fact]
    public async Task FramingErrorIsAnsweredAndClosesOnlyThatConnection()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address;
        using Socket good = await Loopback.TcpClientAsync(server);
        using Socket bad = await Loopback.TcpClientAsync(server);
        await good.SendAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-g1", callId: "good-1"));
        Assert.Equal("good-1", (await sink.NextAsync()).Message.CallId);

        // Without Content-Length a stream cannot tell where the message ends (RFC 3261 §18.3).
        await bad.SendAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-x", contentLength: false));
        string answer = await Loopback.ReadToCloseAsync(bad);

        Assert.StartsWith("SIP/2.0 400 Missing Content-Length\r\n", answer, StringComparison.Ordinal);
        await good.SendAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-g2", callId: "good-2"));
        Assert.Equal("good-2", (await sink.NextAsync()).Message.CallId);
        Assert.Equal(1, layer.Counters.GetRejected(SipRejectReason.MissingContentLength));
        await Loopback.PollAsync(() => layer.ConnectionCount == 1);
    }

    [Fact]
    public async Task WellFramedBadRequestIsAnsweredAndTheConnectionStaysOpen()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);
        using var stream = new NetworkStream(client);

        await stream.WriteAsync(TestSipMessages.Request(via: "SIP/2.0/TCP"));
        string answer = await Loopback.ReadTextAsync(stream, "\r\n\r\n");
        Assert.StartsWith("SIP/2.0 400 Malformed Via\r\n", answer, StringComparison.Ordinal);

        await stream.WriteAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-ok", callId: "next"));
        Assert.Equal("next", (await sink.NextAsync()).Message.CallId);
    }

    [Fact]
    public async Task RequestWithABadByteInAHeaderNameIsAnswered400AndTheConnectionStaysOpen()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);
        using var stream = new NetworkStream(client);

        await stream.WriteAsync(TestSipMessages.WithBadHeaderName(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-badname")));
        string answer = await Loopback.ReadTextAsync(stream, "\r\n\r\n");

        Assert.StartsWith("SIP/2.0 400 Malformed Header Line\r\n", answer, StringComparison.Ordinal);
        Assert.Contains(";branch=z9hG4bK-badname", answer, StringComparison.Ordinal);
        Assert.Equal(1, layer.Counters.GetRejected(SipRejectReason.MalformedHeaderLine));

        await stream.WriteAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-ok", callId: "next"));
        Assert.Equal("next", (await sink.NextAsync()).Message.CallId);
        Assert.Equal(1, layer.ConnectionCount);
    }

    [Fact]
    public async Task RequestWithoutCallIdIsAnswered400MissingCallIdAndTheConnectionStaysOpen()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"]);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);
        using var stream = new NetworkStream(client);

        await stream.WriteAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-nocid", callId: null));
        string answer = await Loopback.ReadTextAsync(stream, "\r\n\r\n");

        Assert.StartsWith("SIP/2.0 400 Missing Call-ID\r\n", answer, StringComparison.Ordinal);
        Assert.Contains(";branch=z9hG4bK-nocid", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\nCall-ID:", answer, StringComparison.OrdinalIgnoreCase);

        await stream.WriteAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-ok", callId: "next"));
        Assert.Equal("next", (await sink.NextAsync()).Message.CallId);
        Assert.Equal(1, layer.ConnectionCount);
    }

    [Fact]
    public async Task OutgoingRequestsToOnePeerReuseOneConnectionAndItsResponsesComeBackOnIt()
    {
        var serverSink = new TestSink();
        var clientSink = new TestSink();
        await using SipTransportLayer server = await Loopback.StartAsync(serverSink, ["tcp:127.0.0.1:0"]);
        await using SipTransportLayer client = await Loopback.StartAsync(clientSink, ["tcp:127.0.0.1:0"]);
        SipEndPoint target = server.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value;
        int clientPort = client.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address.Port;

        await client.SendRequestAsync(TestSipMessages.Request(via: $"SIP/2.0/TCP 127.0.0.1:{clientPort};branch=z9hG4bK-o1", callId: "one"), target, CancellationToken.None);
        await client.SendRequestAsync(TestSipMessages.Request(via: $"SIP/2.0/TCP 127.0.0.1:{clientPort};branch=z9hG4bK-o2", callId: "two"), target, CancellationToken.None);
        InboundMessage first = await serverSink.NextAsync();
        InboundMessage second = await serverSink.NextAsync();

        Assert.Equal(first.ConnectionId, second.ConnectionId);
        Assert.Equal(1, client.Counters.ConnectionsOpened);
        Assert.Equal(1, server.Counters.ConnectionsAccepted);

        await server.SendResponseAsync(
            ViaReceivedParameters.ResponseTo(second, 200).ToArray(), second.Message.Via[0], second, CancellationToken.None);
        InboundMessage response = await clientSink.NextAsync();
        Assert.Equal("two", response.Message.CallId);
        Assert.False(response.Message.IsRequest);
        Assert.Equal(target, response.Remote);
    }

    [Fact]
    public async Task ConcurrentFirstRequestsToOnePeerOpenOneConnection()
    {
        var serverSink = new TestSink();
        await using SipTransportLayer server = await Loopback.StartAsync(serverSink, ["tcp:127.0.0.1:0"]);
        await using SipTransportLayer client = await Loopback.StartAsync(new TestSink(), ["tcp:127.0.0.1:0"]);
        SipEndPoint target = server.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value;

        var sends = new Task[8];
        for (int i = 0; i < sends.Length; i++)
        {
            sends[i] = client.SendRequestAsync(TestSipMessages.Request(via: $"SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-c{i}", callId: $"c{i}"), target, CancellationToken.None).AsTask();
        }

        await Task.WhenAll(sends).WaitAsync(Loopback.Timeout);
        for (int i = 0; i < sends.Length; i++)
        {
            await serverSink.NextAsync();
        }

        Assert.Equal(1, client.Counters.ConnectionsOpened);
    }

    [Fact]
    public async Task ConnectingToAPortWithNobodyListeningFailsWithATransportException()
    {
        await using SipTransportLayer client = await Loopback.StartAsync(new TestSink(), ["tcp:127.0.0.1:0"]);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closed = new SipEndPoint(SipTransportProtocol.Tcp, Loopback.LocalOf(probe));

        SipTransportException error = await Assert.ThrowsAsync<SipTransportException>(
            () => client.SendRequestAsync(TestSipMessages.Request(), closed, CancellationToken.None).AsTask()).WaitAsync(Loopback.Timeout);

        Assert.Contains(closed.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionRefused", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.ConnectionCount);
    }

    [Fact]
    public async Task TcpOverIPv6DeliversTheRequest()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:[::1]:0"]);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);

        await client.SendAsync(TestSipMessages.Request(via: "SIP/2.0/TCP [::1]:5060;branch=z9hG4bK-v6", callId: "v6"));
        InboundMessage inbound = await sink.NextAsync();

        Assert.Equal("v6", inbound.Message.CallId);
        Assert.Equal(IPAddress.IPv6Loopback, inbound.Remote.Address.Address);
    }
}
