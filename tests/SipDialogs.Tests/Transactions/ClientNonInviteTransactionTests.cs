using System.Net;
using System.Net.Sockets;
using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

public class ClientNonInviteTransactionTests
{
    [Fact]
    public async Task RequestOverUdpIsResentAtTimerEDoublingUpToT2UntilTimerF()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        SipRequest options = h.NewRequest(SipMethods.Options, h.PeerUdp, out SipEndPoint target);
        ClientTransaction transaction = await h.StartAsync(options, target);
        Assert.Equal(TransactionState.Trying, await TransactionHarness.StateOf(transaction));

        int[] sendsAt = [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500];
        for (int i = 1; i < sendsAt.Length; i++)
        {
            await h.AdvanceToAsync(Ms(sendsAt[i] - 1));
            Assert.Equal(i, h.Wire.Count("OPTIONS "));
            await h.AdvanceToAsync(Ms(sendsAt[i]));
            Assert.Equal(i + 1, h.Wire.Count("OPTIONS "));
        }

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(0, h.User.TimeoutsWaiting);
        await h.AdvanceToAsync(Ms(32_000));

        Assert.Same(transaction, await h.User.NextTimeoutAsync());
        Assert.Equal(408, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Equal(sendsAt.Length, h.Wire.Count("OPTIONS "));
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task InProceedingTimerEResendsEveryT2()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        (ClientTransaction transaction, SipRequest received) = await h.StartOverUdpAsync(SipMethods.Options);
        await h.AdvanceToAsync(Ms(100));

        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(received, 100).ToArray());
        Assert.Equal(100, (await h.User.NextResponseAsync()).Response.StatusCode);
        Assert.Equal(TransactionState.Proceeding, await TransactionHarness.StateOf(transaction));

        await h.AdvanceToAsync(Ms(32_000));

        // Timer E was armed for 500 ms in Trying; from then on, in Proceeding, it is T2.
        Assert.Equal(
            [Ms(0), Ms(500), Ms(4500), Ms(8500), Ms(12_500), Ms(16_500), Ms(20_500), Ms(24_500), Ms(28_500)],
            h.Wire.TimesOf("OPTIONS "));
        Assert.Same(transaction, await h.User.NextTimeoutAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
    }

    [Fact]
    public async Task AFinalResponseCompletesTheTransactionWhichAbsorbsRetransmissionsUntilTimerK()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        (ClientTransaction transaction, SipRequest received) = await h.StartOverUdpAsync(SipMethods.Options);
        byte[] ok = SipMessageBuilder.ResponseTo(received, 200, toTag: "bob1").ToArray();

        await h.PeerSendAsync(ok);
        Assert.Equal(200, (await h.User.NextResponseAsync()).Response.StatusCode);
        Assert.Equal(200, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));

        await h.PeerSendAsync(ok);
        Assert.Equal(0, h.User.ResponsesWaiting);

        await h.AdvanceToAsync(Ms(4_999));
        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));
        Assert.Equal(1, h.Wire.Count("OPTIONS "));
        await h.AdvanceToAsync(Ms(5_000));
        TransactionHarness.AssertLingers(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(TransactionState.Terminated, transaction.State);
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task OverTcpTheRequestIsNotResentAndAFinalResponseEndsTheTransactionAtOnce()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = new SipEndPoint(SipTransportProtocol.Tcp, (IPEndPoint)listener.LocalEndpoint);
        SipRequest options = h.NewRequest(SipMethods.Options, peer, out SipEndPoint target);
        ClientTransaction transaction = await h.StartAsync(options, target);
        await using var connection = new PeerConnection(await listener.AcceptSocketAsync().WaitAsync(TransactionHarness.Timeout));
        var received = (SipRequest)await connection.ReceiveAsync();

        await h.AdvanceToAsync(Ms(20_000));
        Assert.Equal(1, h.Wire.Count("OPTIONS "));

        await connection.SendAsync(SipMessageBuilder.ResponseTo(received, 200, toTag: "bob1").ToArray());
        await h.HandledAsync();

        Assert.Equal(200, (await h.User.NextResponseAsync()).Response.StatusCode);
        Assert.Same(transaction, await h.User.NextTerminatedAsync());
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task TimerFTimesOutATransactionInProceeding()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        (ClientTransaction transaction, SipRequest received) = await h.StartOverUdpAsync(SipMethods.Register);
        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(received, 100).ToArray());

        await h.AdvanceToAsync(Ms(31_999));
        Assert.Equal(TransactionState.Proceeding, await TransactionHarness.StateOf(transaction));
        await h.AdvanceToAsync(Ms(32_000));

        Assert.Same(transaction, await h.User.NextTimeoutAsync());
        Assert.Equal(408, (await transaction.FinalResponse.WaitAsync(TransactionHarness.Timeout)).StatusCode);
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
