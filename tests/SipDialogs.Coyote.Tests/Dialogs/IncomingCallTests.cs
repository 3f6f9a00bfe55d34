using SipDialogs.Coyote.Tests.Transactions;
using SipDialogs.Dialogs;
using SipDialogs.Messages;

namespace SipDialogs.Coyote.Tests.Dialogs;

/// <summary>
/// <see cref="IncomingCall.AnswerAsync(string?, string, CancellationToken)"/> from the thread pool, with and without a
/// <c>prepare</c> callback, racing the caller's CANCEL, which reaches the call through the shard's outbox as the stack
/// sends it: under every schedule Coyote explores, the INVITE gets exactly one final response, and either the answer
/// won (a confirmed dialog in the store, the call not cancelled) or the CANCEL did (487, the answer refused, no dialog
/// left, the token fired), and the callback never ran on a shard. A CANCEL answered 200 before the INVITE's final
/// response always brings 487: the answer cannot slip in between.
/// </summary>
public class IncomingCallTests
{
    private const string Sdp = "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

    [Fact]
    public void AnswerFromThePoolRacingACancelAnswersOnceAndLeavesNothingBehind() =>
        Exploration.Run(static () => AnswerRacingCancelAsync(prepare: false), iterations: 150);

    [Fact]
    public void AnswerWithPrepareFromThePoolRacingACancelAnswersOnceAndLeavesNothingBehind() =>
        Exploration.Run(static () => AnswerRacingCancelAsync(prepare: true), iterations: 150);

    private static async Task AnswerRacingCancelAsync(bool prepare)
    {
        var server = new ServerHarness(calls: true);
        server.Receive(ServerHarness.Request(SipMethods.Invite, "answer-race"));
        IncomingCall call = (await server.HandedOut).Call!;
        bool? preparedOffShard = null;

        Task<Dialog?> answering = Task.Run(async () =>
        {
            try
            {
                return prepare
                    ? await call.AnswerAsync(Sdp, dialog => preparedOffShard = SipDialogs.Runtime.Shard.Current is null)
                    : await call.AnswerAsync(Sdp);
            }
            catch (InvalidOperationException)
            {
                return null; // The CANCEL came first: the call was answered 487.
            }
        });
        server.Receive(ServerHarness.Request(SipMethods.Cancel, "answer-race"));

        Dialog? dialog = await answering;
        await server.Shards[0].WhenIdleAsync();
        await server.Shards[0].WhenIdleAsync(); // The outbox's CANCEL posts once more to the shard.

        int[] finals = [.. server.Wire.StatusesOf(SipMethods.Invite).Where(static s => s >= 200)];
        int final = Assert.Single(finals);

        // RFC 3261 §9.2: a CANCEL answered 200 while the INVITE had no final response gets that INVITE a 487 at
        // once; an answer still on its way may not slip in behind the CANCEL's 200.
        SipResponse[] sent = server.Wire.Responses;
        int cancelOk = Array.FindIndex(sent, static r => r.CSeqMethod == SipMethods.Cancel && r.StatusCode == 200);
        int inviteFinal = Array.FindIndex(sent, static r => r.CSeqMethod == SipMethods.Invite && r.StatusCode >= 200);
        Assert.True(cancelOk < 0 || cancelOk > inviteFinal || final == 487, "The INVITE was answered 200 after its CANCEL got 200.");
        if (dialog is not null)
        {
            Assert.Equal(200, final);
            Assert.Equal(DialogState.Confirmed, dialog.State);
            Assert.Equal(1, server.Store.Count);
            Assert.False(call.Cancelled.IsCancellationRequested); // A CANCEL after the 2xx cancels nothing (RFC 3261 §9.2).
        }
        else
        {
            Assert.Equal(487, final);
            Assert.Equal(0, server.Store.Count);
            Assert.True(call.Cancelled.IsCancellationRequested);
        }

        Assert.NotEqual(false, preparedOffShard);
        Assert.True(!prepare || dialog is null || preparedOffShard == true, "The 200 left before prepare ran.");
        await server.DisposeAsync();
    }
}
