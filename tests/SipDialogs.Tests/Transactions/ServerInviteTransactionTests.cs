using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

public class ServerInviteTransactionTests
{
    [Fact]
    public async Task HundredTryingIsSentWhenTheUserHasNotAnsweredWithin200Milliseconds()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1"));
        ServerTransaction transaction = await h.User.NextRequestAsync();
        Assert.IsType<ServerInviteTransaction>(transaction);
        Assert.Equal(TransactionState.Proceeding, await TransactionHarness.StateOf(transaction));

        await h.AdvanceToAsync(Ms(199));
        Assert.Equal(0, h.Wire.Count("SIP/2.0 100"));
        await h.AdvanceToAsync(Ms(200));
        Assert.Equal(1, h.Wire.Count("SIP/2.0 100"));

        var trying = (SipResponse)await h.PeerReceiveAsync();
        Assert.Equal(100, trying.StatusCode);
        Assert.True(trying.ToTag.IsEmpty);
        Assert.Equal("z9hG4bKa1"u8.ToArray(), trying.TopViaBranch.ToArray());
    }

    [Fact]
    public async Task NoHundredTryingIsSentWhenTheUserAnsweredFirst()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 180, toTag: t.LocalTag));
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1"));
        await h.User.NextRequestAsync();

        await h.AdvanceToAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(0, h.Wire.Count("SIP/2.0 100"));
        Assert.Equal(1, h.Wire.Count("SIP/2.0 180"));
    }

    [Fact]
    public async Task AnAnswerFromAnotherThreadBefore200MillisecondsAlsoPreventsHundredTrying()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1"));
        ServerTransaction transaction = await h.User.NextRequestAsync();
        await h.AdvanceToAsync(Ms(150));

        Assert.True(await transaction.RespondAsync(SipMessageBuilder.ResponseTo(transaction.Request, 183, toTag: transaction.LocalTag)));
        await h.AdvanceToAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(0, h.Wire.Count("SIP/2.0 100"));
        Assert.Equal(1, h.Wire.Count("SIP/2.0 183"));
    }

    [Fact]
    public async Task ARetransmittedInviteGetsTheLastProvisionalResponseAndDoesNotReachTheUser()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 180, toTag: t.LocalTag));
        string invite = h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1");
        await h.PeerSendAsync(invite);
        await h.User.NextRequestAsync();
        Assert.Equal(180, ((SipResponse)await h.PeerReceiveAsync()).StatusCode);

        await h.PeerSendAsync(invite);

        Assert.Equal(180, ((SipResponse)await h.PeerReceiveAsync()).StatusCode);
        Assert.Equal(2, h.Wire.Count("SIP/2.0 180"));
        Assert.Equal(0, h.User.RequestsWaiting);
    }

    [Fact]
    public async Task ARetransmittedInviteBeforeAnyResponseGetsHundredTryingAtOnce()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        string invite = h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1");
        await h.PeerSendAsync(invite);
        await h.User.NextRequestAsync();

        await h.PeerSendAsync(invite);

        Assert.Equal(1, h.Wire.Count("SIP/2.0 100"));
        await h.AdvanceToAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(1, h.Wire.Count("SIP/2.0 100"));
        Assert.Equal(0, h.User.RequestsWaiting);
    }

    [Fact]
    public async Task ANonSuccessFinalResponseIsResentByTimerGUpToT2UntilTimerHTellsTheUser()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 486, toTag: t.LocalTag));
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1"));
        ServerTransaction transaction = await h.User.NextRequestAsync();
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));
        await h.AdvanceToAsync(Ms(32_000));

        Assert.Equal(
            [0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500],
            h.Wire.TimesOf("SIP/2.0 486").ConvertAll(t => (int)t.TotalMilliseconds));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTimeoutAsync());
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task TheAckForANonSuccessResponseIsAbsorbedAndConfirmsTheTransactionUntilTimerI()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 486, toTag: "uas1"));
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1"));
        ServerTransaction transaction = await h.User.NextRequestAsync();
        await h.AdvanceToAsync(Ms(100));

        string ack = h.PeerRequest(SipMethods.Ack, "z9hG4bKa1", "call-1", toTag: "uas1");
        await h.PeerSendAsync(ack);

        Assert.Equal(TransactionState.Confirmed, await TransactionHarness.StateOf(transaction));
        Assert.Equal(0, h.User.AcksWaiting);
        await h.PeerSendAsync(ack);
        Assert.Equal(0, h.User.AcksWaiting);

        await h.AdvanceToAsync(Ms(5_099));
        Assert.Equal(TransactionState.Confirmed, await TransactionHarness.StateOf(transaction));
        Assert.Equal(1, h.Wire.Count("SIP/2.0 486"));
        await h.AdvanceToAsync(Ms(5_100));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task ARetransmittedInviteInCompletedGetsTheFinalResponseAgain()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 603, toTag: t.LocalTag));
        string invite = h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1");
        await h.PeerSendAsync(invite);
        await h.User.NextRequestAsync();

        await h.PeerSendAsync(invite);

        Assert.Equal(2, h.Wire.Count("SIP/2.0 603"));
        Assert.Equal(0, h.User.RequestsWaiting);
    }

    [Fact]
    public async Task InAcceptedRetransmittedInvitesAreAbsorbedAcksPassUpAndTheUsersTwoHundredsAreSentUntilTimerL()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 200, toTag: "uas1"));
        string invite = h.PeerRequest(SipMethods.Invite, "z9hG4bKa1", "call-1");
        await h.PeerSendAsync(invite);
        var transaction = (ServerInviteTransaction)await h.User.NextRequestAsync();
        Assert.Equal(TransactionState.Accepted, await TransactionHarness.StateOf(transaction));

        // RFC 6026 §7.1: a retransmitted INVITE is absorbed: no response from the transaction, nothing to the user.
        await h.PeerSendAsync(invite);
        Assert.Equal(1, h.Wire.Count("SIP/2.0 200"));
        Assert.Equal(0, h.User.RequestsWaiting);

        // The user retransmits its 2xx through the transaction (§13.3.1.4).
        Assert.True(await transaction.RespondAsync(SipMessageBuilder.ResponseTo(transaction.Request, 200, toTag: "uas1")));
        Assert.Equal(2, h.Wire.Count("SIP/2.0 200"));
        Assert.False(await transaction.RespondAsync(SipMessageBuilder.ResponseTo(transaction.Request, 486, toTag: "uas1")));

        // An ACK that matches the transaction in Accepted reaches the user with it; the usual ACK for a 2xx, with
        // its own branch, reaches the user without one.
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Ack, "z9hG4bKa1", "call-1", toTag: "uas1"));
        TransactionHarness.AssertLingers(transaction, (await h.User.NextAckAsync()).Transaction);
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Ack, "z9hG4bKa2", "call-1", toTag: "uas1"));
        Assert.Null((await h.User.NextAckAsync()).Transaction);

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(TransactionState.Accepted, await TransactionHarness.StateOf(transaction));
        await h.AdvanceToAsync(Ms(32_000));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task OverTcpTheFinalResponseIsNotResentAndTheAckEndsTheTransactionAtOnce()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 486, toTag: "uas1"));
        await using PeerConnection connection = await PeerConnection.ConnectAsync(h.LocalTcp.Address);
        await connection.SendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKt1", "call-tcp", transport: "TCP", sentBy: connection.LocalAddress));
        await h.HandledAsync();
        ServerTransaction transaction = await h.User.NextRequestAsync();
        Assert.False(transaction.Received.Remote.Protocol == SipTransportProtocol.Udp);
        Assert.Equal(486, ((SipResponse)await connection.ReceiveAsync()).StatusCode);

        await h.AdvanceToAsync(Ms(20_000));
        Assert.Equal(1, h.Wire.Count("SIP/2.0 486"));
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));

        await connection.SendAsync(h.PeerRequest(SipMethods.Ack, "z9hG4bKt1", "call-tcp", toTag: "uas1", transport: "TCP", sentBy: connection.LocalAddress));
        await h.HandledAsync();

        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.User.AcksWaiting);
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task OverTcpTimerHStillEndsATransactionWhoseAckNeverCame()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 480, toTag: "uas1"));
        await using PeerConnection connection = await PeerConnection.ConnectAsync(h.LocalTcp.Address);
        await connection.SendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKt1", "call-tcp", transport: "TCP", sentBy: connection.LocalAddress));
        await h.HandledAsync();
        ServerTransaction transaction = await h.User.NextRequestAsync();

        await h.AdvanceToAsync(Ms(32_000));

        TransactionHarness.AssertLingers(transaction, await h.User.NextTimeoutAsync());
        Assert.Equal(1, h.Wire.Count("SIP/2.0 480"));
        Assert.Equal(0, h.Layer.TransactionCount);
    }

    [Fact]
    public async Task AResponseThatCannotBeSentIsReportedToTheUserAndEndsTheTransaction()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        ServerTransaction transaction;
        await using (PeerConnection connection = await PeerConnection.ConnectAsync(h.LocalTcp.Address))
        {
            await connection.SendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKt1", "call-tcp", transport: "TCP", sentBy: connection.LocalAddress));
            await h.HandledAsync();
            transaction = await h.User.NextRequestAsync();
        }

        // The connection is gone and nothing listens at the Via's sent-by: §18.2.2 has nowhere to send.
        await TransactionHarness.PollAsync(() => h.Transport.ConnectionCount == 0);
        await transaction.RespondAsync(SipMessageBuilder.ResponseTo(transaction.Request, 486, toTag: "uas1"));

        (Transaction failed, SipTransportException error) = await h.User.NextTransportErrorAsync();
        TransactionHarness.AssertLingers(transaction, failed);
        Assert.NotNull(error);
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
