using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Refer;

/// <summary>Blind transfer with three real stacks: transferor A, transferee B, target C (RFC 3515, RFC 5589 §6).</summary>
public class TransferTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task BlindTransferCallsTheTargetAndReportsEveryStepByNotify()
    {
        await using Trio trio = await Trio.StartAsync(
            atTarget: async (call, ct) =>
            {
                await call.RingAsync(ct);
                await call.AnswerAsync(Trio.Sdp, cancellationToken: ct);
            },
            transferee: Trio.AcceptReferrals);
        (Dialog atA, Dialog atB) = await trio.CallTransfereeAsync();

        Transfer transfer = await atA.ReferAsync(Trio.UriOf(trio.Target, "carol"));

        Assert.Equal(202, (await transfer.Response.WaitAsync(s_timeout)).StatusCode);
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);
        Assert.Equal(TransferResult.Succeeded, outcome.Result);
        Assert.Equal(200, outcome.StatusCode);
        Assert.Equal("noresource", outcome.SubscriptionReason);
        int[] reports = await Trio.ReportsAsync(transfer);
        Assert.Equal([100, 180, 200], reports);

        // The target got the INVITE from the transferee, Referred-By the transferor (RFC 3892).
        await Poll.UntilAsync(() => trio.Received.TryGetValue(trio.Target, out var calls) && !calls.IsEmpty, s_timeout, "C got the call");
        trio.Received[trio.Target].TryPeek(out IncomingCall? atC);
        Assert.Equal("<sip:alice@example.com>", atC!.Request.ReferredBy?.ToString());
        Assert.Contains("alice", atB.RemoteUri, StringComparison.Ordinal);

        // The transferor hangs up; the transferee's new call lives on until it ends it.
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        Dialog atCDialog = atC.Dialog!;
        await Poll.UntilAsync(() => atCDialog.State == DialogState.Confirmed, s_timeout, "C confirmed");
        Assert.Equal(200, (await atCDialog.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task TransferToABusyTargetIsReportedAsFailedAndTheOriginalCallIsKept()
    {
        await using Trio trio = await Trio.StartAsync(atTarget: (call, ct) => call.RejectAsync(486, cancellationToken: ct).AsTask(), transferee: Trio.AcceptReferrals);
        (Dialog atA, Dialog atB) = await trio.CallTransfereeAsync();

        Transfer transfer = await atA.ReferAsync(Trio.UriOf(trio.Target, "carol"));

        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);
        Assert.Equal(TransferResult.Failed, outcome.Result);
        Assert.Equal(486, outcome.StatusCode);
        Assert.Equal("noresource", outcome.SubscriptionReason);
        Assert.Equal(DialogState.Confirmed, atA.State);
        Assert.Equal(DialogState.Confirmed, atB.State);
        Assert.Equal(200, (await atA.InfoAsync("still here").WaitAsync(s_timeout)).StatusCode); // The call carries on.
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ATransfereeThatDeclinesAnswers603AndNoCallIsPlaced()
    {
        await using Trio trio = await Trio.StartAsync(); // AcceptReferrals is off: no handler, so 603.
        (Dialog atA, _) = await trio.CallTransfereeAsync();

        Transfer transfer = await atA.ReferAsync(Trio.UriOf(trio.Target, "carol"));

        Assert.Equal(603, (await transfer.Response.WaitAsync(s_timeout)).StatusCode);
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);
        Assert.Equal(TransferResult.Declined, outcome.Result);
        Assert.Equal(603, outcome.StatusCode);
        Assert.False(trio.Received.ContainsKey(trio.Target));
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ADialogHandlerSeesTheReferAndAcceptsWithItsOwnCallOptions()
    {
        await using Trio trio = await Trio.StartAsync();
        (Dialog atA, Dialog atB) = await trio.CallTransfereeAsync();
        var seen = new TaskCompletionSource<ReferReceivedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var placed = new TaskCompletionSource<OutgoingCall?>(TaskCreationOptions.RunContinuationsAsynchronously);
        atB.ReferReceived += (_, e) =>
        {
            e.Defer();
            seen.TrySetResult(e);
            _ = Task.Run(async () => placed.TrySetResult(await e.AcceptAsync(new InviteOptions { From = "<sip:bob@example.com>", SessionDescription = Trio.Sdp })));
        };

        Transfer transfer = await atA.ReferAsync(Trio.UriOf(trio.Target, "carol"), new ReferOptions { ReferredBy = "<sip:boss@example.com>" });

        ReferReceivedEventArgs refer = await seen.Task.WaitAsync(s_timeout);
        Assert.True(refer.IsInDialog);
        Assert.True(refer.WantsSubscription);
        Assert.Equal("<sip:boss@example.com>", refer.ReferredBy?.ToString());
        OutgoingCall? call = await placed.Task.WaitAsync(s_timeout);
        Assert.NotNull(call);
        Assert.Equal(TransferResult.Succeeded, (await transfer.Completion.WaitAsync(s_timeout)).Result);
        trio.Received[trio.Target].TryPeek(out IncomingCall? atC);
        Assert.Contains("sip:bob@example.com", atC!.Request.GetHeaderValue(SipHeaderKind.From), StringComparison.Ordinal);
        Assert.Equal("<sip:boss@example.com>", atC.Request.ReferredBy?.ToString());

        Dialog bToC = await call!.Answered.WaitAsync(s_timeout);
        Assert.Equal(200, (await bToC.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AReferWithoutSubscriptionIsAcceptedWithoutNotifyAndStillPlacesTheCall()
    {
        await using Trio trio = await Trio.StartAsync(transferee: Trio.AcceptReferrals);
        (Dialog atA, _) = await trio.CallTransfereeAsync();

        Transfer transfer = await atA.ReferAsync(Trio.UriOf(trio.Target, "carol"), new ReferOptions { Subscribe = false });

        SipResponse accepted = await transfer.Response.WaitAsync(s_timeout);
        Assert.Equal(202, accepted.StatusCode);
        Assert.Equal("false", accepted.GetHeaderValue(SipHeaderKind.ReferSub)); // RFC 4488 §4
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);
        Assert.Equal(TransferResult.Unknown, outcome.Result);
        Assert.Equal(0, trio.Transferor.SubscriptionCount);
        Assert.Equal(0, trio.Transferee.SubscriptionCount);
        await Poll.UntilAsync(() => trio.AnsweredBy(trio.Target).Length == 1, s_timeout, "C answered the referred call");
        Assert.False(await transfer.Progress.WaitToReadAsync()); // No NOTIFY: the progress channel completed empty.

        Assert.Equal(200, (await trio.AnsweredBy(trio.Target)[0].ByeAsync().WaitAsync(s_timeout)).StatusCode);
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AByeRacingTheReferEndsTheSubscriptionsOnBothSidesWithTheDialog()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Trio trio = await Trio.StartAsync(
            atTarget: async (call, ct) =>
            {
                await call.RingAsync(ct);
                await release.Task.WaitAsync(ct);
                await call.RejectAsync(486, cancellationToken: ct);
            },
            transferee: Trio.AcceptReferrals);
        (Dialog atA, Dialog atB) = await trio.CallTransfereeAsync();

        // The REFER and the BYE leave back to back: whichever the transferee takes first, nothing may be left behind.
        Task<Transfer> referring = atA.ReferAsync(Trio.UriOf(trio.Target, "carol"));
        Task<SipResponse> bye = atA.ByeAsync();
        Transfer transfer = await referring.WaitAsync(s_timeout);
        await bye.WaitAsync(s_timeout);

        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);
        Assert.NotEqual(TransferResult.Succeeded, outcome.Result);
        await Poll.UntilAsync(() => atB.State == DialogState.Terminated, s_timeout, "B's dialog ended");
        await Poll.UntilAsync(() => trio.Transferee.SubscriptionCount == 0 && trio.Transferor.SubscriptionCount == 0, s_timeout, "subscriptions freed");
        release.TrySetResult();
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task SeveralRefersInOneDialogEachHaveTheirOwnSubscription()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Trio? parties = null;
        await using Trio trio = parties = await Trio.StartAsync(
            atTarget: async (call, ct) =>
            {
                await call.RingAsync(ct);
                await release.Task.WaitAsync(ct);
                await parties!.AnswerAsync(parties.Target, call, ct);
            },
            transferee: Trio.AcceptReferrals);
        (Dialog atA, _) = await trio.CallTransfereeAsync();

        // RFC 3515 §4.2: each REFER its own subscription, its CSeq as id; all five live at once while the target rings.
        var transfers = new List<Transfer>();
        for (int i = 0; i < 5; i++)
        {
            Transfer transfer = await atA.ReferAsync(Trio.UriOf(trio.Target, "user" + i));
            Assert.Equal(202, (await transfer.Response.WaitAsync(s_timeout)).StatusCode);
            transfers.Add(transfer);
        }

        Assert.Equal(5, transfers.Select(t => t.EventId).Distinct().Count());
        Assert.Equal(5, atA.SubscriptionCount);
        await Poll.UntilAsync(() => trio.Transferee.SubscriptionCount == 5, s_timeout, "5 subscriptions at the transferee");

        release.TrySetResult(); // The five answers come at once, and so do their final NOTIFYs.
        TransferOutcome[] outcomes = await Task.WhenAll(transfers.Select(t => t.Completion)).WaitAsync(s_timeout);
        Assert.All(outcomes, o => Assert.Equal(TransferResult.Succeeded, o.Result));
        Assert.Equal(0, atA.SubscriptionCount);
        await Poll.UntilAsync(() => trio.AnsweredBy(trio.Target).Length == 5, s_timeout, "C answered 5 calls");
        foreach (Dialog atC in trio.AnsweredBy(trio.Target))
        {
            Assert.Equal(200, (await atC.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        }

        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AttendedTransferReplacesTheConsultationCallAtTheTarget()
    {
        await using Trio trio = await Trio.StartAsync(transferee: Trio.AcceptReferrals);
        (Dialog toB, _) = await trio.CallTransfereeAsync();
        OutgoingCall consultation = await trio.Transferor.InviteAsync(
            Trio.UriOf(trio.Target, "carol"), new InviteOptions { From = "<sip:alice@example.com>", SessionDescription = Trio.Sdp });
        Dialog toC = await consultation.Answered.WaitAsync(s_timeout);

        // RFC 5589 §7: Refer-To names the target with a Replaces for the consultation dialog.
        Transfer transfer = await toB.ReferAsync(toC);

        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);
        Assert.Equal(TransferResult.Succeeded, outcome.Result);
        Assert.Contains("Replaces=", transfer.ReferTo, StringComparison.Ordinal);
        // The target took the transferee's call in place of the consultation, and ended the consultation with BYE.
        await Poll.UntilAsync(() => trio.AnsweredBy(trio.Target).Length == 2, s_timeout, "C answered the replacing call");
        IncomingCall replacing = trio.Received[trio.Target].Last();
        Assert.NotNull(replacing.Replaces);
        Assert.Same(trio.AnsweredBy(trio.Target)[0], replacing.Replaces);
        Assert.Equal("<sip:alice@example.com>", replacing.Request.ReferredBy?.ToString());
        await Poll.UntilAsync(() => toC.State == DialogState.Terminated, s_timeout, "the consultation ended at A");

        Assert.Equal(200, (await toB.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        Assert.Equal(200, (await trio.AnsweredBy(trio.Target)[1].ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }
}
