using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>A one-shot UDP client on loopback: sends one request and returns the answer it gets.</summary>
internal static class UdpPeer
{
    /// <summary>Sends an OPTIONS outside any dialog and returns its answer: whether the server still serves.</summary>
    public static Task<SipResponse> AskOptionsAsync(IPEndPoint server, TimeSpan timeout) =>
        AskAsync(server,
            "OPTIONS sip:service@127.0.0.1 SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK" + Guid.NewGuid().ToString("N") + ";rport\r\n" +
            "Max-Forwards: 70\r\nTo: <sip:service@127.0.0.1>\r\nFrom: <sip:test@127.0.0.1>;tag=t1\r\n" +
            "Call-ID: " + Guid.NewGuid().ToString("N") + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", timeout);

    /// <summary>
    /// Sends <paramref name="request"/> (text in which <c>{port}</c> becomes the client's own port, for its Via) and
    /// waits for the one response.
    /// </summary>
    public static async Task<SipResponse> AskAsync(IPEndPoint server, string request, TimeSpan timeout)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        byte[] bytes = Encoding.UTF8.GetBytes(request.Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        await client.SendAsync(bytes, server);
        UdpReceiveResult answer = await client.ReceiveAsync().WaitAsync(timeout);
        Assert.True(SipMessageParser.TryParseResponse(answer.Buffer, out SipResponse? response, out SipParseError error), error.ToString());
        return response!;
    }
}
