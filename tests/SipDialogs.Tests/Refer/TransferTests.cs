using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Refer;
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
}
