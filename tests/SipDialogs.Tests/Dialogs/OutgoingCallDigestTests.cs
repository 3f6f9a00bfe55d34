using System.Text.RegularExpressions;
using SipDialogs.Auth;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// The stack's UAC through a real Kamailio that challenges INVITEs with its auth module (tests/kamailio/auth-proxy.cfg),
/// in front of a callee stack: the INVITE is sent again once with Proxy-Authorization and the next CSeq (RFC 3261
/// §22.2, §22.3), and a wrong password ends the call with the 407 instead of looping.
/// </summary>
public sealed partial class OutgoingCallDigestTests
{
    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    private const string Answer = "v=0\r\no=bob 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";

    [Theory]
    [InlineData("MD5")]
    [InlineData("SHA-256")]
    public async Task ACallChallengedByKamailioIsSentAgainWithCredentialsAndAnswered(string algorithm)
    {
        await using KamailioProcess proxy = await KamailioProcess.StartAsync("tests/kamailio/auth-proxy.cfg", algorithm == "SHA-256" ? ["SHA256"] : []);
        await using var parties = await Parties.StartAsync(async (call, ct) => await call.AnswerAsync(Answer, cancellationToken: ct));

        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, Options(proxy, "wonderland"));
        Dialog dialog = await call.Answered.WaitAsync(CallTests.Timeout);

        Assert.Equal(2u, call.Request.CSeqNumber);
        AuthHeader credentials = Assert.Single(call.Request.ProxyAuthorization);
        Assert.Equal(algorithm, credentials.Algorithm);
        Assert.Equal("alice", credentials.Username);
        await proxy.Process.WaitForLineAsync(line => Authenticated().IsMatch(line) && line.Contains(call.CallId, StringComparison.Ordinal))
            .WaitAsync(CallTests.Timeout);

        Assert.Equal(200, (await dialog.ByeAsync().WaitAsync(CallTests.Timeout)).StatusCode);
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AWrongPasswordEndsTheCallWithThe407AfterOneRetry()
    {
        await using KamailioProcess proxy = await KamailioProcess.StartAsync("tests/kamailio/auth-proxy.cfg");
        await using var parties = await Parties.StartAsync(async (call, ct) => await call.AnswerAsync(Answer, cancellationToken: ct));

        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, Options(proxy, "guess"));
        SipCallFailedException failure = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(CallTests.Timeout));

        Assert.Equal(407, failure.StatusCode);
        Assert.Equal(2u, call.Request.CSeqNumber); // Sent twice: once bare, once with credentials; never a third time.
        Assert.Equal(2, Regex.Count(proxy.Process.Output, "challenged INVITE call " + Regex.Escape(call.CallId)));
        Assert.DoesNotContain("authenticated INVITE call " + call.CallId, proxy.Process.Output, StringComparison.Ordinal);
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ACallWithoutCredentialsFailsWithTheChallenge()
    {
        await using KamailioProcess proxy = await KamailioProcess.StartAsync("tests/kamailio/auth-proxy.cfg");
        await using var parties = await Parties.StartAsync(async (call, ct) => await call.AnswerAsync(Answer, cancellationToken: ct));

        var options = new InviteOptions { SessionDescription = Offer, NextHop = new SipEndPoint(SipTransportProtocol.Udp, proxy.Udp) };
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, options);
        SipCallFailedException failure = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(CallTests.Timeout));

        Assert.Equal(407, failure.StatusCode);
        Assert.Equal(1u, call.Request.CSeqNumber);
        await parties.AssertEverythingFreedAsync();
    }

    private static InviteOptions Options(KamailioProcess proxy, string password)
    {
        // The proxy's realm is the From domain: the caller's own address.
        var credentials = new SipCredentialTable();
        credentials.SetForRealm("127.0.0.1", new SipCredential("alice", password));
        return new InviteOptions
        {
            SessionDescription = Offer,
            NextHop = new SipEndPoint(SipTransportProtocol.Udp, proxy.Udp),
            Digest = new DigestClient(credentials),
        };
    }

    [GeneratedRegex(@"authenticated INVITE call \S+ cseq 2 user alice")]
    private static partial Regex Authenticated();
}
