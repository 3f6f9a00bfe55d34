using SipDialogs.Messages;
using SipDialogs.Transactions;

namespace SipDialogs.Tests.Transactions;

public class ServerNonInviteTransactionTests
{
    [Fact]
    public async Task ARetransmissionInTryingIsAbsorbed()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        string options = h.PeerRequest(SipMethods.Options, "z9hG4bKo1", "call-1");
        await h.PeerSendAsync(options);
        ServerTransaction transaction = await h.User.NextRequestAsync();
        Assert.IsType<ServerNonInviteTransaction>(transaction);
        Assert.Equal(TransactionState.Trying, await TransactionHarness.StateOf(transaction));

        await h.PeerSendAsync(options);

        Assert.Empty(h.Wire.Sent);
        Assert.Equal(0, h.User.RequestsWaiting);
        Assert.Equal(TransactionState.Trying, await TransactionHarness.StateOf(transaction));
    }

    [Fact]
    public async Task ARetransmissionInProceedingGetsTheLastProvisionalResponse()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 100));
        string register = h.PeerRequest(SipMethods.Register, "z9hG4bKr1", "call-1");
        await h.PeerSendAsync(register);
        ServerTransaction transaction = await h.User.NextRequestAsync();
        Assert.Equal(TransactionState.Proceeding, await TransactionHarness.StateOf(transaction));

        await h.PeerSendAsync(register);

        Assert.Equal(2, h.Wire.Count("SIP/2.0 100"));
        Assert.Equal(0, h.User.RequestsWaiting);
    }

    [Fact]
    public async Task TheFinalResponseIsResentForRetransmissionsUntilTimerJAndASecondFinalIsRefused()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 200, toTag: t.LocalTag));
        string options = h.PeerRequest(SipMethods.Options, "z9hG4bKo1", "call-1");
        await h.PeerSendAsync(options);
        ServerTransaction transaction = await h.User.NextRequestAsync();
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));

        await h.PeerSendAsync(options);
        Assert.Equal(2, h.Wire.Count("SIP/2.0 200"));
        Assert.False(await transaction.RespondAsync(SipMessageBuilder.ResponseTo(transaction.Request, 500)));
        Assert.Equal(0, h.Wire.Count("SIP/2.0 500"));

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));
        await h.AdvanceToAsync(Ms(32_000));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task OverTcpTheFinalResponseEndsTheTransactionAtOnce()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        await using PeerConnection connection = await PeerConnection.ConnectAsync(h.LocalTcp.Address);
        await connection.SendAsync(h.PeerRequest(SipMethods.Options, "z9hG4bKo1", "call-tcp", transport: "TCP", sentBy: connection.LocalAddress));
        await h.HandledAsync();
        ServerTransaction transaction = await h.User.NextRequestAsync();

        Assert.True(await transaction.RespondAsync(SipMessageBuilder.ResponseTo(transaction.Request, 200, toTag: transaction.LocalTag)));

        Assert.Equal(200, ((SipResponse)await connection.ReceiveAsync()).StatusCode);
        Assert.Same(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
