using System.Text;
using SipDialogs.Bridging;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Bridging;

/// <summary>
/// Transfers of a bridged call between four real stacks on loopback: Alice calls Bob through the bridge, and Carol is
/// the transfer target, reached by the bridge's transfer route (blind, REFER) or calling in with Replaces (attended).
/// </summary>
public sealed class CallBridgeTransferTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;
    private const string AliceSdp = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
    private const string BobSdp = "v=0\r\no=bob 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";
    private const string CarolSdp = "v=0\r\no=carol 3 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";

    [Fact]
    public async Task TheCalleesReferMakesTheBridgeCallTheTargetWithTheCallersOfferAndReInviteTheCallerWithItsAnswer()
    {
        await using var run = await Run.StartAsync(carolAnswers: true);
        (Dialog alice, CallBridge bridge) = await run.CallAsync();
        Dialog bob = await run.BobDialogAsync();
        Task<SipRequest> aliceReInvite = Run.NextReInviteAsync(alice, AliceSdp);

        Transfer transfer = await bob.ReferAsync(run.CarolUri).WaitAsync(s_timeout);
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(AliceSdp, Encoding.UTF8.GetString(run.CarolCall!.Offer.Span)); // Carol is offered Alice's media.
        Assert.Equal(CarolSdp, Encoding.UTF8.GetString((await aliceReInvite.WaitAsync(s_timeout)).Body.Span)); // Alice is told Carol's.
        Assert.DoesNotContain(Encoding.UTF8.GetString(alice.Id.CallIdBytes), run.CarolCall.Request.ToString(), StringComparison.Ordinal);
        await bob.ByeAsync().WaitAsync(s_timeout); // RFC 5589 §6: the transferor hangs up once the transfer succeeded.
        Dialog carol = await run.CarolDialogAsync();
        await Poll.UntilAsync(() => bridge.CalleeDialog is { } leg && leg.Id.CallId == carol.Id.CallId, s_timeout, "Carol's leg is the callee's");
        Assert.Equal(DialogState.Confirmed, alice.State); // Bob's BYE ended only his leg.

        Task carolEnded = Ended(carol);
        await alice.ByeAsync().WaitAsync(s_timeout);
        await carolEnded.WaitAsync(s_timeout);
        CallRecord record = await bridge.Ended.WaitAsync(s_timeout);
        Assert.Equal((BridgeSide.Caller, CallEndCause.Bye), (record.HungUpBy, record.Cause));
        Assert.Contains(run.CarolUri, record.Target, StringComparison.Ordinal);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task TheCallersReferBridgesTheTargetToTheCalleeWhoHangsUpOnIt()
    {
        await using var run = await Run.StartAsync(carolAnswers: true);
        (Dialog alice, CallBridge bridge) = await run.CallAsync();
        Dialog bob = await run.BobDialogAsync();
        Task<SipRequest> bobReInvite = Run.NextReInviteAsync(bob, BobSdp);

        Transfer transfer = await alice.ReferAsync(run.CarolUri).WaitAsync(s_timeout);
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(BobSdp, Encoding.UTF8.GetString(run.CarolCall!.Offer.Span));
        Assert.Equal(CarolSdp, Encoding.UTF8.GetString((await bobReInvite.WaitAsync(s_timeout)).Body.Span));
        await alice.ByeAsync().WaitAsync(s_timeout);
        Dialog carol = await run.CarolDialogAsync();
        await Poll.UntilAsync(() => bridge.CallerDialog is { } leg && leg.Id.CallId == carol.Id.CallId, s_timeout, "Carol's leg is the caller's");

        Task carolEnded = Ended(carol);
        await bob.ByeAsync().WaitAsync(s_timeout);
        await carolEnded.WaitAsync(s_timeout);
        CallRecord record = await bridge.Ended.WaitAsync(s_timeout);
        Assert.Equal((BridgeSide.Callee, CallEndCause.Bye), (record.HungUpBy, record.Cause));
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ATransferTargetThatRefusesIsReportedToTheReferrerAndTheCallStaysUp()
    {
        await using var run = await Run.StartAsync(carolAnswers: false);
        (Dialog alice, CallBridge bridge) = await run.CallAsync();
        Dialog bob = await run.BobDialogAsync();

        Transfer transfer = await bob.ReferAsync(run.CarolUri).WaitAsync(s_timeout);
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);

        Assert.False(outcome.Succeeded);
        Assert.Equal(486, outcome.StatusCode);
        Assert.Equal((DialogState.Confirmed, DialogState.Confirmed), (alice.State, bob.State));
        Task<SipRequest> bobSawInfo = Run.NextInfoAsync(bob);
        Assert.Equal(200, (await alice.InfoAsync("Signal=1\r\n", "application/dtmf-relay").WaitAsync(s_timeout)).StatusCode); // Still bridged.
        await bobSawInfo.WaitAsync(s_timeout);

        Task bobEnded = Ended(bob);
        await alice.ByeAsync().WaitAsync(s_timeout);
        await bobEnded.WaitAsync(s_timeout);
        await bridge.Ended.WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AReferIsDeclined603WhenTheBridgeHasNoTransferRoute()
    {
        await using var run = await Run.StartAsync(carolAnswers: true, routeTransfers: false);
        (Dialog alice, CallBridge bridge) = await run.CallAsync();
        Dialog bob = await run.BobDialogAsync();

        Transfer transfer = await bob.ReferAsync(run.CarolUri).WaitAsync(s_timeout);

        Assert.Equal(603, (await transfer.Response.WaitAsync(s_timeout)).StatusCode);
        Assert.Null(run.CarolCall);
        await alice.ByeAsync().WaitAsync(s_timeout);
        await bridge.Ended.WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AnInviteWithReplacesNamingTheCalleesLegTakesItsPlaceAndTheReplacedLegGetsBye()
    {
        await using var run = await Run.StartAsync(carolAnswers: true);
        (Dialog alice, CallBridge bridge) = await run.CallAsync();
        Dialog bob = await run.BobDialogAsync();
        Task bobEnded = Ended(bob);
        Task<SipRequest> aliceReInvite = Run.NextReInviteAsync(alice, AliceSdp);

        // Carol calls the bridge in Bob's place, naming his leg as the bridge sees it (RFC 3891 §3).
        var options = new InviteOptions { SessionDescription = CarolSdp };
        options.Headers.Add(new("Replaces", $"{bob.Id.CallId};to-tag={bob.Id.RemoteTag};from-tag={bob.Id.LocalTag}"));
        OutgoingCall placed = await run.Carol.InviteAsync(run.BridgeUri, options);
        Dialog carol = await placed.Answered.WaitAsync(s_timeout);

        Assert.Equal(AliceSdp, Encoding.UTF8.GetString(carol.RemoteSessionDescription.Span)); // Alice's answer to Carol's offer.
        Assert.Equal(CarolSdp, Encoding.UTF8.GetString((await aliceReInvite.WaitAsync(s_timeout)).Body.Span));
        await bobEnded.WaitAsync(s_timeout);
        Assert.Equal(DialogEndReason.ByeReceived, bob.EndReason);
        await Poll.UntilAsync(() => bridge.CalleeDialog is { } leg && leg.Id.CallId == carol.Id.CallId, s_timeout, "Carol's leg is the callee's");
        Assert.Equal(DialogState.Confirmed, alice.State);

        Task aliceEnded = Ended(alice);
        await carol.ByeAsync().WaitAsync(s_timeout);
        await aliceEnded.WaitAsync(s_timeout);
        CallRecord record = await bridge.Ended.WaitAsync(s_timeout);
        Assert.Equal((BridgeSide.Callee, CallEndCause.Bye), (record.HungUpBy, record.Cause));
        await run.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AnInviteWithReplacesIsRefusedAndTheCallKeptWhenTheRemainingLegRefusesTheOffer()
    {
        await using var run = await Run.StartAsync(carolAnswers: true, aliceRefusesReInvite: true);
        (Dialog alice, CallBridge bridge) = await run.CallAsync();
        Dialog bob = await run.BobDialogAsync();
        var options = new InviteOptions { SessionDescription = CarolSdp };
        options.Headers.Add(new("Replaces", $"{bob.Id.CallId};to-tag={bob.Id.RemoteTag};from-tag={bob.Id.LocalTag}"));

        OutgoingCall placed = await run.Carol.InviteAsync(run.BridgeUri, options);

        SipCallFailedException failed = await Assert.ThrowsAsync<SipCallFailedException>(() => placed.Answered.WaitAsync(s_timeout));
        Assert.Equal(488, failed.StatusCode);
        Assert.Equal((DialogState.Confirmed, DialogState.Confirmed), (alice.State, bob.State));
        Task aliceEnded = Ended(alice);
        await bob.ByeAsync().WaitAsync(s_timeout);
        await aliceEnded.WaitAsync(s_timeout);
        await bridge.Ended.WaitAsync(s_timeout);
        await run.AssertEverythingFreedAsync();
    }

    private static Task Ended(Dialog dialog)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dialog.StateChanged += (_, e) =>
        {
            if (e.State == DialogState.Terminated)
            {
                ended.TrySetResult();
            }
        };
        if (dialog.State == DialogState.Terminated)
        {
            ended.TrySetResult();
        }

        return ended.Task;
    }

    /// <summary>Alice's stack, the bridge's (calls go to Bob; transfers and Replaces are its to carry out), Bob's and Carol's.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly TaskCompletionSource<CallBridge> _bridge = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<Dialog> _bobDialog = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<Dialog> _carolDialog = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private SipStack? _bridgeStack;
        private string _bobUri = string.Empty;
        private bool _aliceRefusesReInvite;

        public SipStack Alice { get; } = new(Parties.Options());

        public SipStack Bridge => _bridgeStack!;

        public SipStack Bob { get; private set; } = null!;

        public SipStack Carol { get; private set; } = null!;

        public string BridgeUri { get; private set; } = string.Empty;

        public string CarolUri { get; private set; } = string.Empty;

        public IncomingCall? CarolCall { get; private set; }

        public static async Task<Run> StartAsync(bool carolAnswers, bool routeTransfers = true, bool aliceRefusesReInvite = false)
        {
            var run = new Run();
            run.Bob = new SipStack(Parties.Options(), new IncomingCallUas(async (call, _) =>
                run._bobDialog.TrySetResult(await call.AnswerAsync(BobSdp, cancellationToken: CancellationToken.None))));
            run.Carol = new SipStack(Parties.Options(), new IncomingCallUas(async (call, _) =>
            {
                run.CarolCall = call;
                if (carolAnswers)
                {
                    run._carolDialog.TrySetResult(await call.AnswerAsync(CarolSdp, cancellationToken: CancellationToken.None));
                }
                else
                {
                    await call.RingAsync(CancellationToken.None);
                    await call.RejectAsync(486, cancellationToken: CancellationToken.None);
                }
            }));
            var options = new BridgeOptions();
            if (routeTransfers)
            {
                options.RouteTransfer = uri => new BridgeTarget(uri.ToString(), null);
            }

            run._bridgeStack = new SipStack(Parties.Options(), new IncomingCallUas(async (call, _) =>
            {
                if (call.Replaces is not null)
                {
                    await (await run._bridge.Task).ReplaceLegAsync(call);
                    return;
                }

                var bridge = new CallBridge(run.Bridge, call, options);
                run._bridge.TrySetResult(bridge);
                BridgeAttempt attempt = await bridge.ConnectAsync(run._bobUri, cancellationToken: CancellationToken.None);
                if (attempt.Outcome == BridgeAttemptOutcome.Failed)
                {
                    await bridge.RejectAsync(CallBridge.UpstreamStatus(attempt.StatusCode));
                }
            }));
            await run.Alice.StartAsync();
            await run.Bridge.StartAsync();
            await run.Bob.StartAsync();
            await run.Carol.StartAsync();
            run._bobUri = "sip:bob@" + Udp(run.Bob);
            run.CarolUri = "sip:carol@" + Udp(run.Carol);
            run.BridgeUri = "sip:bob@" + Udp(run.Bridge);
            run._aliceRefusesReInvite = aliceRefusesReInvite;
            return run;
        }

        public Task<Dialog> BobDialogAsync() => _bobDialog.Task.WaitAsync(s_timeout);

        public Task<Dialog> CarolDialogAsync() => _carolDialog.Task.WaitAsync(s_timeout);

        public async Task<(Dialog Caller, CallBridge Bridge)> CallAsync()
        {
            OutgoingCall placed = await Alice.InviteAsync(BridgeUri, new InviteOptions { SessionDescription = AliceSdp });
            Dialog dialog = await placed.Answered.WaitAsync(s_timeout);
            if (_aliceRefusesReInvite)
            {
                dialog.RequestReceived += (_, e) =>
                {
                    if (e.Method == SipMethods.Invite)
                    {
                        e.Defer();
                        _ = e.RespondAsync(488).AsTask();
                    }
                };
            }

            await BobDialogAsync();
            return (dialog, await _bridge.Task.WaitAsync(s_timeout));
        }

        /// <summary>The next re-INVITE <paramref name="dialog"/> receives, answered with <paramref name="answer"/>.</summary>
        public static Task<SipRequest> NextReInviteAsync(Dialog dialog, string answer)
        {
            var seen = new TaskCompletionSource<SipRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
            dialog.RequestReceived += (_, e) =>
            {
                if (e.Method == SipMethods.Invite && seen.TrySetResult(e.Request))
                {
                    e.Defer();
                    _ = e.AcceptAsync(answer).AsTask();
                }
            };
            return seen.Task;
        }

        /// <summary>The next INFO <paramref name="dialog"/> receives, answered 200.</summary>
        public static Task<SipRequest> NextInfoAsync(Dialog dialog)
        {
            var seen = new TaskCompletionSource<SipRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
            dialog.RequestReceived += (_, e) =>
            {
                if (e.Method == SipMethods.Info)
                {
                    seen.TrySetResult(e.Request);
                }
            };
            return seen.Task;
        }

        public Task AssertEverythingFreedAsync() => Parties.AssertFreedAsync(Alice, Bridge, Bob, Carol);

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bridge.DisposeAsync();
            await Bob.DisposeAsync();
            await Carol.DisposeAsync();
        }

        private static string Udp(SipStack stack) => stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address.ToString();
    }
}
