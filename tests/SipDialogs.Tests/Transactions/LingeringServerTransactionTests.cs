using System.Runtime.CompilerServices;
using SipDialogs.Messages;
using SipDialogs.Transactions;

namespace SipDialogs.Tests.Transactions;

/// <summary>What a server transaction leaves on its shard after its final response, for the 64*T1 it lingers.</summary>
public class LingeringServerTransactionTests
{
    [Fact]
    public async Task ARetransmittedRequestAfterTheFinalResponseGetsTheSameBytesAgain()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 200, toTag: "uas1")
            .Add("X-Answer", "first and only").WithBody("text/plain", "kept as sent"u8.ToArray()));
        string bye = h.PeerRequest(SipMethods.Bye, "z9hG4bKb1", "call-1", toTag: "uas1", cseq: 2);
        await h.PeerSendAsync(bye);
        _ = await h.User.NextRequestAsync();

        await h.PeerSendAsync(bye);
        await h.PeerSendAsync(bye);

        List<SentMessage> sent = h.Wire.Sent.Where(m => m.StartLine.StartsWith("SIP/2.0 200", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, sent.Count);
        Assert.Equal(sent[0].Bytes, sent[1].Bytes);
        Assert.Equal(sent[0].Bytes, sent[2].Bytes);
        Assert.Equal(1, h.Layer.TransactionCount);
    }

    [Fact]
    public async Task AnAckForANonSuccessResponseStillMatchesAndARetransmittedInviteGetsTheSameBytes()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 486, toTag: "uas1")
            .Add(SipHeaderKind.RetryAfter, "30"));
        string invite = h.PeerRequest(SipMethods.Invite, "z9hG4bKi1", "call-1");
        await h.PeerSendAsync(invite);
        ServerTransaction transaction = await h.User.NextRequestAsync();

        await h.PeerSendAsync(invite);
        List<SentMessage> busy = h.Wire.Sent.Where(m => m.StartLine.StartsWith("SIP/2.0 486", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, busy.Count);
        Assert.Equal(busy[0].Bytes, busy[1].Bytes);

        // RFC 3261 §17.2.3: the ACK (same branch, method INVITE) matches what lingers; it is absorbed, not passed up.
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Ack, "z9hG4bKi1", "call-1", toTag: "uas1"));
        Assert.Equal(TransactionState.Confirmed, await TransactionHarness.StateOf(transaction));
        Assert.Equal(0, h.User.AcksWaiting);

        // Confirmed: a retransmitted INVITE is absorbed and Timer G is off.
        await h.PeerSendAsync(invite);
        await h.AdvanceToAsync(TimeSpan.FromSeconds(4));
        Assert.Equal(2, h.Wire.Count("SIP/2.0 486"));
    }

    [Fact]
    public async Task WhatLingersDoesNotHoldTheTransactionTheApplicationHad()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 200, toTag: "uas1"));
        string options = h.PeerRequest(SipMethods.Options, "z9hG4bKo1", "call-1");
        WeakReference transaction = await AnswerAndForgetAsync(h, options);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(transaction.IsAlive, "The shard still holds the answered transaction.");

        // What lingers still answers a retransmission and ends by Timer J.
        await h.PeerSendAsync(options);
        Assert.Equal(2, h.Wire.Count("SIP/2.0 200"));
        Assert.Equal(1, h.Layer.TransactionCount);
        await h.AdvanceToAsync(TimeSpan.FromSeconds(32));
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> AnswerAndForgetAsync(TransactionHarness h, string request)
    {
        await h.PeerSendAsync(request);
        ServerTransaction transaction = await h.User.NextRequestAsync();
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));
        return new WeakReference(transaction);
    }
}
