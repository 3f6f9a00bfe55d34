using System.Net;
using System.Net.Sockets;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

public class SipTransportLayerTests
{
    [Fact]
    public async Task StartReportsTheActualPortOfEveryEndPointBoundToPortZero()
    {
        await using SipTransportLayer layer = await Loopback.StartAsync(
            new TestSink(), ["udp:127.0.0.1:0", "tcp:127.0.0.1:0", "tls:127.0.0.1:0", "udp:[::1]:0"], certificate: TestCertificates.Server);

        Assert.Equal(4, layer.LocalEndPoints.Count);
        foreach (SipEndPoint local in layer.LocalEndPoints)
        {
            Assert.NotEqual(0, local.Address.Port);
        }

        Assert.Equal(AddressFamily.InterNetwork, layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address.AddressFamily);
        Assert.Equal(AddressFamily.InterNetworkV6, layer.GetLocalEndPoint(SipTransportProtocol.Udp, AddressFamily.InterNetworkV6)!.Value.Address.AddressFamily);
        Assert.Null(layer.GetLocalEndPoint(SipTransportProtocol.Tcp, AddressFamily.InterNetworkV6));
    }

    [Fact]
    public async Task RequestOver1300BytesToAUdpTargetSelectsTcp()
    {
        await using SipTransportLayer layer = await Loopback.StartAsync(new TestSink(), ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]);
        var target = new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060));

        Assert.Equal(SipTransportProtocol.Udp, layer.SelectRequestProtocol(target, 1300));
        Assert.Equal(SipTransportProtocol.Tcp, layer.SelectRequestProtocol(target, 1301));
        Assert.Equal(SipTransportProtocol.Tls, layer.SelectRequestProtocol(target with { Protocol = SipTransportProtocol.Tls }, 5000));
    }

    [Fact]
    public async Task LargeRequestStaysOnUdpWhenTheSwitchIsOffOrNoTcpIsListening()
    {
        await using SipTransportLayer off = await Loopback.StartAsync(new TestSink(), ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"], new SipLimits { UdpMaxRequestBytes = 0 });
        await using SipTransportLayer udpOnly = await Loopback.StartAsync(new TestSink(), ["udp:127.0.0.1:0"]);
        var target = new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060));

        Assert.Equal(SipTransportProtocol.Udp, off.SelectRequestProtocol(target, 4000));
        Assert.Equal(SipTransportProtocol.Udp, udpOnly.SelectRequestProtocol(target, 4000));
    }

    [Fact]
    public async Task UdpRequestIsSentFromTheListeningPort()
    {
        await using SipTransportLayer layer = await Loopback.StartAsync(new TestSink(), ["udp:127.0.0.1:0"]);
        using Socket peer = Loopback.UdpClient();
        byte[] buffer = new byte[2048];
        var from = new SocketAddress(AddressFamily.InterNetwork);

        await layer.SendRequestAsync(TestSipMessages.Request(), new SipEndPoint(SipTransportProtocol.Udp, Loopback.LocalOf(peer)), CancellationToken.None);
        int received = await peer.ReceiveFromAsync(buffer, SocketFlags.None, from).AsTask().WaitAsync(Loopback.Timeout);

        Assert.True(received > 0);
        Assert.Equal(layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address, new IPEndPoint(IPAddress.Any, 0).Create(from));
    }

    [Fact]
    public async Task DisposeFromEightTasksCompletesOnceAndLeavesNothingListeningOrRunning()
    {
        var sink = new TestSink();
        SipTransportLayer layer = await Loopback.StartAsync(sink, ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]);
        IPEndPoint tcp = layer.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value.Address;
        IPEndPoint udp = layer.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address;
        using Socket open = await Loopback.TcpClientAsync(tcp);
        await Loopback.PollAsync(() => layer.ConnectionCount == 1);

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var disposals = new Task[8];
        for (int i = 0; i < disposals.Length; i++)
        {
            disposals[i] = Task.Run(async () =>
            {
                await start.Task;
                await layer.DisposeAsync();
            });
        }

        start.SetResult();
        await Task.WhenAll(disposals).WaitAsync(Loopback.Timeout);

        Assert.False(layer.HasRunningLoops);
        Assert.Equal(0, layer.ConnectionCount);
        Assert.Equal(0, layer.Counters.ConnectionsOpen);
        Assert.Equal(string.Empty, await Loopback.ReadToCloseAsync(open));
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketException refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(tcp)).WaitAsync(Loopback.Timeout);
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebind.Bind(udp);
        await Assert.ThrowsAsync<SipTransportException>(
            () => layer.SendRequestAsync(TestSipMessages.Request(), new SipEndPoint(SipTransportProtocol.Udp, udp), CancellationToken.None).AsTask());
        await layer.DisposeAsync();
    }

    [Fact]
    public void TlsEndPointWithoutACertificateIsRefusedAtConstruction()
    {
        Assert.True(SipEndPoint.TryParse("tls:127.0.0.1:0", out SipEndPoint? tls));

        Assert.Throws<ArgumentException>(
            () => new SipTransportLayer([tls.Value], new SipLimits(), new TestSink(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
    }

    [Fact]
    public async Task PortAlreadyInUseFailsStartWithATransportExceptionNamingTheEndPoint()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string endPoint = $"udp:127.0.0.1:{Loopback.LocalOf(taken).Port}";

        SipTransportException error = await Assert.ThrowsAsync<SipTransportException>(() => Loopback.StartAsync(new TestSink(), ["tcp:127.0.0.1:0", endPoint]));

        Assert.Contains(endPoint, error.Message, StringComparison.Ordinal);
    }
}
