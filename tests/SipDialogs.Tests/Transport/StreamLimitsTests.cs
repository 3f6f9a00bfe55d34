using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

/// <summary>The limits that keep hostile or forgotten connections from holding the server's resources.</summary>
public class StreamLimitsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ClientTricklingAHeaderIsCutOffAtTheHeaderReadTimeout()
    {
        var time = new FakeTimeProvider();
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"], timeProvider: time);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);
        await Loopback.PollAsync(() => layer.ConnectionCount == 1);

        byte[] request = TestSipMessages.Request();
        for (int i = 0; i < 20; i++)
        {
            await client.SendAsync(request.AsMemory(i, 1));
        }

        await Loopback.PollAsync(() => layer.FindConnection(1)?.IsReadingMessage == true);
        time.Advance(layer.Limits.HeaderReadTimeout - TimeSpan.FromSeconds(2));
        Assert.Equal(1, layer.ConnectionCount);

        // Still trickling: bytes keep coming, but the message is never finished.
        await client.SendAsync(request.AsMemory(20, 1));
        time.Advance(TimeSpan.FromSeconds(3));

        await Loopback.ReadToCloseAsync(client);
        await Loopback.PollAsync(() => layer.ConnectionCount == 0);
        Assert.Equal(1, layer.Counters.ConnectionsTimedOut);
        Assert.True(sink.IsEmpty);
    }

    [Fact]
    public async Task IdleConnectionOutlivesTheHeaderTimeoutAndIsClosedAtTheIdleTimeout()
    {
        var time = new FakeTimeProvider();
        await using SipTransportLayer layer = await Loopback.StartAsync(new TestSink(), ["tcp:127.0.0.1:0"], timeProvider: time);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address);
        await Loopback.PollAsync(() => layer.ConnectionCount == 1);

        time.Advance(layer.Limits.HeaderReadTimeout + TimeSpan.FromSeconds(1));
        await client.SendAsync("\r\n\r\n"u8.ToArray());
        byte[] pong = new byte[2];
        Assert.Equal(2, await client.ReceiveAsync(pong.AsMemory()).AsTask().WaitAsync(Loopback.Timeout));

        time.Advance(layer.Limits.ConnectionIdleTimeout + TimeSpan.FromSeconds(1));

        Assert.Equal(string.Empty, await Loopback.ReadToCloseAsync(client));
        await Loopback.PollAsync(() => layer.ConnectionCount == 0);
        Assert.Equal(1, layer.Counters.ConnectionsTimedOut);
    }

    [Fact]
    public async Task OverMaxConnectionsNewConnectionsAreClosedAndExistingOnesKeepWorking()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tcp:127.0.0.1:0"], new SipLimits { MaxConnections = 2 });
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address;
        using Socket first = await Loopback.TcpClientAsync(server);
        using Socket second = await Loopback.TcpClientAsync(server);
        await Loopback.PollAsync(() => layer.ConnectionCount == 2);

        using Socket third = await Loopback.TcpClientAsync(server);
        await third.SendAsync(TestSipMessages.Request(callId: "refused"));

        Assert.Equal(string.Empty, await Loopback.ReadToCloseAsync(third));
        Assert.Equal(1, layer.Counters.ConnectionsRefused);
        await first.SendAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-1", callId: "first"));
        await second.SendAsync(TestSipMessages.Request(via: "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-2", callId: "second"));
        var delivered = new HashSet<string> { (await sink.NextAsync()).Message.CallId, (await sink.NextAsync()).Message.CallId };
        Assert.Equal(["first", "second"], delivered.Order());
        Assert.Equal(2, layer.ConnectionCount);
    }

    [Fact]
    public async Task TwoThousandIdleConnectionsCostLessThan64KiBEach()
    {
        const int Connections = 2000;
        await using SipTransportLayer layer = await Loopback.StartAsync(new TestSink(), ["tcp:127.0.0.1:0"]);
        IPEndPoint server = layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address;
        var clients = new List<Socket>(Connections);
        try
        {
            long before = GC.GetTotalMemory(forceFullCollection: true);
            for (int batch = 0; batch < Connections; batch += 100)
            {
                var connecting = new Task<Socket>[100];
                for (int i = 0; i < connecting.Length; i++)
                {
                    connecting[i] = Loopback.TcpClientAsync(server);
                }

                clients.AddRange(await Task.WhenAll(connecting));
            }

            await Loopback.PollAsync(() => layer.ConnectionCount == Connections);

            // Every connection has traffic once, so each has been through a read and is back to waiting.
            foreach (Socket client in clients)
            {
                await client.SendAsync("\r\n\r\n"u8.ToArray());
            }

            byte[] pong = new byte[2];
            foreach (Socket client in clients)
            {
                await client.ReceiveAsync(pong.AsMemory()).AsTask().WaitAsync(Loopback.Timeout);
            }

            long after = GC.GetTotalMemory(forceFullCollection: true);
            long perConnection = (after - before) / Connections;
            output.WriteLine($"{perConnection} bytes of managed heap per idle connection, server and client side together");
            Assert.True(perConnection < 64 * 1024, $"{perConnection} bytes per idle connection (client side included)");
        }
        finally
        {
            foreach (Socket client in clients)
            {
                client.Dispose();
            }
        }
    }
}
