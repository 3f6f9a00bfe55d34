using System.Net;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Auth;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// Challenges inside a call (RFC 3261 §22.2, §22.3): the stack's UAC placed a call with a <see cref="DigestClient"/>;
/// the callee, played by hand over a raw socket and checking credentials with a real <see cref="DigestAuthenticator"/>,
/// challenges later requests of the dialog. Each is sent again once with credentials and the next CSeq; a stale nonce
/// is answered with the new one; credentials refused again end the request; a CANCEL follows the retried INVITE.
/// </summary>
public sealed class DialogDigestTests
{
    private const string Realm = "biloxi.example.com";
    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    private const string Answer = "v=0\r\no=bob 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";
    private static readonly TimeSpan Timeout = CallTests.Timeout;

    [Theory]
    [InlineData(401)]
    [InlineData(407)]
    public async Task AChallengedByeIsSentAgainWithCredentialsAndTheNextCSeq(int status)
    {
        await using var call = await ChallengingCallee.CallAsync("wonderland");

        Task<SipResponse> bye = call.Dialog.ByeAsync();
        SipRequest first = await call.ReceiveAsync(SipMethods.Bye);
        Assert.Equal(2u, first.CSeqNumber);
        await call.ChallengeAsync(first, status);
        SipRequest second = await call.ReceiveAsync(SipMethods.Bye);

        Assert.Equal(3u, second.CSeqNumber);
        Assert.NotEqual(first.TopViaBranch.ToArray(), second.TopViaBranch.ToArray());
        Assert.Equal(DigestOutcome.Authenticated, (await call.VerifyAsync(second, asProxy: status == 407)).Outcome);
        await call.RespondAsync(second, 200);
        Assert.Equal(200, (await bye.WaitAsync(Timeout)).StatusCode);
    }

    [Fact]
    public async Task AReInviteAnsweredStaleIsSentAgainWithTheNewNonce()
    {
        await using var call = await ChallengingCallee.CallAsync("wonderland");

        Task<SipResponse> reInvite = call.Dialog.ReInviteAsync(Offer);
        SipRequest first = await call.ReceiveAsync(SipMethods.Invite);
        await call.ChallengeAsync(first, 407);
        await call.ReceiveAsync(SipMethods.Ack); // The transaction's ACK of the 407 (RFC 3261 §17.1.1.3).
        SipRequest second = await call.ReceiveAsync(SipMethods.Invite);
        await call.ChallengeAsync(second, 407, stale: true);
        await call.ReceiveAsync(SipMethods.Ack);
        SipRequest third = await call.ReceiveAsync(SipMethods.Invite);

        Assert.Equal([2u, 3u, 4u], new[] { first.CSeqNumber, second.CSeqNumber, third.CSeqNumber });
        Assert.Equal(Offer, System.Text.Encoding.UTF8.GetString(third.Body.Span));
        Assert.NotEqual(second.ProxyAuthorization[0].Nonce, third.ProxyAuthorization[0].Nonce);
        Assert.Equal(DigestOutcome.Authenticated, (await call.VerifyAsync(third, asProxy: true)).Outcome);
        await call.RespondAsync(third, 200, Answer);
        SipRequest ack = await call.ReceiveAsync(SipMethods.Ack);

        Assert.Equal(4u, ack.CSeqNumber);
        Assert.Equal(200, (await reInvite.WaitAsync(Timeout)).StatusCode);
    }

    [Theory]
    [InlineData(SipMethods.Update)]
    [InlineData(SipMethods.Info)]
    [InlineData(SipMethods.Refer)]
    public async Task AChallengedRequestOfTheDialogIsSentAgainOnceWithCredentials(string method)
    {
        await using var call = await ChallengingCallee.CallAsync("wonderland");

        Task<SipResponse> sent = method switch
        {
            SipMethods.Update => call.Dialog.UpdateAsync(null),
            SipMethods.Info => call.Dialog.InfoAsync("Signal=1\r\n", "application/dtmf-relay"),
            _ => call.Dialog.ReferAsync("sip:carol@127.0.0.1:5999").ContinueWith(t => t.Result.Response, TaskScheduler.Default).Unwrap(),
        };
        SipRequest first = await call.ReceiveAsync(method);
        await call.ChallengeAsync(first, 401);
        SipRequest second = await call.ReceiveAsync(method);

        Assert.Equal(first.CSeqNumber + 1, second.CSeqNumber);
        Assert.Equal(first.Body.ToArray(), second.Body.ToArray());
        Assert.Equal(DigestOutcome.Authenticated, (await call.VerifyAsync(second, asProxy: false)).Outcome);
        int final = method == SipMethods.Refer ? 202 : 200;
        await call.RespondAsync(second, final);
        Assert.Equal(final, (await sent.WaitAsync(Timeout)).StatusCode);
    }

    [Fact]
    public async Task AReferSentAgainTakesTheNewCSeqAsItsSubscriptionId()
    {
        await using var call = await ChallengingCallee.CallAsync("wonderland");

        Transfer transfer = await call.Dialog.ReferAsync("sip:carol@127.0.0.1:5999");
        SipRequest first = await call.ReceiveAsync(SipMethods.Refer);
        await call.ChallengeAsync(first, 401);
        SipRequest second = await call.ReceiveAsync(SipMethods.Refer);
        await call.RespondAsync(second, 202);
        await transfer.Response.WaitAsync(Timeout);

        Assert.Equal(second.CSeqNumber, transfer.EventId); // RFC 3515 §2.4.6: the NOTIFYs name the REFER that was accepted.
    }

    [Fact]
    public async Task CredentialsRefusedAgainEndTheRequestWithTheChallenge()
    {
        await using var call = await ChallengingCallee.CallAsync("guess");

        Task<SipResponse> info = call.Dialog.InfoAsync("Signal=1\r\n", "application/dtmf-relay");
        SipRequest first = await call.ReceiveAsync(SipMethods.Info);
        await call.ChallengeAsync(first, 401);
        SipRequest second = await call.ReceiveAsync(SipMethods.Info);
        DigestVerdict verdict = await call.VerifyAsync(second, asProxy: false);

        Assert.Equal(DigestOutcome.Challenge, verdict.Outcome);
        Assert.Equal(DigestFailure.WrongResponse, verdict.Failure);
        await call.ChallengeAsync(second, 401);
        Assert.Equal(401, (await info.WaitAsync(Timeout)).StatusCode);

        // No third INFO: the next request the callee sees is the BYE, with the CSeq after the second INFO.
        Task<SipResponse> bye = call.Dialog.ByeAsync();
        SipRequest next = await call.ReceiveAsync(method: null);
        Assert.Equal(SipMethods.Bye, next.Method);
        Assert.Equal(second.CSeqNumber + 1, next.CSeqNumber);
        await call.RespondAsync(next, 200);
        await bye.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ACancelOfAChallengedInviteMatchesTheInviteSentAgain()
    {
        await using var stack = new SipStack(Parties.Options());
        await stack.StartAsync();
        await using var callee = new RawSipSocket();
        var authenticator = ChallengingCallee.Authenticator();
        var options = new InviteOptions { SessionDescription = Offer, Digest = ChallengingCallee.Client("wonderland") };

        OutgoingCall call = await stack.InviteAsync("sip:bob@127.0.0.1:" + callee.Port, options);
        (SipRequest first, IPEndPoint caller) = await callee.ReceiveRequestAsync(Timeout);
        await callee.SendAsync(Challenge(first, 401, authenticator.CreateChallenges()), caller);
        Assert.Equal(SipMethods.Ack, (await callee.ReceiveRequestAsync(Timeout)).Request.Method);
        (SipRequest second, _) = await callee.ReceiveRequestAsync(Timeout);
        await callee.SendAsync(SipMessageBuilder.ResponseTo(second, 180, toTag: "ringing"), caller);
        await call.Progress.ReadAsync().AsTask().WaitAsync(Timeout);
        await call.CancelAsync();
        (SipRequest cancel, _) = await callee.ReceiveRequestAsync(Timeout);

        Assert.Equal(SipMethods.Cancel, cancel.Method);
        Assert.Equal(2u, cancel.CSeqNumber); // RFC 3261 §9.1: the CSeq number and the branch of the INVITE it cancels.
        Assert.Equal(second.TopViaBranch.ToArray(), cancel.TopViaBranch.ToArray());
        Assert.Equal(DigestOutcome.Authenticated, (await authenticator.AuthenticateAsync(second, IPAddress.Loopback)).Outcome);
        await callee.SendAsync(SipMessageBuilder.ResponseTo(cancel, 200), caller);
        await callee.SendAsync(SipMessageBuilder.ResponseTo(second, 487, toTag: "ringing"), caller);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Answered.WaitAsync(Timeout));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AChallengedSessionRefreshIsSentAgainWithCredentialsAndTheCallGoesOn(bool peerTakesUpdate)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var call = await ChallengingCallee.CallAsync(
            "wonderland", SessionTimed(), time,
            ("Session-Expires", "90;refresher=uac"), ("Require", "timer"), ("Allow", peerTakesUpdate ? "INVITE, ACK, BYE, UPDATE" : "INVITE, ACK, BYE"));
        Assert.True(call.Dialog.IsSessionRefresher);
        string method = peerTakesUpdate ? SipMethods.Update : SipMethods.Invite; // RFC 4028 §7.4

        time.Advance(TimeSpan.FromSeconds(45)); // Half the interval: the stack refreshes on its own.
        SipRequest first = await call.ReceiveAsync(method);
        await call.ChallengeAsync(first, 401);
        if (!peerTakesUpdate)
        {
            await call.ReceiveAsync(SipMethods.Ack); // The transaction's ACK of the 401 (RFC 3261 §17.1.1.3).
        }

        SipRequest second = await call.ReceiveAsync(method);
        Assert.Equal(first.CSeqNumber + 1, second.CSeqNumber);
        Assert.Equal(DigestOutcome.Authenticated, (await call.VerifyAsync(second, asProxy: false)).Outcome);
        await call.RespondAsync(second, 200, peerTakesUpdate ? null : Answer);
        if (!peerTakesUpdate)
        {
            Assert.Equal(second.CSeqNumber, (await call.ReceiveAsync(SipMethods.Ack)).CSeqNumber);
        }

        await call.Stack.WhenIdleAsync();
        Assert.Equal(DialogState.Confirmed, call.Dialog.State); // Not hung up for want of a refresh.
    }

    [Fact]
    public async Task AChallengedByeForAnExpiredSessionIsSentAgainWithCredentials()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var call = await ChallengingCallee.CallAsync(
            "wonderland", SessionTimed(), time, ("Session-Expires", "90;refresher=uas"), ("Require", "timer"));
        Assert.False(call.Dialog.IsSessionRefresher);

        time.Advance(TimeSpan.FromSeconds(61)); // RFC 4028 §10: no refresh came; the BYE is due 60 s after the 200.
        await call.ChallengeByeAndAcceptItsRetryAsync(407);
        Assert.Equal(DialogState.Terminated, call.Dialog.State);
    }

    [Fact]
    public async Task AChallengedByeOfADisposedDialogIsSentAgainWithCredentials()
    {
        await using var call = await ChallengingCallee.CallAsync("wonderland");

        Task disposed = call.Dialog.DisposeAsync().AsTask();
        await call.ChallengeByeAndAcceptItsRetryAsync(401);
        await disposed.WaitAsync(Timeout);
    }

    [Fact]
    public async Task AChallengedByeForAMissingAckIsSentAgainWithCredentials()
    {
        // The stack answers a call and gives the dialog credentials; the caller never ACKs, so the stack hangs up
        // (RFC 3261 §13.3.1.4) and the caller challenges that BYE.
        var uas = new IncomingCallUas((call, ct) => call.AnswerAsync(Answer, d => d.Digest = ChallengingCallee.Client("wonderland"), cancellationToken: ct));
        await using var stack = new SipStack(Parties.Options(), uas);
        await stack.StartAsync();
        await using var caller = new RawSipSocket();
        var authenticator = ChallengingCallee.Authenticator();
        IPEndPoint target = stack.LocalEndPoints[0].Address;
        await caller.SendAsync(
            "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + caller.Port + ";branch=z9hG4bKnoack;rport\r\n" +
            "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=noack\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: noack-" + Guid.NewGuid().ToString("N") + "\r\n" +
            "CSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:" + caller.Port + ">\r\nContent-Type: application/sdp\r\n" +
            "Content-Length: " + Offer.Length + "\r\n\r\n" + Offer,
            target);
        Assert.Equal(200, (await caller.ReceiveResponseAsync(r => r.StatusCode >= 200, Timeout)).StatusCode);

        (SipRequest first, IPEndPoint from) = await caller.ReceiveRequestAsync(Timeout); // After 64×T1 without ACK.
        Assert.Equal(SipMethods.Bye, first.Method);
        await caller.SendAsync(Challenge(first, 401, authenticator.CreateChallenges()), from);
        SipRequest second;
        do
        {
            (second, _) = await caller.ReceiveRequestAsync(Timeout); // Skips the first BYE sent again before the 401 came.
        }
        while (second.CSeqNumber == first.CSeqNumber);

        Assert.Equal(SipMethods.Bye, second.Method);
        Assert.Equal(first.CSeqNumber + 1, second.CSeqNumber);
        Assert.Equal(DigestOutcome.Authenticated, (await authenticator.AuthenticateAsync(second, IPAddress.Loopback)).Outcome);
        await caller.SendAsync(SipMessageBuilder.ResponseTo(second, 200), from);
    }

    [Fact]
    public async Task ADialogImportedElsewhereAnswersChallengesWithThatStacksClientOfTheSameNameAndNoPasswordMoves()
    {
        await using var exporting = new SipStack(Parties.Options());
        await exporting.StartAsync();
        await using var importing = new SipStack(Parties.Options());
        await importing.StartAsync();
        await using var socket = new RawSipSocket();
        var credentials = new SipCredentialTable();
        credentials.SetForRealm(Realm, new SipCredential("alice", "wonderland"));
        importing.AddDigestClient(new DigestClient(credentials) { Name = "trunk" });
        var digest = new DigestClient(credentials) { Name = "trunk" };

        OutgoingCall call = await exporting.InviteAsync("sip:bob@127.0.0.1:" + socket.Port, new InviteOptions { SessionDescription = Offer, Digest = digest });
        (SipRequest invite, IPEndPoint caller) = await socket.ReceiveRequestAsync(Timeout);
        await socket.SendAsync(
            SipMessageBuilder.ResponseTo(invite, 200, toTag: "callee").Add(SipHeaderKind.Contact, $"<sip:bob@127.0.0.1:{socket.Port}>")
                .WithBody("application/sdp", System.Text.Encoding.UTF8.GetBytes(Answer)),
            caller);
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        Assert.Equal(SipMethods.Ack, (await NextAsync(socket, SipMethods.Ack)).Request.Method);
        DialogSnapshot snapshot = await exporting.ExportDialogAsync(dialog);
        byte[] bytes = snapshot.Serialize();
        Dialog imported = await importing.ImportDialogAsync(DialogSnapshot.Deserialize(bytes));

        Task<SipResponse> bye = imported.ByeAsync();
        (SipRequest first, IPEndPoint from) = await NextAsync(socket, SipMethods.Bye);
        DigestAuthenticator authenticator = ChallengingCallee.Authenticator();
        await socket.SendAsync(Challenge(first, 407, authenticator.CreateChallenges(false)), from);
        (SipRequest second, _) = await NextAsync(socket, SipMethods.Bye, first.CSeqNumber + 1);

        Assert.Equal("trunk", snapshot.DigestClientName);
        Assert.DoesNotContain("wonderland", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Same(imported.Digest, importing.DialogLayer.DigestClients["trunk"]);
        Assert.Equal(DigestOutcome.Authenticated, (await authenticator.AuthenticateAsync(second, IPAddress.Loopback, asProxy: true)).Outcome);
        await socket.SendAsync(SipMessageBuilder.ResponseTo(second, 200), from);
        Assert.Equal(200, (await bye.WaitAsync(Timeout)).StatusCode);
    }

    [Fact]
    public async Task OnlyANamedDigestClientCanBeHeldForImportedDialogs()
    {
        await using var stack = new SipStack(Parties.Options());
        Assert.Throws<ArgumentException>(() => stack.AddDigestClient(ChallengingCallee.Client("wonderland")));
    }

    /// <summary>The next request of <paramref name="method"/> (with CSeq <paramref name="cseq"/> when given), past retransmissions and others.</summary>
    private static async Task<(SipRequest Request, IPEndPoint From)> NextAsync(RawSipSocket socket, string method, uint? cseq = null)
    {
        while (true)
        {
            (SipRequest request, IPEndPoint from) = await socket.ReceiveRequestAsync(Timeout);
            if (request.Method == method && (cseq is null || request.CSeqNumber == cseq))
            {
                return (request, from);
            }
        }
    }

    private static SipStackOptions SessionTimed()
    {
        SipStackOptions options = Parties.Options();
        options.SessionTimers.Enabled = true;
        options.SessionTimers.MinimumInterval = TimeSpan.FromSeconds(90);
        options.SessionTimers.Interval = TimeSpan.FromSeconds(90);
        return options;
    }

    private static SipMessageBuilder Challenge(SipRequest request, int status, IReadOnlyList<string> challenges)
    {
        SipMessageBuilder response = SipMessageBuilder.ResponseTo(request, status);
        foreach (string challenge in challenges)
        {
            response.Add(status == 407 ? SipHeaderKind.ProxyAuthenticate : SipHeaderKind.WwwAuthenticate, challenge);
        }

        return response;
    }

    /// <summary>A call the stack placed to a callee played over a raw socket, which challenges as a test tells it.</summary>
    private sealed class ChallengingCallee : IAsyncDisposable
    {
        private readonly SipStack _stack;
        private readonly RawSipSocket _socket;
        private readonly IPEndPoint _caller;
        private readonly DigestAuthenticator _authenticator = Authenticator();
        private readonly HashSet<string> _seen;

        private ChallengingCallee(SipStack stack, RawSipSocket socket, IPEndPoint caller, Dialog dialog, HashSet<string> seen)
        {
            _seen = seen;
            _stack = stack;
            _socket = socket;
            _caller = caller;
            Dialog = dialog;
        }

        public Dialog Dialog { get; }

        public SipStack Stack => _stack;

        public static DigestAuthenticator Authenticator()
        {
            Assert.True(DigestSecretFile.TryParse($"alice {Realm} plain:wonderland\n", out DigestSecretFile? secrets, out _));
            return new DigestAuthenticator(new DigestServerOptions { Realm = Realm }, secrets);
        }

        public static DigestClient Client(string password)
        {
            var credentials = new SipCredentialTable();
            credentials.SetForRealm(Realm, new SipCredential("alice", password));
            return new DigestClient(credentials);
        }

        /// <summary>Places the call (answered 200 at once, without a challenge) and acknowledges it.</summary>
        public static async Task<ChallengingCallee> CallAsync(
            string password, SipStackOptions? options = null, TimeProvider? time = null, params (string Name, string Value)[] okHeaders)
        {
            var stack = new SipStack(options ?? Parties.Options(), timeProvider: time);
            await stack.StartAsync();
            var socket = new RawSipSocket();
            var invited = new InviteOptions { SessionDescription = Offer, Digest = Client(password) };
            OutgoingCall call = await stack.InviteAsync("sip:bob@127.0.0.1:" + socket.Port, invited);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            (SipRequest invite, IPEndPoint caller) = await NextNewRequestAsync(socket, seen);
            SipMessageBuilder ok = SipMessageBuilder.ResponseTo(invite, 200, toTag: "callee")
                .Add(SipHeaderKind.Contact, $"<sip:bob@127.0.0.1:{socket.Port}>");
            foreach ((string name, string value) in okHeaders)
            {
                ok.Add(name, value);
            }

            ok.WithBody("application/sdp", System.Text.Encoding.UTF8.GetBytes(Answer));
            await socket.SendAsync(ok, caller);
            Dialog dialog = await call.Answered.WaitAsync(Timeout);
            Assert.Equal(SipMethods.Ack, (await NextNewRequestAsync(socket, seen)).Request.Method);
            return new ChallengingCallee(stack, socket, caller, dialog, seen);
        }

        /// <summary>
        /// The next request that is not a retransmission of one received before (same method, CSeq and branch): a
        /// slow test thread lets the stack's Timer A or E send a request again before the callee answers it.
        /// </summary>
        private static async Task<(SipRequest Request, IPEndPoint From)> NextNewRequestAsync(RawSipSocket socket, HashSet<string> seen)
        {
            while (true)
            {
                (SipRequest request, IPEndPoint from) = await socket.ReceiveRequestAsync(Timeout);
                string key = request.Method + " " + request.CSeqNumber + " " + System.Text.Encoding.ASCII.GetString(request.TopViaBranch);
                if (seen.Add(key))
                {
                    return (request, from);
                }
            }
        }

        /// <summary>The next request; of <paramref name="method"/> when given.</summary>
        public async Task<SipRequest> ReceiveAsync(string? method)
        {
            (SipRequest request, _) = await NextNewRequestAsync(_socket, _seen);
            if (method is not null)
            {
                Assert.Equal(method, request.Method);
            }

            return request;
        }

        public Task ChallengeAsync(SipRequest request, int status, bool stale = false) =>
            _socket.SendAsync(Challenge(request, status, _authenticator.CreateChallenges(stale)), _caller);

        /// <summary>Challenges the next BYE, checks that it comes again with credentials and the next CSeq, and answers that 200.</summary>
        public async Task ChallengeByeAndAcceptItsRetryAsync(int status)
        {
            SipRequest first = await ReceiveAsync(SipMethods.Bye);
            await ChallengeAsync(first, status);
            SipRequest second = await ReceiveAsync(SipMethods.Bye);

            Assert.Equal(first.CSeqNumber + 1, second.CSeqNumber);
            Assert.Equal(DigestOutcome.Authenticated, (await VerifyAsync(second, asProxy: status == 407)).Outcome);
            await RespondAsync(second, 200);
        }

        public ValueTask<DigestVerdict> VerifyAsync(SipRequest request, bool asProxy) =>
            _authenticator.AuthenticateAsync(request, IPAddress.Loopback, asProxy);

        public Task RespondAsync(SipRequest request, int status, string? body = null)
        {
            SipMessageBuilder response = SipMessageBuilder.ResponseTo(request, status);
            if (request.Method == SipMethods.Invite)
            {
                response.Add(SipHeaderKind.Contact, $"<sip:bob@127.0.0.1:{_socket.Port}>");
            }

            if (body is not null)
            {
                response.WithBody("application/sdp", System.Text.Encoding.UTF8.GetBytes(body));
            }

            return _socket.SendAsync(response, _caller);
        }

        public async ValueTask DisposeAsync()
        {
            await _stack.DisposeAsync();
            await _socket.DisposeAsync();
        }
    }
}
