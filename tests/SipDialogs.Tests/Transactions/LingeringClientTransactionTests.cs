using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

/// <summary>What a client transaction leaves on its shard after its final response, while it waits out Timer D, K or M.</summary>
public class LingeringClientTransactionTests
{
    [Fact]
    public async Task ARetransmittedNonSuccessResponseDuringTimerDGetsTheSameAckAgainAndIsNotPassedUp()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        (ClientTransaction transaction, SipRequest received) = await h.StartOverUdpAsync(SipMethods.Invite);
        byte[] busy = SipMessageBuilder.ResponseTo(received, 486, toTag: "bob1").ToArray();
        await h.PeerSendAsync(busy);
        Assert.Equal(486, (await h.User.NextResponseAsync()).Response.StatusCode);

        await h.PeerSendAsync(busy);
        await h.PeerSendAsync(busy);

        List<SentMessage> acks = h.Wire.Sent.Where(m => m.StartLine.StartsWith("ACK ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, acks.Count);
        Assert.Equal(acks[0].Bytes, acks[1].Bytes);
        Assert.Equal(acks[0].Bytes, acks[2].Bytes);
        Assert.Equal(0, h.User.ResponsesWaiting);
        Assert.Equal(0, h.User.StraysWaiting);
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));
        Assert.Equal(1, h.Layer.TransactionCount);

        await h.AdvanceToAsync(TimeSpan.FromSeconds(32));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(TransactionState.Terminated, transaction.State);
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task InAcceptedEveryTwoHundredReachesTheOwnerWithTheTransactionItStartedUntilTimerM()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        SipRequest invite = h.NewRequest(SipMethods.Invite, h.PeerUdp, out SipEndPoint target);
        ClientTransaction transaction = await h.StartAsync(invite, target, new QuietOwner());
        var received = (SipRequest)await h.PeerReceiveAsync();
        byte[] ok = SipMessageBuilder.ResponseTo(received, 200, toTag: "bob1").ToArray();
        await h.PeerSendAsync(ok);
        SipResponse first = (await h.User.NextResponseAsync()).Response;

        // RFC 6026 §7.2: each further 2xx goes up with the transaction the owner knows, which reads as Accepted.
        for (int i = 0; i < 2; i++)
        {
            await h.PeerSendAsync(ok);
            (ClientTransaction passed, SipResponse again) = await h.User.NextResponseAsync();
            Assert.Same(transaction, passed);
            Assert.Equal(200, again.StatusCode);
            Assert.NotSame(first, again);
            Assert.Equal(TransactionState.Accepted, await TransactionHarness.StateOf(passed));
        }

        Assert.Same(first, await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout));
        Assert.Equal(0, h.Wire.Count("ACK "));

        await h.AdvanceToAsync(TimeSpan.FromSeconds(32));
        Assert.Same(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(TransactionState.Terminated, transaction.State);
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);

        await h.PeerSendAsync(ok);
        Assert.Equal(200, ((SipResponse)(await h.User.NextStrayAsync()).Message).StatusCode);
        Assert.Equal(0, h.User.ResponsesWaiting);
    }

    [Fact]
    public async Task TimerKEndsWhatLingersAndTheTransactionStillGivesItsRequestAndFinalResponseAfterwards()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        (ClientTransaction transaction, SipRequest received) = await h.StartOverUdpAsync(SipMethods.Options);
        byte[] ok = SipMessageBuilder.ResponseTo(received, 200, toTag: "bob1").ToArray();
        await h.PeerSendAsync(ok);
        SipResponse passed = (await h.User.NextResponseAsync()).Response;
        await h.PeerSendAsync(ok);
        Assert.Equal(0, h.User.ResponsesWaiting);

        await h.AdvanceToAsync(TimeSpan.FromSeconds(5));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);

        // Asked for only now: the response passed up, untouched, and the request as sent.
        SipResponse final = await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout);
        Assert.Same(passed, final);
        Assert.Equal(200, final.StatusCode);
        Assert.Equal(SipMethods.Options, transaction.Request.Method);
        Assert.Equal(TransactionState.Terminated, transaction.State);
    }

    [Fact]
    public async Task AnOwnedNonInviteIsReportedEndedAsItselfAfterTimerK()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        SipRequest options = h.NewRequest(SipMethods.Options, h.PeerUdp, out SipEndPoint target);
        ClientTransaction transaction = await h.StartAsync(options, target, new QuietOwner());
        var received = (SipRequest)await h.PeerReceiveAsync();
        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(received, 200, toTag: "bob1").ToArray());
        _ = await h.User.NextResponseAsync();
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));

        await h.AdvanceToAsync(TimeSpan.FromSeconds(5));
        Assert.Same(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }
}
