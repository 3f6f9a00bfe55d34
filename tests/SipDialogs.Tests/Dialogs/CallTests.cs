using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Dialogs;

/// <summary>Our UAC calling our UAS over UDP on loopback, through the public API: each step as a user would check it.</summary>
public sealed class CallTests
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    internal const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
    private const string Answer = "v=0\r\no=bob 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";

    [Fact]
    public async Task ACallRingsIsAnsweredAndEndsWithTheCallersBye()
    {
        var calleeDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        var offerSeen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var callerHeardRinging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            offerSeen.TrySetResult(Encoding.UTF8.GetString(call.Offer.Span));
            await call.RingAsync(ct);
            await callerHeardRinging.Task.WaitAsync(ct); // UDP may reorder a 180 and a 200 sent back to back.
            calleeDialog.TrySetResult(await call.AnswerAsync(Answer, cancellationToken: ct));
        });

        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        SipResponse ringing = await ReadProgressAsync(call, 180);
        callerHeardRinging.SetResult();
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        Dialog callee = await calleeDialog.Task.WaitAsync(Timeout);

        Assert.Equal(180, ringing.StatusCode);
        Assert.Equal(Offer, await offerSeen.Task);
        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Equal(DialogState.Confirmed, callee.State);
        Assert.True(dialog.IsUac);
        Assert.False(callee.IsUac);
        Assert.Equal(dialog.Id.CallId, callee.Id.CallId);
        Assert.Equal(dialog.Id.LocalTag, callee.Id.RemoteTag);
        Assert.Equal(dialog.Id.RemoteTag, callee.Id.LocalTag);
        Assert.Equal(Offer, Encoding.UTF8.GetString(dialog.LocalSessionDescription.Span));
        Assert.Equal(Answer, Encoding.UTF8.GetString(callee.LocalSessionDescription.Span));
        Assert.Contains(parties.CalleePort, dialog.RemoteTarget, StringComparison.Ordinal);
        Assert.Empty(dialog.RouteSet);

        Task<DialogStateChangedEventArgs> calleeEnded = NextStateAsync(callee, DialogState.Terminated);
        SipResponse bye = await dialog.ByeAsync().WaitAsync(Timeout);

        Assert.Equal(200, bye.StatusCode);
        Assert.Equal(DialogState.Terminated, dialog.State);
        Assert.Equal(DialogState.Confirmed, (await calleeEnded.WaitAsync(Timeout)).Previous);
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task TheCalleeHangsUpAndTheCallerSeesTheDialogEnd()
    {
        var calleeDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) => calleeDialog.TrySetResult(await call.AnswerAsync(Answer, cancellationToken: ct)));

        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        Task<DialogStateChangedEventArgs> callerEnded = NextStateAsync(dialog, DialogState.Terminated);
        Dialog callee = await calleeDialog.Task.WaitAsync(Timeout);

        SipResponse bye = await callee.ByeAsync().WaitAsync(Timeout);

        Assert.Equal(200, bye.StatusCode);
        await callerEnded.WaitAsync(Timeout);
        Assert.Equal(DialogState.Terminated, dialog.State);
        await parties.AssertEverythingFreedAsync();
    }

    [Theory]
    [InlineData(486)]
    [InlineData(603)]
    public async Task ARejectedCallFailsWithTheCalleesStatus(int status)
    {
        await using var parties = await Parties.StartAsync(async (call, ct) => await call.RejectAsync(status, cancellationToken: ct));

        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri);
        var failure = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(Timeout));

        Assert.Equal(status, failure.StatusCode);
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ARedirectGivesTheCallerTheNewContacts()
    {
        await using var parties = await Parties.StartAsync(async (call, ct) => await call.RedirectAsync(["sip:carol@127.0.0.1:5999"], cancellationToken: ct));

        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri);
        var failure = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(Timeout));

        Assert.Equal(302, failure.StatusCode);
        Assert.True(failure.Response!.TryGetContact(out IReadOnlyList<ContactHeader>? contacts, out _));
        Assert.Equal("sip:carol@127.0.0.1:5999", contacts!.Single().Address!.Uri.ToString());
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task CancellingTheTokenCancelsARingingCallAndTheCalleeSeesIt()
    {
        var calleeCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var early = new TaskCompletionSource<Dialog?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            await call.RingAsync(ct);
            early.TrySetResult(call.Dialog);
            await Task.Delay(Timeout, ct).ContinueWith(_ => calleeCancelled.TrySetResult(), TaskScheduler.Default);
        });

        using var cancel = new CancellationTokenSource();
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, cancellationToken: cancel.Token);
        await ReadProgressAsync(call, 180);
        Dialog? calleeEarly = await early.Task.WaitAsync(Timeout);
        Assert.Equal(DialogState.Early, Assert.Single(call.Dialogs).State);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Answered.WaitAsync(Timeout));
        await calleeCancelled.Task.WaitAsync(Timeout);
        Assert.Equal(DialogState.Terminated, Assert.Single(call.Dialogs).State);
        Assert.Equal(DialogState.Terminated, calleeEarly!.State);
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AReInviteCarriesANewOfferAndTheHandlersAnswer()
    {
        var calleeDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            Dialog dialog = await call.AnswerAsync(Answer, cancellationToken: ct);
            dialog.RequestReceived += (_, e) =>
            {
                if (e.Method == SipMethods.Invite)
                {
                    received.TrySetResult(Encoding.UTF8.GetString(e.Body.Span));
                    _ = e.AcceptAsync(Answer.Replace("3456", "4000", StringComparison.Ordinal)).AsTask();
                }
            };
            calleeDialog.TrySetResult(dialog);
        });

        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        await calleeDialog.Task.WaitAsync(Timeout);
        string newOffer = Offer.Replace("49170", "50000", StringComparison.Ordinal);

        SipResponse response = await dialog.ReInviteAsync(newOffer).WaitAsync(Timeout);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(newOffer, await received.Task.WaitAsync(Timeout));
        Assert.Contains("m=audio 4000", Encoding.UTF8.GetString(response.Body.Span), StringComparison.Ordinal);
        Assert.Equal(newOffer, Encoding.UTF8.GetString(dialog.LocalSessionDescription.Span));
        await dialog.DisposeAsync();
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task UpdateInfoAndOptionsAreAnsweredWithinTheDialogWithoutAHandler()
    {
        await using var parties = await Parties.StartAsync(async (call, ct) => await call.AnswerAsync(Answer, cancellationToken: ct));
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(Timeout);

        SipResponse update = await dialog.UpdateAsync(Offer).WaitAsync(Timeout);
        SipResponse info = await dialog.InfoAsync("Signal=5\r\nDuration=160\r\n", "application/dtmf-relay").WaitAsync(Timeout);
        SipResponse options = await dialog.SendRequestAsync(SipMethods.Options).WaitAsync(Timeout);
        SipResponse message = await dialog.SendRequestAsync(SipMethods.Message, "hi", "text/plain").WaitAsync(Timeout);

        Assert.Equal(200, update.StatusCode);
        Assert.Equal(Answer, Encoding.UTF8.GetString(update.Body.Span)); // The callee's current description answers.
        Assert.Equal(200, info.StatusCode);
        Assert.True(info.Body.IsEmpty, "INFO takes no part in offer/answer: its 200 carries no session description.");
        Assert.Equal(200, options.StatusCode);
        Assert.Equal(405, message.StatusCode);
        Assert.Equal(DialogState.Confirmed, dialog.State);
        await dialog.DisposeAsync();
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AnOfferThatMeets491IsRetriedAfterTheRfc3261Delay()
    {
        int reInvites = 0;
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            await call.AnswerAsync(Answer, dialog => dialog.RequestReceived += (_, e) =>
            {
                if (e.Method == SipMethods.Invite && Interlocked.Increment(ref reInvites) == 1)
                {
                    _ = e.RespondAsync(491).AsTask(); // As if our own offer had crossed it (RFC 3261 §14.2).
                }
            }, cancellationToken: ct);
        });
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        long started = TimeProvider.System.GetTimestamp();

        SipResponse response = await dialog.ReInviteAsync(Offer).WaitAsync(Timeout);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(2, Volatile.Read(ref reInvites));
        // The caller owns the Call-ID, so it waits 2.1 to 4 s before trying again (RFC 3261 §14.1).
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(2100));
        await dialog.DisposeAsync();
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AnOfferCrossingOursIsAnswered491()
    {
        var pending = new TaskCompletionSource<DialogRequestEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calleeDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            Dialog dialog = await call.AnswerAsync(Answer, cancellationToken: ct);
            dialog.RequestReceived += (_, e) =>
            {
                e.Defer(); // The callee holds the caller's re-INVITE unanswered...
                pending.TrySetResult(e);
            };
            calleeDialog.TrySetResult(dialog);
        });
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        Dialog callee = await calleeDialog.Task.WaitAsync(Timeout);

        Task<SipResponse> reInvite = dialog.ReInviteAsync(Offer);
        DialogRequestEventArgs held = await pending.Task.WaitAsync(Timeout);
        // ...and sends an offer of its own, which crosses the caller's.
        SipResponse crossing = await callee.SendRequestAsync(SipMethods.Update, Answer, "application/sdp").WaitAsync(Timeout);
        await held.AcceptAsync(Answer);

        Assert.Equal(491, crossing.StatusCode);
        Assert.Equal(200, (await reInvite.WaitAsync(Timeout)).StatusCode);
        await dialog.DisposeAsync();
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AHandlerThatThrowsIsCountedAndTheStackCarriesOn()
    {
        int calls = 0;
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("the application failed");
            }

            await call.AnswerAsync(Answer, dialog =>
            {
                dialog.RequestReceived += (_, _) => throw new InvalidOperationException("the event handler failed");
                dialog.StateChanged += (_, _) => throw new InvalidOperationException("the state handler failed");
            }, cancellationToken: ct);
        });

        OutgoingCall first = await parties.Caller.InviteAsync(parties.CalleeUri);
        var failure = await Assert.ThrowsAsync<SipCallFailedException>(() => first.Answered.WaitAsync(Timeout));
        OutgoingCall second = await parties.Caller.InviteAsync(parties.CalleeUri);
        Dialog dialog = await second.Answered.WaitAsync(Timeout);
        SipResponse info = await dialog.InfoAsync("x").WaitAsync(Timeout);
        SipResponse bye = await dialog.ByeAsync().WaitAsync(Timeout);

        Assert.Equal(500, failure.StatusCode);
        Assert.Equal(500, info.StatusCode);
        Assert.Equal(200, bye.StatusCode);
        await Poll.UntilAsync(() => parties.Callee.HandlerFaults == 3, Timeout, $"handler faults {parties.Callee.HandlerFaults}");
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task DisposingADialogFromManyThreadsAtOnceEndsItOnceAndGracefully()
    {
        var calleeDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) => calleeDialog.TrySetResult(await call.AnswerAsync(Answer, cancellationToken: ct)));
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri);
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        Dialog callee = await calleeDialog.Task.WaitAsync(Timeout);
        int ended = 0;
        callee.StateChanged += (_, e) => Interlocked.Increment(ref ended);

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task[] disposers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            await dialog.DisposeAsync();
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(disposers).WaitAsync(Timeout);
        await dialog.DisposeAsync();

        Assert.Equal(DialogState.Terminated, dialog.State);
        await Poll.UntilAsync(() => callee.State == DialogState.Terminated, Timeout, "the callee's dialog ends");
        await parties.AssertEverythingFreedAsync();
        Assert.Equal(1, Volatile.Read(ref ended));
    }

    [Fact]
    public async Task DisposingAnEarlyDialogCancelsTheCall()
    {
        var ringing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            await call.RingAsync(ct);
            ringing.TrySetResult();
            await Task.Delay(Timeout, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri);
        await ringing.Task.WaitAsync(Timeout);
        await ReadProgressAsync(call, 180);

        await call.Dialogs.Single().DisposeAsync().AsTask().WaitAsync(Timeout);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Answered.WaitAsync(Timeout));
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AnUnknownDialogGets481()
    {
        await using var parties = await Parties.StartAsync(async (call, ct) => await call.AnswerAsync(Answer, cancellationToken: ct));
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri);
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        SipResponse bye = await dialog.ByeAsync().WaitAsync(Timeout);
        Assert.Equal(200, bye.StatusCode);

        // The dialog is gone at the callee: the same request again finds nothing.
        SipResponse again = await UdpPeer.AskAsync(
            parties.CalleeEndPoint,
            $"BYE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{{port}};branch=z9hG4bK-481\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:a@127.0.0.1>;tag={dialog.Id.LocalTag}\r\nTo: <sip:b@127.0.0.1>;tag={dialog.Id.RemoteTag}\r\nCall-ID: {dialog.Id.CallId}\r\n" +
            "CSeq: 9 BYE\r\nContent-Length: 0\r\n\r\n",
            Timeout);

        Assert.Equal(481, again.StatusCode);
        await parties.AssertEverythingFreedAsync();
    }

    internal static async Task<SipResponse> ReadProgressAsync(OutgoingCall call, int status)
    {
        using var cancel = new CancellationTokenSource(Timeout);
        await foreach (SipResponse response in call.Progress.ReadAllAsync(cancel.Token))
        {
            if (response.StatusCode == status)
            {
                return response;
            }
        }

        throw new InvalidOperationException($"No {status} came before the call's final response.");
    }

    internal static Task<DialogStateChangedEventArgs> NextStateAsync(Dialog dialog, DialogState state)
    {
        var changed = new TaskCompletionSource<DialogStateChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        dialog.StateChanged += (_, e) =>
        {
            if (e.State == state)
            {
                changed.TrySetResult(e);
            }
        };
        return changed.Task;
    }

    [Fact]
    public async Task RequestsNameTheProductInUserAgentAndAnEmptySettingLeavesItOut()
    {
        var agents = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            agents.Enqueue(call.Request.GetHeaderValue(SipHeaderKind.UserAgent));
            await call.AnswerAsync(Answer, cancellationToken: ct);
        });
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(Timeout);
        SipResponse info = await dialog.InfoAsync("x", "text/plain").WaitAsync(Timeout);

        Assert.True(agents.TryDequeue(out string? agent));
        Assert.Equal(SipStackOptions.DefaultUserAgent, agent);
        Assert.Equal(SipStackOptions.DefaultUserAgent, info.GetHeaderValue(SipHeaderKind.Server));
        await dialog.DisposeAsync();

        SipStackOptions quiet = Parties.Options();
        quiet.UserAgent = string.Empty;
        await using var silent = new SipStack(quiet);
        await silent.StartAsync();
        OutgoingCall second = await silent.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        await (await second.Answered.WaitAsync(Timeout)).DisposeAsync();
        Assert.True(agents.TryDequeue(out string? none));
        Assert.Null(none);
    }

    [Fact]
    public async Task ANewCallBeyondMaxCallsGets503WithRetryAfterWhileTheCallsUpCarryOn()
    {
        SipStackOptions limited = Parties.Options();
        limited.Limits.MaxCalls = 1;
        await using var callee = new SipStack(limited, new IncomingCallUas(async (call, ct) => await call.AnswerAsync(Answer, cancellationToken: ct)));
        await callee.StartAsync();
        await using var caller = new SipStack(Parties.Options());
        await caller.StartAsync();
        string uri = "sip:bob@" + callee.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

        Dialog first = await (await caller.InviteAsync(uri, new InviteOptions { SessionDescription = Offer })).Answered.WaitAsync(Timeout);
        OutgoingCall second = await caller.InviteAsync(uri, new InviteOptions { SessionDescription = Offer });
        SipCallFailedException refused = await Assert.ThrowsAsync<SipCallFailedException>(() => second.Answered.WaitAsync(Timeout));

        Assert.Equal(503, refused.StatusCode);
        Assert.NotNull(refused.Response!.GetHeaderValue(SipHeaderKind.RetryAfter));
        Assert.Equal(1, callee.RefusedForMaxCalls);
        Assert.Equal(200, (await first.InfoAsync("x", "text/plain").WaitAsync(Timeout)).StatusCode); // The call up is served.
        await first.DisposeAsync();
        await Poll.UntilAsync(() => callee.DialogCount == 0, Timeout, "the first call ends at the callee");

        Dialog third = await (await caller.InviteAsync(uri, new InviteOptions { SessionDescription = Offer })).Answered.WaitAsync(Timeout);
        Assert.Equal(DialogState.Confirmed, third.State);
        await third.DisposeAsync();
    }
}
