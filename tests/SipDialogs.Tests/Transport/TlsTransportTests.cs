using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

public class TlsTransportTests
{
    [Fact]
    public async Task TlsClientHandshakesSendsARequestAndReadsTheResponse()
    {
        var sink = new TestSink();
        await using SipTransportLayer layer = await Loopback.StartAsync(sink, ["tls:127.0.0.1:0"], certificate: TestCertificates.Server);
        SipEndPoint local = layer.GetLocalEndPoint(SipTransportProtocol.Tls)!.Value;
        using Socket socket = await Loopback.TcpClientAsync(local.Address);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = static (_, certificate, _, _) => certificate?.GetCertHashString() == TestCertificates.Server.GetCertHashString(),
        }).WaitAsync(Loopback.Timeout);

        await tls.WriteAsync(TestSipMessages.Request(via: "SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-tls", callId: "secure"));
        InboundMessage request = await sink.NextAsync();
        Assert.Equal("secure", request.Message.CallId);
        Assert.Equal(SipTransportProtocol.Tls, request.Remote.Protocol);
        Assert.Equal(local, request.Local);

        await layer.SendResponseAsync(ViaReceivedParameters.ResponseTo(request, 200).ToArray(), request.Message.Via[0], request, CancellationToken.None);
        string answer = await Loopback.ReadTextAsync(tls, "\r\n\r\n");
        Assert.StartsWith("SIP/2.0 200 OK\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransportOpensATlsConnectionCheckingTheServerNameAndGetsItsResponse()
    {
        var serverSink = new TestSink();
        var clientSink = new TestSink();
        string? checkedName = null;
        await using SipTransportLayer server = await Loopback.StartAsync(serverSink, ["tls:127.0.0.1:0"], certificate: TestCertificates.Server);
        await using SipTransportLayer client = await Loopback.StartAsync(
            clientSink,
            ["udp:127.0.0.1:0"],
            validation: (sender, certificate, _, _) =>
            {
                checkedName = ((SslStream)sender).TargetHostName;
                return certificate?.GetCertHashString() == TestCertificates.Server.GetCertHashString();
            });
        SipEndPoint target = server.GetLocalEndPoint(SipTransportProtocol.Tls)!.Value with { ServerName = "localhost" };

        await client.SendRequestAsync(TestSipMessages.Request(via: "SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-tc"), target, CancellationToken.None);
        InboundMessage request = await serverSink.NextAsync();
        await server.SendResponseAsync(ViaReceivedParameters.ResponseTo(request, 180).ToArray(), request.Message.Via[0], request, CancellationToken.None);
        InboundMessage response = await clientSink.NextAsync();

        Assert.Equal("localhost", checkedName);
        Assert.False(response.Message.IsRequest);
        Assert.Equal(SipTransportProtocol.Tls, response.Remote.Protocol);
    }

    [Fact]
    public async Task ServerCertificateTheClientRejectsFailsTheSendWithATransportException()
    {
        await using SipTransportLayer server = await Loopback.StartAsync(new TestSink(), ["tls:127.0.0.1:0"], certificate: TestCertificates.Server);
        await using SipTransportLayer client = await Loopback.StartAsync(new TestSink(), ["udp:127.0.0.1:0"], validation: static (_, _, _, _) => false);
        SipEndPoint target = server.GetLocalEndPoint(SipTransportProtocol.Tls)!.Value;

        SipTransportException error = await Assert.ThrowsAsync<SipTransportException>(
            () => client.SendRequestAsync(TestSipMessages.Request(), target, CancellationToken.None).AsTask()).WaitAsync(Loopback.Timeout);

        Assert.Contains("TLS handshake failed", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.ConnectionCount);
    }

    [Fact]
    public async Task HandshakeThatNeverFinishesIsCutOffAtTheHeaderReadTimeout()
    {
        var time = new FakeTimeProvider();
        await using SipTransportLayer layer = await Loopback.StartAsync(new TestSink(), ["tls:127.0.0.1:0"], timeProvider: time, certificate: TestCertificates.Server);
        using Socket client = await Loopback.TcpClientAsync(layer.GetLocalEndPoint(SipTransportProtocol.Tls)!.Value.Address);
        await Loopback.PollAsync(() => layer.ConnectionCount == 1);

        // Half a TLS record header, then nothing.
        await client.SendAsync(new byte[] { 0x16, 0x03 });
        time.Advance(layer.Limits.HeaderReadTimeout + TimeSpan.FromSeconds(1));

        await Loopback.ReadToCloseAsync(client);
        await Loopback.PollAsync(() => layer.ConnectionCount == 0);
        Assert.Equal(1, layer.Counters.ConnectionsTimedOut);
    }
}
