using System.Text;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Bridging;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Bridging;

/// <summary>
/// A <see cref="CallBridge"/> between three real stacks on loopback: a caller, the bridge (a B2BUA whose calls go to the
/// callee) and a callee. Short timers (T1 = 50 ms), so that each test ends with nothing left on any stack.
/// </summary>
public sealed class CallBridgeTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;
    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
    private const string Answer = "v=0\r\no=bob 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";
    private const string HoldOffer = "v=0\r\no=alice 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=sendonly\r\n";
    private const string HoldAnswer = "v=0\r\no=bob 2 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\na=recvonly\r\n";

    [Fact]
    public async Task ACallCrossesTheBridgeWithItsOfferAndAnswerAndTheCallersByeEndsBothLegs()
    {
        await using var run = await Run.StartAsync(static async (call, _) => await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None));

        (Dialog caller, CallBridge bridge) = await run.CallAsync();

        Assert.Equal(Answer, Encoding.UTF8.GetString(caller.RemoteSessionDescription.Span));
        Assert.Equal(Offer, Encoding.UTF8.GetString(run.CalleeCall!.Offer.Span));
        await caller.ByeAsync().WaitAsync(s_timeout);
        CallRecord record = await bridge.Ended.WaitAsync(s_timeout);
        Assert.Equal((BridgeSide.Caller, CallEndCause.Bye, 200), (record.HungUpBy, record.Cause, record.FinalStatus));
        Assert.Equal(caller.Id.CallId, record.CallerCallId);
        Assert.Equal(run.CalleeCall.Request.CallId, record.CalleeCallId);
        Assert.NotNull(record.AnsweredAt);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task TheCalleesByeEndsTheCallersLegAndTheRecordSaysTheCalleeHungUp()
    {
        await using var run = await Run.StartAsync(static async (call, _) => await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None));
        (Dialog caller, CallBridge bridge) = await run.CallAsync();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        caller.StateChanged += (_, e) =>
        {
            if (e.State == DialogState.Terminated)
            {
                ended.TrySetResult();
            }
        };

        await (await run.CalleeDialogAsync()).ByeAsync().WaitAsync(s_timeout);

        await ended.Task.WaitAsync(s_timeout);
        Assert.Equal(DialogEndReason.ByeReceived, caller.EndReason);
        CallRecord record = await bridge.Ended.WaitAsync(s_timeout);
        Assert.Equal((BridgeSide.Callee, CallEndCause.Bye), (record.HungUpBy, record.Cause));
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AReInviteFromEachSideCarriesItsOfferAndAnswerAcrossWithEachLegsOwnCSeq()
    {
        await using var run = await Run.StartAsync(static async (call, _) => await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None, prepare: d => d.RequestReceived += (_, e) =>
        {
            if (e.Method == SipMethods.Invite)
            {
                e.Defer();
                _ = e.AcceptAsync(HoldAnswer).AsTask();
            }
        }));
        (Dialog caller, CallBridge bridge) = await run.CallAsync();
        Dialog callee = await run.CalleeDialogAsync();
        var calleeSaw = new TaskCompletionSource<SipRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        run.CalleeRequests += request => calleeSaw.TrySetResult(request);

        SipResponse fromCaller = await caller.ReInviteAsync(HoldOffer).WaitAsync(s_timeout);

        Assert.Equal(200, fromCaller.StatusCode);
        Assert.Equal(HoldAnswer, Encoding.UTF8.GetString(fromCaller.Body.Span));
        SipRequest crossed = await calleeSaw.Task.WaitAsync(s_timeout);
        Assert.Equal(HoldOffer, Encoding.UTF8.GetString(crossed.Body.Span));
        Assert.Equal(2L, crossed.CSeqNumber); // The bridge's own second request on the B leg.

        caller.RequestReceived += (_, e) =>
        {
            if (e.Method == SipMethods.Invite)
            {
                e.Defer();
                _ = e.AcceptAsync(Offer).AsTask();
            }
        };
        SipResponse fromCallee = await callee.ReInviteAsync(Answer).WaitAsync(s_timeout);

        Assert.Equal(200, fromCallee.StatusCode);
        Assert.Equal(Offer, Encoding.UTF8.GetString(fromCallee.Body.Span));
        await caller.ByeAsync().WaitAsync(s_timeout);
        await bridge.Ended.WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task InfoCrossesTheBridgeWithItsBodyAndTheCalleesStatusComesBack()
    {
        await using var run = await Run.StartAsync(static async (call, _) => await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None, prepare: d => d.RequestReceived += (_, e) =>
        {
            if (e.Method == SipMethods.Info)
            {
                e.Defer();
                _ = e.RespondAsync(e.Body.Length == 0 ? 400 : 200).AsTask();
            }
        }));
        (Dialog caller, CallBridge bridge) = await run.CallAsync();
        var calleeSaw = new TaskCompletionSource<SipRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        run.CalleeRequests += request => calleeSaw.TrySetResult(request);

        SipResponse response = await caller.InfoAsync("Signal=5\r\nDuration=160\r\n", "application/dtmf-relay").WaitAsync(s_timeout);

        Assert.Equal(200, response.StatusCode);
        SipRequest crossed = await calleeSaw.Task.WaitAsync(s_timeout);
        Assert.Equal("application/dtmf-relay", crossed.GetHeaderValue(SipHeaderKind.ContentType));
        Assert.Equal("Signal=5\r\nDuration=160\r\n", Encoding.UTF8.GetString(crossed.Body.Span));
        await caller.ByeAsync().WaitAsync(s_timeout);
        await bridge.Ended.WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task EarlyMediaCrossesBeforeTheAnswerAndTheBLegHidesTheCallersTopology()
    {
        await using var run = await Run.StartAsync(static async (call, _) =>
        {
            await call.ProgressAsync(183, Answer, cancellationToken: CancellationToken.None);
            await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None);
        });
        var options = new InviteOptions { SessionDescription = Offer, From = "\"Alice\" <sip:alice@127.0.0.1:9>" };
        options.Headers.Add(new("P-Asserted-Identity", "<sip:alice@example.com>"));
        options.Headers.Add(new("X-Account", "42"));
        options.Headers.Add(new("Subject", "not crossing"));
        OutgoingCall placed = await run.Caller.InviteAsync(run.BridgeUri, options);
        var progress = new List<SipResponse>();
        await foreach (SipResponse response in placed.Progress.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_timeout).Token))
        {
            progress.Add(response);
        }

        Dialog caller = await placed.Answered.WaitAsync(s_timeout);
        SipResponse early = Assert.Single(progress, r => r.StatusCode == 183);
        Assert.Equal(Answer, Encoding.UTF8.GetString(early.Body.Span));

        SipRequest b = run.CalleeCall!.Request;
        SipRequest a = placed.Request;
        Assert.NotEqual(a.CallId, b.CallId);
        Assert.NotEqual(a.GetHeaderValue(SipHeaderKind.Contact), b.GetHeaderValue(SipHeaderKind.Contact));
        Assert.DoesNotContain(Encoding.UTF8.GetString(a.FromTag), b.ToString(), StringComparison.Ordinal);
        string aVia = a.GetHeaderValue(SipHeaderKind.Via)!;
        Assert.DoesNotContain(aVia[(aVia.IndexOf(' ', StringComparison.Ordinal) + 1)..aVia.IndexOf(';', StringComparison.Ordinal)], b.ToString(), StringComparison.Ordinal);
        Assert.Equal("<sip:alice@example.com>", b.GetHeaderValue("P-Asserted-Identity"));
        Assert.Equal("42", b.GetHeaderValue("X-Account"));
        Assert.Null(b.GetHeaderValue("Subject"));
        Assert.Equal(69, b.MaxForwards); // One less than the caller's 70 (RFC 3261 §16.6).
        Assert.StartsWith("Alice <sip:alice@127.0.0.1>", b.GetHeaderValue(SipHeaderKind.From), StringComparison.Ordinal);

        await caller.ByeAsync().WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task TheCallersCancelCancelsTheBLegAndTheRecordSaysTheCallerCancelled()
    {
        var ringing = new TaskCompletionSource<IncomingCall>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calleeCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var run = await Run.StartAsync(async (call, cancelled) =>
        {
            cancelled.Register(() => calleeCancelled.TrySetResult());
            await call.RingAsync(CancellationToken.None);
            ringing.TrySetResult(call);
            await Task.Delay(s_timeout * 2, cancelled); // Rings until cancelled; the stack answers the CANCEL 487.
        });
        using var cancel = new CancellationTokenSource();
        OutgoingCall placed = await run.Caller.InviteAsync(run.BridgeUri, new InviteOptions { SessionDescription = Offer }, cancel.Token);
        await foreach (SipResponse response in placed.Progress.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_timeout).Token))
        {
            if (response.StatusCode == 180)
            {
                break;
            }
        }

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => placed.Answered.WaitAsync(s_timeout));
        await calleeCancelled.Task.WaitAsync(s_timeout);
        CallRecord record = await (await run.BridgeAsync()).Ended.WaitAsync(s_timeout);
        Assert.Equal((BridgeSide.Caller, CallEndCause.Cancelled, 487), (record.HungUpBy, record.Cause, record.FinalStatus));
        Assert.Null(record.AnsweredAt);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AFiveHundredThreeFromTheCalleeLeavesTheCallerUnansweredForTheApplicationWhichPassesItOnAs500()
    {
        await using var run = await Run.StartAsync(static async (call, _) => await call.RejectAsync(503, cancellationToken: CancellationToken.None));
        OutgoingCall placed = await run.Caller.InviteAsync(run.BridgeUri, new InviteOptions { SessionDescription = Offer });

        SipCallFailedException failed = await Assert.ThrowsAsync<SipCallFailedException>(() => placed.Answered.WaitAsync(s_timeout));

        Assert.Equal(500, failed.StatusCode); // RFC 3261 §16.7 step 6.
        CallRecord record = await (await run.BridgeAsync()).Ended.WaitAsync(s_timeout);
        Assert.Equal((BridgeSide.Callee, CallEndCause.Rejected, 500), (record.HungUpBy, record.Cause, record.FinalStatus));
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ACallerLegWhoseSessionExpiresEndsTheCalleeLegAndTheRecordSaysSo()
    {
        // Session timers run per leg (RFC 4028): the SIPp caller asks to refresh every 90 s and never does, so the
        // bridge ends its leg with BYE 60 s in (§10), and the callee's leg, which has no session timer, with it.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var bridged = new TaskCompletionSource<CallBridge>(TaskCreationOptions.RunContinuationsAsynchronously);
        SipStackOptions calleeOptions = Parties.Options();
        calleeOptions.SessionTimers.Enabled = false;
        await using var callee = new SipStack(calleeOptions, new IncomingCallUas(static async (call, _) => await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None)));
        await callee.StartAsync();
        SipStackOptions bridgeOptions = Parties.Options();
        bridgeOptions.SessionTimers.MinimumInterval = TimeSpan.FromSeconds(90);
        SipStack? bridgeStack = null;
        await using var bridge = bridgeStack = new SipStack(bridgeOptions, new IncomingCallUas(async (call, _) =>
        {
            var made = new CallBridge(bridgeStack!, call);
            bridged.TrySetResult(made);
            await made.ConnectAsync("sip:bob@" + callee.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address, cancellationToken: CancellationToken.None);
        }), timeProvider: time);
        await bridge.StartAsync();
        System.Net.IPEndPoint target = bridge.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

        Task<SippResult> sipp = Sipp.RunAsync("tests/sipp/uac-session-timer.xml", target, calls: 1, rate: 1, s_timeout, extra: ["-cid_str", "bridge-timer-%u"]);
        CallBridge call = await bridged.Task.WaitAsync(s_timeout);
        // The caller's ACK is in once, after a turn of its leg's shard (the snapshot), the leg is confirmed and no longer
        // awaits it: read from here alone, a 200 half sent (dialog confirmed, ACK not yet awaited, session timer not
        // yet started) looks the same, and the clock must not move before the 200 has started the session timer.
        await Poll.UntilAsync(
            async () => call.CallerDialog is { } leg && call.CalleeDialog is not null && await leg.CaptureSnapshotAsync() is not null &&
                leg is { State: DialogState.Confirmed, IsAwaitingAck: false },
            s_timeout, "the call is bridged and the caller's ACK in");
        Assert.Equal(TimeSpan.FromSeconds(90), call.CallerDialog!.SessionInterval);
        Assert.Null(call.CalleeDialog!.SessionInterval);
        time.Advance(TimeSpan.FromSeconds(61));

        SippResult result = await sipp;
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        CallRecord record = await call.Ended.WaitAsync(s_timeout);
        Assert.Equal((BridgeSide.Bridge, CallEndCause.SessionExpired), (record.HungUpBy, record.Cause));
        Assert.Equal(DialogEndReason.SessionExpired, call.CallerDialog.EndReason);
        Assert.Equal(DialogEndReason.ByeSent, call.CalleeDialog.EndReason);
        time.Advance(TimeSpan.FromSeconds(64)); // The bridge's lingering transactions end on its clock.
        await Parties.AssertFreedAsync(bridge, callee);
    }

    [Fact]
    public async Task AnUpdateAndAnInfoInTheCalleesEarlyDialogCrossToTheCallersEarlyDialog()
    {
        var callerHasEarlyMedia = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var early = new TaskCompletionSource<(SipResponse Update, SipResponse Info)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var run = await Run.StartAsync(async (call, _) =>
        {
            await call.ProgressAsync(183, Answer, cancellationToken: CancellationToken.None);
            await callerHasEarlyMedia.Task.WaitAsync(s_timeout, CancellationToken.None);
            SipResponse update = await call.Dialog!.UpdateAsync(HoldAnswer, cancellationToken: CancellationToken.None).WaitAsync(s_timeout, CancellationToken.None);
            SipResponse info = await call.Dialog!.InfoAsync("Signal=7\r\n", "application/dtmf-relay", CancellationToken.None).WaitAsync(s_timeout, CancellationToken.None);
            early.TrySetResult((update, info));
            await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None);
        });
        var callerSaw = new List<string>();
        var options = new InviteOptions
        {
            SessionDescription = Offer,
            DialogCreated = d => d.RequestReceived += (_, e) =>
            {
                lock (callerSaw)
                {
                    callerSaw.Add(e.Method + " " + d.State);
                }

                e.Defer();
                _ = e.Method == SipMethods.Update ? e.AcceptAsync(HoldOffer).AsTask() : e.RespondAsync(200).AsTask();
            },
        };
        OutgoingCall placed = await run.Caller.InviteAsync(run.BridgeUri, options);
        await foreach (SipResponse response in placed.Progress.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_timeout).Token))
        {
            if (response.StatusCode == 183)
            {
                callerHasEarlyMedia.TrySetResult();
            }
        }

        (SipResponse update, SipResponse info) = await early.Task.WaitAsync(s_timeout);
        Dialog caller = await placed.Answered.WaitAsync(s_timeout);

        Assert.Equal(200, update.StatusCode);
        Assert.Equal(HoldOffer, Encoding.UTF8.GetString(update.Body.Span)); // The caller's answer to the callee's early offer.
        Assert.Equal(200, info.StatusCode);
        Assert.Equal(["UPDATE Early", "INFO Early"], callerSaw);
        await caller.ByeAsync().WaitAsync(s_timeout);
        await (await run.BridgeAsync()).Ended.WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ADelayedOfferCrossesAsTheCalleesOfferInThe200AndTheCallersAnswerInTheAck()
    {
        await using var run = await Run.StartAsync(static async (call, _) => await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None));
        OutgoingCall placed = await run.Caller.InviteAsync(run.BridgeUri, new InviteOptions { AnswerInAck = true });
        Dialog caller = await placed.Answered.WaitAsync(s_timeout);
        Dialog callee = await run.CalleeDialogAsync();

        Assert.True(run.CalleeCall!.Offer.IsEmpty); // The B leg went without an offer too.
        Assert.Equal(Answer, Encoding.UTF8.GetString(caller.RemoteSessionDescription.Span)); // The callee's offer, in the 200.
        Assert.True(callee.IsAwaitingAck);
        Assert.True(await caller.AckAsync(Offer).WaitAsync(s_timeout));

        await Poll.UntilAsync(() => !callee.IsAwaitingAck, s_timeout, "the callee has its ACK");
        Assert.Equal(Offer, Encoding.UTF8.GetString(callee.RemoteSessionDescription.Span)); // The caller's answer, in the B leg's ACK.
        Assert.False(await caller.AckAsync(Offer).WaitAsync(s_timeout)); // Sent once.
        CallBridge bridge = await run.BridgeAsync();
        await caller.ByeAsync().WaitAsync(s_timeout);
        await bridge.Ended.WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AByeOfACallWhoseAckIsHeldSendsTheAckFirst()
    {
        await using var run = await Run.StartAsync(static async (call, _) => await call.AnswerAsync(Answer, cancellationToken: CancellationToken.None));
        OutgoingCall placed = await run.Caller.InviteAsync(run.BridgeUri, new InviteOptions { AnswerInAck = true });
        Dialog caller = await placed.Answered.WaitAsync(s_timeout);
        Dialog callee = await run.CalleeDialogAsync();
        var calleeEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        callee.StateChanged += (_, e) =>
        {
            if (e.State == DialogState.Terminated)
            {
                calleeEnded.TrySetResult();
            }
        };

        Assert.Equal(200, (await caller.ByeAsync().WaitAsync(s_timeout)).StatusCode); // ACK without an answer, then BYE.

        await calleeEnded.Task.WaitAsync(s_timeout);
        Assert.Equal(DialogEndReason.ByeReceived, callee.EndReason); // Not an ACK timeout.
        await (await run.BridgeAsync()).Ended.WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public void CrossingHeadersThatWouldCarryTheCallersTopologyAreRefused()
    {
        foreach (string name in (string[])["Via", "contact", "Record-Route", "Call-ID", "*", "Re*"])
        {
            var options = new BridgeOptions();
            options.CrossingHeaders.Add(name);
            Assert.Throws<InvalidOperationException>(options.Validate);
        }

        var fine = new BridgeOptions();
        fine.CrossingHeaders.Add("X-*");
        fine.CrossingHeaders.Add("P-Asserted-Identity");
        fine.Validate();
    }

    /// <summary>The three stacks: the caller's, the bridge's (every call bridged to the callee) and the callee's.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly TaskCompletionSource<CallBridge> _bridge = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<Dialog> _calleeDialog = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private SipStack? _bridgeStack;
        private string _calleeUri = string.Empty;

        public SipStack Caller { get; } = new(Parties.Options());

        public SipStack Bridge => _bridgeStack!;

        public SipStack Callee { get; private set; } = null!;

        public string BridgeUri { get; private set; } = string.Empty;

        public IncomingCall? CalleeCall { get; private set; }

        public event Action<SipRequest>? CalleeRequests;

        public static async Task<Run> StartAsync(Func<IncomingCall, CancellationToken, Task> answer)
        {
            var run = new Run();
            run.Callee = new SipStack(Parties.Options(), new IncomingCallUas(async (call, cancelled) =>
            {
                run.CalleeCall = call;
                await answer(call, cancelled);
                if (call.Dialog is { } dialog && dialog.State == DialogState.Confirmed)
                {
                    dialog.RequestReceived += (_, e) => run.CalleeRequests?.Invoke(e.Request);
                    run._calleeDialog.TrySetResult(dialog);
                }
            }));
            var options = new BridgeOptions();
            options.CrossingHeaders.Add("P-Asserted-Identity");
            options.CrossingHeaders.Add("X-*");
            run._bridgeStack = new SipStack(Parties.Options(), new IncomingCallUas(async (call, _) =>
            {
                var bridge = new CallBridge(run.Bridge, call, options);
                run._bridge.TrySetResult(bridge);
                BridgeAttempt attempt = await bridge.ConnectAsync(run._calleeUri, cancellationToken: CancellationToken.None);
                if (attempt.Outcome == BridgeAttemptOutcome.Failed)
                {
                    await bridge.RejectAsync(CallBridge.UpstreamStatus(attempt.StatusCode));
                }
            }));
            await run.Caller.StartAsync();
            await run.Bridge.StartAsync();
            await run.Callee.StartAsync();
            run._calleeUri = "sip:bob@" + Udp(run.Callee);
            run.BridgeUri = "sip:bob@" + Udp(run.Bridge);
            return run;
        }

        public Task<CallBridge> BridgeAsync() => _bridge.Task.WaitAsync(s_timeout);

        public Task<Dialog> CalleeDialogAsync() => _calleeDialog.Task.WaitAsync(s_timeout);

        public async Task<(Dialog Caller, CallBridge Bridge)> CallAsync()
        {
            OutgoingCall placed = await Caller.InviteAsync(BridgeUri, new InviteOptions { SessionDescription = Offer });
            Dialog dialog = await placed.Answered.WaitAsync(s_timeout);
            await CalleeDialogAsync();
            return (dialog, await BridgeAsync());
        }

        public Task AssertEverythingFreedAsync() => Parties.AssertFreedAsync(Caller, Bridge, Callee);

        public async ValueTask DisposeAsync()
        {
            await Caller.DisposeAsync();
            await Bridge.DisposeAsync();
            await Callee.DisposeAsync();
        }

        private static string Udp(SipStack stack) => stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address.ToString();
    }
}
