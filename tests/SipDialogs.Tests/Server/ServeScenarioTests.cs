using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SipDialogs.Tests.Server;

/// <summary>
/// The real <c>sipdialogs serve</c> (a UAS) driven through in-dialog flows by the SIPp scenarios in
/// <c>tests/sipp/</c>. SIPp exits 0 only when every call went through its scenario, checks included.
/// </summary>
public class ServeScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private static void AssertEveryCallSucceeded(SippResult result) =>
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");

    [Fact]
    public async Task ServeAnswersAReInviteWithAnSdpAnswerInsideTheCall()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");

        // The scenario checks the re-INVITE's 200: Content-Type application/sdp, an m= line, CSeq 2 INVITE.
        SippResult result = await Sipp.RunAsync("tests/sipp/uac-reinvite.xml", server.Udp!, calls: 10, rate: 10, s_timeout);

        AssertEveryCallSucceeded(result);
        Assert.Empty(server.ErrorLines);
    }

    [Fact]
    public async Task ServeAnswersOnlyOfferedFormatsHoldsRecvonlyAndAnswersInfoWithoutSdp()
    {
        // Found with real phones: a PCMA-only offer was answered PCMU, a hold was answered sendrecv, INFO got an SDP.
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");

        SippResult result = await Sipp.RunAsync("tests/sipp/uac-pcma-hold-info.xml", server.Udp!, calls: 10, rate: 10, s_timeout);

        AssertEveryCallSucceeded(result);
        Assert.Empty(server.ErrorLines);
    }

    [Theory]
    [InlineData("m=video 49170 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", 488, "Not Acceptable Here")]
    [InlineData("m=audio 49170 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n", 488, "Not Acceptable Here")]
    [InlineData("m=audio port RTP/AVP 0\r\n", 400, "Malformed SDP: ")]
    public async Task ServeRefusesAnOfferItCannotTakeSayingWhy(string media, int status, string reason)
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        string sdp = "v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + media;
        string invite =
            "INVITE sip:service@127.0.0.1 SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK" + Guid.NewGuid().ToString("N") + ";rport\r\n" +
            "Max-Forwards: 70\r\nTo: <sip:service@127.0.0.1>\r\nFrom: <sip:caller@127.0.0.1>;tag=c1\r\n" +
            "Call-ID: " + Guid.NewGuid().ToString("N") + "\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:{port}>\r\n" +
            "Content-Type: application/sdp\r\nContent-Length: " + Encoding.UTF8.GetByteCount(sdp).ToString(CultureInfo.InvariantCulture) + "\r\n\r\n" + sdp;

        SipResponse answer = await UdpPeer.AskAsync(server.Udp!, invite, s_timeout);

        Assert.Equal(status, answer.StatusCode);
        Assert.StartsWith(reason, answer.ReasonPhrase, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeAnswersUpdateInfoAndOptionsInsideTheCall()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");

        // Each request gets 200 with its own CSeq, then the BYE ends the call.
        SippResult result = await Sipp.RunAsync("tests/sipp/uac-update.xml", server.Udp!, calls: 10, rate: 10, s_timeout);

        AssertEveryCallSucceeded(result);
        Assert.Empty(server.ErrorLines);
    }

    [Fact]
    public async Task ACancelRacingTheAnswerEndsEveryCallOneWayOrTheOther()
    {
        // One timer tick of ringing: the CANCEL, sent as soon as the 180 arrives, races the 200.
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--ring", "0.01");
        string log = Path.Combine(Path.GetTempPath(), "sipp-race-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            const int calls = 20;
            SippResult result = await Sipp.RunAsync(
                "tests/sipp/uac-cancel-race.xml", server.Udp!, calls, rate: 20, s_timeout, extra: ["-trace_logs", "-log_file", log]);

            AssertEveryCallSucceeded(result);

            // Each call logged the path it took: 200 to the CANCEL then 487 (cancelled), or 200 to the INVITE,
            // ACK, BYE (answered, the CANCEL too late).
            string outcomes = await File.ReadAllTextAsync(log);
            int cancelled = CountOf(outcomes, "outcome=cancelled");
            int answered = CountOf(outcomes, "outcome=answered");
            output.WriteLine($"{cancelled} cancelled, {answered} answered");
            Assert.Equal(calls, cancelled + answered);
            Assert.Empty(server.ErrorLines);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task ServeRejectsARequestOutOfCSeqOrderWith500AndKeepsTheCall()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");

        // INFO with CSeq 5 gets 200, OPTIONS with CSeq 3 then gets 500 (RFC 3261 §12.2.2), BYE with CSeq 6 gets 200.
        SippResult result = await Sipp.RunAsync("tests/sipp/uac-out-of-order.xml", server.Udp!, calls: 10, rate: 10, s_timeout);

        AssertEveryCallSucceeded(result);
        Assert.Empty(server.ErrorLines);
    }

    [Fact]
    public async Task ServeAnswersAnUpdateOfferWithAnSdpAnswer()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        using var peer = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)peer.Client.LocalEndPoint!;
        string callId = Guid.NewGuid().ToString("N") + "@127.0.0.1";
        string sdp = "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n";

        await SendAsync(peer, server.Udp!, Request("INVITE", $"sip:service@{server.Udp}", local, callId, 1, toTag: null, sdp));
        SipResponse ok = await ReceiveFinalAsync(peer, SipMethods.Invite);
        Assert.Equal(200, ok.StatusCode);
        string toTag = Encoding.UTF8.GetString(ok.ToTag);
        string target = $"sip:uas@{server.Udp}";
        await SendAsync(peer, server.Udp!, Request("ACK", target, local, callId, 1, toTag, body: null));

        await SendAsync(peer, server.Udp!, Request("UPDATE", target, local, callId, 2, toTag, sdp.Replace("1 1 IN", "1 2 IN", StringComparison.Ordinal)));
        SipResponse update = await ReceiveFinalAsync(peer, SipMethods.Update);
        await SendAsync(peer, server.Udp!, Request("BYE", target, local, callId, 3, toTag, body: null));

        Assert.Equal(200, update.StatusCode);
        Assert.Equal("application/sdp", update.GetHeaderValue(SipHeaderKind.ContentType));
        Assert.Contains("m=audio", Encoding.UTF8.GetString(update.Body.Span), StringComparison.Ordinal);
    }

    private static string Request(string method, string uri, IPEndPoint local, string callId, int cseq, string? toTag, string? body)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{method} {uri} SIP/2.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP {local};branch=z9hG4bK{Guid.NewGuid():N};rport\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: <sip:peer@{local}>;tag=peer1\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: <{uri}>{(toTag is null ? string.Empty : ";tag=" + toTag)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {callId}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {cseq} {method}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Contact: <sip:peer@{local}>\r\n");
        if (body is null)
        {
            text.Append("Content-Length: 0\r\n\r\n");
        }
        else
        {
            text.Append("Content-Type: application/sdp\r\n")
                .Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n")
                .Append(body);
        }

        return text.ToString();
    }

    private static async Task SendAsync(UdpClient peer, IPEndPoint server, string request) =>
        await peer.SendAsync(Encoding.UTF8.GetBytes(request), server);

    /// <summary>The next final response to <paramref name="method"/>; provisionals and other transactions' responses are skipped.</summary>
    private static async Task<SipResponse> ReceiveFinalAsync(UdpClient peer, string method)
    {
        using var cancel = new CancellationTokenSource(s_timeout);
        while (true)
        {
            UdpReceiveResult datagram = await peer.ReceiveAsync(cancel.Token);
            Assert.True(SipMessageParser.TryParseResponse(datagram.Buffer, out SipResponse? response, out SipParseError error), error.ToString());
            if (response!.StatusCode >= 200 && response.CSeqMethod == method)
            {
                return response;
            }
        }
    }

    private static int CountOf(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
