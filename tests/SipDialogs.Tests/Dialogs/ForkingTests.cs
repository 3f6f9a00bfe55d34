using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// Our UAC against a hand-written forking proxy (RFC 3261 §13.2.2.4, §12.1.2): two forks ring with their own To tags,
/// both answer, and every 2xx, a retransmitted one included, is acknowledged; the fork that answered second is ended
/// with BYE. Time moves only when the test moves it, so nothing is retransmitted behind the test's back and the
/// peer's log is exact.
/// </summary>
public sealed class ForkingTests
{
    private const string TagA = "fork-a";
    private const string TagB = "fork-b";
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task EachForkMakesAnEarlyDialogEvery2xxIsAckedAndTheSecondAnswerGetsBye()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var caller = new SipStack(Parties.Options(), timeProvider: time);
        await caller.StartAsync();
        await using var proxy = new RawSipSocket();

        OutgoingCall call = await caller.InviteAsync("sip:bob@127.0.0.1:" + proxy.Port);
        (SipRequest invite, IPEndPoint stack) = await proxy.ReceiveRequestAsync(s_timeout);
        Assert.Equal(SipMethods.Invite, invite.Method);

        // Two forks ring: one early dialog each (§12.1.2).
        await proxy.SendAsync(Response(invite, 180, TagA, proxy), stack);
        await proxy.SendAsync(Response(invite, 180, TagB, proxy), stack);
        await CallTests.ReadProgressAsync(call, 180);
        await CallTests.ReadProgressAsync(call, 180);
        Assert.Equal(2, call.Dialogs.Count);
        Assert.All(call.Dialogs, d => Assert.Equal(DialogState.Early, d.State));
        Assert.Equal([TagA, TagB], call.Dialogs.Select(d => d.Id.RemoteTag).Order().ToArray());

        // Fork A answers: the call is answered with A's dialog, and A's 2xx is acknowledged.
        await proxy.SendAsync(Response(invite, 200, TagA, proxy), stack);
        Dialog answered = await call.Answered.WaitAsync(s_timeout);
        SipRequest ackA = await ExpectAsync(proxy, SipMethods.Ack, TagA);
        Assert.Equal(TagA, answered.Id.RemoteTag);
        Assert.Equal(DialogState.Confirmed, answered.State);
        Assert.Equal((invite.CSeqNumber, SipMethods.Ack), (ackA.CSeqNumber, ackA.CSeqMethod));

        // A's 2xx again (a retransmission): acknowledged again, with the same ACK.
        await proxy.SendAsync(Response(invite, 200, TagA, proxy), stack);
        SipRequest ackAAgain = await ExpectAsync(proxy, SipMethods.Ack, TagA);
        Assert.Equal(ackA.CSeqNumber, ackAAgain.CSeqNumber);
        Assert.Equal(Encoding.ASCII.GetString(ackA.TopViaBranch), Encoding.ASCII.GetString(ackAAgain.TopViaBranch));

        // Fork B answers too: acknowledged, then ended with BYE (§13.2.2.4).
        await proxy.SendAsync(Response(invite, 200, TagB, proxy), stack);
        await ExpectAsync(proxy, SipMethods.Ack, TagB);
        SipRequest byeB = await ExpectAsync(proxy, SipMethods.Bye, TagB);
        await proxy.SendAsync(SipMessageBuilder.ResponseTo(byeB, 200), stack);
        Dialog forkB = call.Dialogs.Single(d => d.Id.RemoteTag == TagB);
        Assert.Equal(DialogState.Terminated, forkB.State);
        Assert.Equal(DialogState.Confirmed, answered.State);

        // The user hangs up the answered call.
        Task<SipResponse> hangUp = answered.ByeAsync();
        SipRequest byeA = await ExpectAsync(proxy, SipMethods.Bye, TagA);
        await proxy.SendAsync(SipMessageBuilder.ResponseTo(byeA, 200), stack);
        Assert.Equal(200, (await hangUp.WaitAsync(s_timeout)).StatusCode);
        Assert.True(byeA.CSeqNumber > invite.CSeqNumber);

        await AssertFreedAsync(caller, time);
        Assert.False(proxy.TryReceive(out SipMessage? extra), extra is null ? null : "Unexpected: " + RawSipSocket.Describe(extra));
        Assert.Equal(0, caller.StrayResponses);
    }

    [Fact]
    public async Task A2xxRetransmittedAfterTheInviteTransactionEndedIsStillAcked()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        SipStackOptions options = Parties.Options();
        await using var caller = new SipStack(options, timeProvider: time);
        await caller.StartAsync();
        await using var proxy = new RawSipSocket();
        OutgoingCall call = await caller.InviteAsync("sip:bob@127.0.0.1:" + proxy.Port);
        (SipRequest invite, IPEndPoint stack) = await proxy.ReceiveRequestAsync(s_timeout);
        await proxy.SendAsync(Response(invite, 200, TagA, proxy), stack);
        Dialog answered = await call.Answered.WaitAsync(s_timeout);
        SipRequest ack = await ExpectAsync(proxy, SipMethods.Ack, TagA);

        // Timer M (64*T1, RFC 6026 §8.4) ends the INVITE transaction; the 2xx that comes after matches none.
        time.Advance(options.Timers.SixtyFourT1 + TimeSpan.FromMilliseconds(100));
        await Poll.UntilAsync(() => caller.TransactionCount == 0, s_timeout, $"the INVITE transaction ends ({caller.TransactionCount} left)");
        await proxy.SendAsync(Response(invite, 200, TagA, proxy), stack);

        // The dialog still acknowledges it (RFC 3261 §13.2.2.4), with the same ACK, so the callee stops retransmitting.
        SipRequest again = await ExpectAsync(proxy, SipMethods.Ack, TagA);
        Assert.Equal(ack.CSeqNumber, again.CSeqNumber);
        Assert.Equal(Encoding.ASCII.GetString(ack.TopViaBranch), Encoding.ASCII.GetString(again.TopViaBranch));
        Assert.Equal(0, caller.StrayResponses);
        Assert.Equal(DialogState.Confirmed, answered.State);

        Task<SipResponse> hangUp = answered.ByeAsync();
        SipRequest bye = await ExpectAsync(proxy, SipMethods.Bye, TagA);
        await proxy.SendAsync(SipMessageBuilder.ResponseTo(bye, 200), stack);
        Assert.Equal(200, (await hangUp.WaitAsync(s_timeout)).StatusCode);
        await AssertFreedAsync(caller, time);
    }

    [Fact]
    public async Task A200ThatCrossesTheCancelIsAckedAndEndedWithByeAndTheCallEndsCancelled()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var caller = new SipStack(Parties.Options(), timeProvider: time);
        await caller.StartAsync();
        await using var callee = new RawSipSocket();
        using var cancel = new CancellationTokenSource();
        OutgoingCall call = await caller.InviteAsync("sip:bob@127.0.0.1:" + callee.Port, cancellationToken: cancel.Token);
        (SipRequest invite, IPEndPoint stack) = await callee.ReceiveRequestAsync(s_timeout);
        await callee.SendAsync(Response(invite, 180, TagA, callee), stack);
        await CallTests.ReadProgressAsync(call, 180);

        await cancel.CancelAsync(); // RFC 3261 §9.1: CANCEL, now that a provisional response came.
        (SipRequest cancelRequest, _) = await callee.ReceiveRequestAsync(s_timeout);
        Assert.Equal(SipMethods.Cancel, cancelRequest.Method);

        // The callee had answered already: its 200 to the INVITE crosses the CANCEL, which gets 200 and no 487.
        await callee.SendAsync(Response(invite, 200, TagA, callee), stack);
        await callee.SendAsync(SipMessageBuilder.ResponseTo(cancelRequest, 200, toTag: TagA), stack);

        SipRequest ack = await ExpectAsync(callee, SipMethods.Ack, TagA);
        SipRequest bye = await ExpectAsync(callee, SipMethods.Bye, TagA);
        await callee.SendAsync(SipMessageBuilder.ResponseTo(bye, 200), stack);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Answered.WaitAsync(s_timeout));
        Assert.Equal(invite.CSeqNumber, ack.CSeqNumber);
        Assert.Equal(DialogState.Terminated, Assert.Single(call.Dialogs).State);
        await AssertFreedAsync(caller, time);
    }

    /// <summary>A fork's response to the INVITE: its own To tag, and a Contact at the proxy (so its requests come back here).</summary>
    private static SipMessageBuilder Response(SipRequest invite, int status, string toTag, RawSipSocket proxy) =>
        SipMessageBuilder.ResponseTo(invite, status, toTag: toTag)
            .Add(SipHeaderKind.Contact, $"<sip:{toTag}@127.0.0.1:{proxy.Port}>");

    /// <summary>The next message the proxy receives must be <paramref name="method"/> in the dialog of <paramref name="toTag"/>.</summary>
    private static async Task<SipRequest> ExpectAsync(RawSipSocket proxy, string method, string toTag)
    {
        (SipMessage message, _) = await proxy.ReceiveAsync(s_timeout);
        string expected = $"{method} (To tag '{toTag}')";
        SipRequest request = Assert.IsAssignableFrom<SipRequest>(message);
        Assert.True(
            request.Method == method && Encoding.ASCII.GetString(request.ToTag) == toTag,
            $"Expected {expected}, got {RawSipSocket.Describe(message)}.");
        return request;
    }

    /// <summary>Lets the lingering transactions run out (Timer K, Timer M), then expects nothing left.</summary>
    private static async Task AssertFreedAsync(SipStack stack, FakeTimeProvider time)
    {
        await stack.WhenIdleAsync();
        time.Advance(TimeSpan.FromSeconds(5)); // Past 64*T1 = 3.2 s.
        await Poll.UntilAsync(
            () => stack.DialogCount == 0 && stack.TransactionCount == 0 && stack.TimerCount == 0,
            s_timeout,
            $"dialogs {stack.DialogCount}, transactions {stack.TransactionCount}, timers {stack.TimerCount}");
    }
}
