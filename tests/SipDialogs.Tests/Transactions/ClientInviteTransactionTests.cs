using System.Net;
using System.Net.Sockets;
using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

public class ClientInviteTransactionTests
{
    [Fact]
    public async Task InviteOverUdpIsResentAtDoublingTimerAIntervalsUntilTimerBAfterSevenSends()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        SipRequest invite = h.NewRequest(SipMethods.Invite, h.PeerUdp, out SipEndPoint target);
        ClientTransaction transaction = await h.StartAsync(invite, target);
        Assert.Equal(TransactionState.Calling, await TransactionHarness.StateOf(transaction));

        int[] sendsAt = [0, 500, 1500, 3500, 7500, 15500, 31500];
        for (int i = 1; i < sendsAt.Length; i++)
        {
            await h.AdvanceToAsync(Ms(sendsAt[i] - 1));
            Assert.Equal(i, h.Wire.Count("INVITE "));
            await h.AdvanceToAsync(Ms(sendsAt[i]));
            Assert.Equal(i + 1, h.Wire.Count("INVITE "));
        }

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(0, h.User.TimeoutsWaiting);
        await h.AdvanceToAsync(Ms(32_000));

        Assert.Same(transaction, await h.User.NextTimeoutAsync());
        Assert.Equal(408, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.True(transaction.TimedOut);
        Assert.Equal(Array.ConvertAll(sendsAt, Ms), h.Wire.TimesOf("INVITE "));
        for (int i = 0; i < sendsAt.Length; i++)
        {
            SipMessage received = await h.PeerReceiveAsync();
            Assert.Equal(invite.TopViaBranch.ToArray(), received.TopViaBranch.ToArray());
        }

        Assert.Same(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task InviteOverTcpIsSentOnceAndTimesOutAtTimerB()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = new SipEndPoint(SipTransportProtocol.Tcp, (IPEndPoint)listener.LocalEndpoint);
        SipRequest invite = h.NewRequest(SipMethods.Invite, peer, out SipEndPoint target);
        Assert.Equal(SipTransportProtocol.Tcp, target.Protocol);

        ClientTransaction transaction = await h.StartAsync(invite, target);
        await using var connection = new PeerConnection(await listener.AcceptSocketAsync().WaitAsync(TransactionHarness.Timeout));
        Assert.Equal(SipMethods.Invite, ((SipRequest)await connection.ReceiveAsync()).Method);

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(1, h.Wire.Count("INVITE "));
        Assert.Equal(TransactionState.Calling, await TransactionHarness.StateOf(transaction));

        await h.AdvanceToAsync(Ms(32_000));
        Assert.Same(transaction, await h.User.NextTimeoutAsync());
        Assert.Equal(1, h.Wire.Count("INVITE "));
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task OverTcpANonSuccessFinalResponseIsAcknowledgedAndEndsTheTransactionAtOnce()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = new SipEndPoint(SipTransportProtocol.Tcp, (IPEndPoint)listener.LocalEndpoint);
        SipRequest invite = h.NewRequest(SipMethods.Invite, peer, out SipEndPoint target);
        ClientTransaction transaction = await h.StartAsync(invite, target);
        await using var connection = new PeerConnection(await listener.AcceptSocketAsync().WaitAsync(TransactionHarness.Timeout));
        var received = (SipRequest)await connection.ReceiveAsync();

        await connection.SendAsync(SipMessageBuilder.ResponseTo(received, 404, toTag: "bob1").ToArray());
        await h.HandledAsync();

        Assert.Equal(404, (await h.User.NextResponseAsync()).Response.StatusCode);
        Assert.Equal(SipMethods.Ack, ((SipRequest)await connection.ReceiveAsync()).Method);
        Assert.Same(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task AProvisionalResponseMovesToProceedingAndStopsRetransmissionAndTimerB()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        (ClientTransaction transaction, SipRequest received) = await h.StartOverUdpAsync(SipMethods.Invite);

        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(received, 180, toTag: "bob1").ToArray());

        (ClientTransaction passed, SipResponse ringing) = await h.User.NextResponseAsync();
        Assert.Same(transaction, passed);
        Assert.Equal(180, ringing.StatusCode);
        Assert.Equal(TransactionState.Proceeding, await TransactionHarness.StateOf(transaction));
        Assert.False(transaction.FinalResponse.IsCompleted);

        await h.AdvanceToAsync(TimeSpan.FromSeconds(64));
        Assert.Equal(1, h.Wire.Count("INVITE "));
        Assert.Equal(0, h.User.TimeoutsWaiting);
        Assert.Equal(TransactionState.Proceeding, await TransactionHarness.StateOf(transaction));
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task ANonSuccessFinalResponseIsAcknowledgedByTheTransactionWhichAbsorbsItsRetransmissionsUntilTimerD()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        SipRequest invite = h.NewRequest(SipMethods.Invite, h.PeerUdp, out SipEndPoint target);
        ClientTransaction transaction = await h.StartAsync(invite, target);
        var received = (SipRequest)await h.PeerReceiveAsync();
        byte[] busy = SipMessageBuilder.ResponseTo(received, 486, toTag: "bob1").ToArray();

        await h.PeerSendAsync(busy);

        Assert.Equal(486, (await h.User.NextResponseAsync()).Response.StatusCode);
        Assert.Equal(486, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));
        var ack = (SipRequest)await h.PeerReceiveAsync();
        Assert.Equal(SipMethods.Ack, ack.Method);
        Assert.Equal(invite.RequestUriText, ack.RequestUriText);
        Assert.Equal(invite.TopViaBranch.ToArray(), ack.TopViaBranch.ToArray());
        Assert.Equal(invite.CallId, ack.CallId);
        Assert.Equal(invite.FromTag.ToArray(), ack.FromTag.ToArray());
        Assert.Equal("bob1"u8.ToArray(), ack.ToTag.ToArray());
        Assert.Equal((1u, SipMethods.Ack), (ack.CSeqNumber, ack.CSeqMethod));

        // §17.1.1.2: a retransmitted final response gets the ACK again and does not reach the user.
        await h.PeerSendAsync(busy);
        Assert.Equal(2, h.Wire.Count("ACK "));
        Assert.Equal(0, h.User.ResponsesWaiting);

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));
        await h.AdvanceToAsync(Ms(32_000));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(1, h.Wire.Count("INVITE "));
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task ASuccessResponseMovesToAcceptedWhereEveryTwoHundredReachesTheUserUntilTimerM()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        (ClientTransaction transaction, SipRequest received) = await h.StartOverUdpAsync(SipMethods.Invite);
        byte[] ok = SipMessageBuilder.ResponseTo(received, 200, toTag: "bob1").ToArray();

        await h.PeerSendAsync(ok);
        Assert.Equal(200, (await h.User.NextResponseAsync()).Response.StatusCode);
        Assert.Equal(200, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Equal(TransactionState.Accepted, await TransactionHarness.StateOf(transaction));

        // RFC 6026 §7.2: retransmitted 2xx pass up for the user to ACK; the transaction sends no ACK itself. Without
        // an owner nothing knows the transaction object, so they come as 2xx no transaction names.
        await h.PeerSendAsync(ok);
        Assert.Equal(200, ((SipResponse)(await h.User.NextStrayAsync()).Message).StatusCode);
        Assert.Equal(0, h.User.ResponsesWaiting);
        Assert.Equal(0, h.Wire.Count("ACK "));

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(TransactionState.Accepted, await TransactionHarness.StateOf(transaction));
        await h.AdvanceToAsync(Ms(32_000));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());

        // After Timer M a 2xx matches no transaction and goes to the user as a stray.
        await h.PeerSendAsync(ok);
        Assert.Equal(200, ((SipResponse)(await h.User.NextStrayAsync()).Message).StatusCode);
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task ATransportErrorIsReportedToTheUserAndTheAwaitedResponseIsA503()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var peer = new SipEndPoint(SipTransportProtocol.Tcp, (IPEndPoint)closed.LocalEndpoint);
        closed.Stop();
        SipRequest invite = h.NewRequest(SipMethods.Invite, peer, out SipEndPoint target);

        ClientTransaction transaction = await h.StartAsync(invite, target);

        (Transaction failed, SipTransportException error) = await h.User.NextTransportErrorAsync();
        Assert.Same(transaction, failed);
        Assert.NotNull(error);
        Assert.Equal(503, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Same(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task CancelWaitsForAProvisionalResponseAndUsesTheInvitesBranch()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        SipRequest invite = h.NewRequest(SipMethods.Invite, h.PeerUdp, out SipEndPoint target);
        var transaction = (ClientInviteTransaction)await h.StartAsync(invite, target);
        var received = (SipRequest)await h.PeerReceiveAsync();

        await transaction.Shard.RunAsync(static t => t.Cancel(), transaction).AsTask().WaitAsync(TransactionHarness.Timeout);
        Assert.Equal(0, h.Wire.Count("CANCEL "));

        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(received, 180, toTag: "bob1").ToArray());
        Assert.Equal(1, h.Wire.Count("CANCEL "));
        var cancel = (SipRequest)await h.PeerReceiveAsync();
        Assert.Equal(SipMethods.Cancel, cancel.Method);
        Assert.Equal(invite.RequestUriText, cancel.RequestUriText);
        Assert.Equal(invite.TopViaBranch.ToArray(), cancel.TopViaBranch.ToArray());
        Assert.Equal((1u, SipMethods.Cancel), (cancel.CSeqNumber, cancel.CSeqMethod));
        Assert.True(cancel.ToTag.IsEmpty);

        // The CANCEL's 200 goes to the CANCEL's own transaction; the 487 completes the INVITE's.
        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(cancel, 200, toTag: "bob1").ToArray());
        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(received, 487, toTag: "bob1").ToArray());
        Assert.Equal(487, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Equal(200, (await transaction.CancelTransaction!.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Equal(1, h.Wire.Count("ACK "));

        await h.AdvanceToAsync(TimeSpan.FromSeconds(33));
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task ACancelledInviteWithoutAFinalResponseIsGivenUpSixtyFourT1AfterTheCancel()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        SipRequest invite = h.NewRequest(SipMethods.Invite, h.PeerUdp, out SipEndPoint target);
        var transaction = (ClientInviteTransaction)await h.StartAsync(invite, target);
        var received = (SipRequest)await h.PeerReceiveAsync();
        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(received, 180, toTag: "bob1").ToArray());
        await h.AdvanceToAsync(TimeSpan.FromSeconds(10));

        await transaction.Shard.RunAsync(static t => t.Cancel(), transaction).AsTask().WaitAsync(TransactionHarness.Timeout);
        await h.AdvanceToAsync(TimeSpan.FromSeconds(10) + Ms(31_999));
        Assert.Equal(TransactionState.Proceeding, await TransactionHarness.StateOf(transaction));
        await h.AdvanceToAsync(TimeSpan.FromSeconds(42));

        Assert.Same(transaction, await h.User.NextTimeoutAsync());
        Assert.Equal(408, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
