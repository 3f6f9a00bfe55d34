using System.Net;
using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

public class TransactionLayerTests
{
    [Fact]
    public async Task ACancelOfAPendingInviteIsAnswered200AndTheUserIsToldAndAnswers487WithTheSameTag()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnCancelHandler = static invite => invite.Respond(SipMessageBuilder.ResponseTo(invite.Request, 487, toTag: invite.LocalTag));
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKc1", "call-1"));
        var invite = (ServerInviteTransaction)await h.User.NextRequestAsync();

        string cancel = h.PeerRequest(SipMethods.Cancel, "z9hG4bKc1", "call-1");
        await h.PeerSendAsync(cancel);

        Assert.Same(invite, (await h.User.NextCancelAsync()).Invite);
        SipMessage cancelOk = h.Wire.Sent[0].Parse();
        SipMessage terminated = h.Wire.Sent[1].Parse();
        Assert.Equal((200, SipMethods.Cancel), (((SipResponse)cancelOk).StatusCode, cancelOk.CSeqMethod));
        Assert.Equal((487, SipMethods.Invite), (((SipResponse)terminated).StatusCode, terminated.CSeqMethod));
        Assert.Equal(cancelOk.ToTag.ToArray(), terminated.ToTag.ToArray());
        Assert.False(cancelOk.ToTag.IsEmpty);
        Assert.Equal(0, h.User.RequestsWaiting);

        // The CANCEL has its own transaction: a retransmission gets the same 200, and the user is not told again.
        await h.PeerSendAsync(cancel);
        Assert.Equal(2, h.Wire.Count("SIP/2.0 200"));
        Assert.Equal(0, h.User.CancelsWaiting);
    }

    [Fact]
    public async Task ACancelMatchingNoInviteIsAnswered481()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();

        await h.PeerSendAsync(h.PeerRequest(SipMethods.Cancel, "z9hG4bKnone", "call-1"));

        var response = (SipResponse)await h.PeerReceiveAsync();
        Assert.Equal((481, SipMethods.Cancel), (response.StatusCode, response.CSeqMethod));
        Assert.Equal(0, h.User.CancelsWaiting);
        Assert.Equal(0, h.User.RequestsWaiting);
    }

    [Fact]
    public async Task ACancelAfterTheFinalResponseIsAnswered200WithoutTellingTheUser()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 486, toTag: t.LocalTag));
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKc1", "call-1"));
        await h.User.NextRequestAsync();

        await h.PeerSendAsync(h.PeerRequest(SipMethods.Cancel, "z9hG4bKc1", "call-1"));

        Assert.Equal(1, h.Wire.Count("SIP/2.0 200"));
        Assert.Equal(0, h.User.CancelsWaiting);
    }

    [Fact]
    public async Task AnRfc2543InviteWithoutTheMagicCookieIsMatchedByTheFallbackFields()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 486, toTag: "uas1"));
        string invite = h.PeerRequest(SipMethods.Invite, "old1", "call-2543");
        await h.PeerSendAsync(invite);
        ServerTransaction transaction = await h.User.NextRequestAsync();

        // The retransmission matches by Request-URI, tags, Call-ID, CSeq and top Via: the final response again.
        await h.PeerSendAsync(invite);
        Assert.Equal(2, h.Wire.Count("SIP/2.0 486"));
        Assert.Equal(0, h.User.RequestsWaiting);

        // An ACK with the To tag of the response sent matches too, and confirms the transaction.
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Ack, "old1", "call-2543", toTag: "uas1"));
        Assert.Equal(TransactionState.Confirmed, await TransactionHarness.StateOf(transaction));
        Assert.Equal(0, h.User.AcksWaiting);
    }

    [Fact]
    public async Task AnRfc2543AckWithAnotherToTagDoesNotMatch()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, 486, toTag: "uas1"));
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "old1", "call-2543"));
        ServerTransaction transaction = await h.User.NextRequestAsync();

        await h.PeerSendAsync(h.PeerRequest(SipMethods.Ack, "old1", "call-2543", toTag: "other"));

        Assert.Equal(TransactionState.Completed, await TransactionHarness.StateOf(transaction));
        Assert.Null((await h.User.NextAckAsync()).Transaction);
    }

    [Fact]
    public async Task Rfc2543RequestsWithAnotherRequestUriOrCSeqAreNewTransactions()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        string options = h.PeerRequest(SipMethods.Options, "old1", "call-2543");
        await h.PeerSendAsync(options);
        await h.PeerSendAsync(options.Replace("sip:bob@", "sip:carol@", StringComparison.Ordinal));
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Options, "old1", "call-2543", cseq: 2));

        for (int i = 0; i < 3; i++)
        {
            await h.User.NextRequestAsync();
        }

        Assert.Equal(3, h.Layer.TransactionCount);
    }

    [Fact]
    public async Task RequestsWithTheSameBranchFromAnotherSentByAreAnotherTransaction()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        var elsewhere = new IPEndPoint(IPAddress.Loopback, h.PeerAddress.Port + 1);
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Options, "z9hG4bKsame", "call-1"));
        await h.PeerSendAsync(h.PeerRequest(SipMethods.Options, "z9hG4bKsame", "call-1", sentBy: elsewhere));

        ServerTransaction first = await h.User.NextRequestAsync();
        ServerTransaction second = await h.User.NextRequestAsync();

        Assert.NotSame(first, second);
        Assert.Equal(2, h.Layer.TransactionCount);
    }

    [Fact]
    public async Task TheSentByComparesItsHostCaseInsensitively()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        string lower = h.PeerRequest(SipMethods.Options, "z9hG4bKcase", "call-1", sentBy: null).Replace(
            $"SIP/2.0/UDP {h.PeerAddress}", $"SIP/2.0/UDP peer.example.com:{h.PeerAddress.Port}", StringComparison.Ordinal);
        await h.PeerSendAsync(lower);
        await h.PeerSendAsync(lower.Replace("peer.example.com", "PEER.Example.COM", StringComparison.Ordinal));

        await h.User.NextRequestAsync();
        Assert.Equal(0, h.User.RequestsWaiting);
        Assert.Equal(1, h.Layer.TransactionCount);
    }

    [Fact]
    public async Task AResponseMatchingNoTransactionIsDroppedAndCountedButAStrayTwoHundredToInviteReachesTheUser()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        var request = (SipRequest)SipMessageParser.Parse(h.PeerRequest(SipMethods.Invite, "z9hG4bKgone", "call-1").ReplaceLineEndings("\r\n"));

        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(request, 486, toTag: "x").ToArray());
        Assert.Equal(1, h.Layer.ResponsesWithoutTransaction);

        await h.PeerSendAsync(SipMessageBuilder.ResponseTo(request, 200, toTag: "x").ToArray());
        Assert.Equal(200, ((SipResponse)(await h.User.NextStrayAsync()).Message).StatusCode);
        Assert.Equal(1, h.Layer.ResponsesWithoutTransaction);
    }

    [Fact]
    public async Task AThrowingUserIsCountedAndTheTransactionCarriesOn()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        h.User.OnRequestHandler = static _ => throw new InvalidOperationException("user bug");

        await h.PeerSendAsync(h.PeerRequest(SipMethods.Invite, "z9hG4bKt1", "call-1"));
        await h.AdvanceToAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal(1, h.Shards.HandlerFaults);
        Assert.Equal(1, h.Wire.Count("SIP/2.0 100"));
        Assert.Equal(1, h.Layer.TransactionCount);
    }

    [Fact]
    public async Task AfterEveryTransactionEndsNoTransactionOrTimerIsLeft()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync(shardCount: 4);
        h.User.OnRequestHandler = static t => t.Respond(SipMessageBuilder.ResponseTo(t.Request, t.Method == SipMethods.Invite ? 486 : 200, toTag: t.LocalTag));
        var clients = new List<ClientTransaction>();
        for (int i = 0; i < 20; i++)
        {
            await h.PeerSendAsync(h.PeerRequest(i % 2 == 0 ? SipMethods.Invite : SipMethods.Options, $"z9hG4bKs{i}", $"call-{i}"));
            SipRequest request = h.NewRequest(i % 2 == 0 ? SipMethods.Invite : SipMethods.Bye, h.PeerUdp, out SipEndPoint target);
            clients.Add(await h.StartAsync(request, target));
        }

        // Half the client transactions get an answer; the rest time out.
        for (int answered = 0; answered < 10;)
        {
            // The peer also receives the responses of the layer's server transactions: skip those.
            if (await h.PeerReceiveAsync() is SipRequest request)
            {
                int status = request.Method == SipMethods.Invite && answered % 4 == 0 ? 200 : request.Method == SipMethods.Invite ? 603 : 200;
                await h.PeerSendAsync(SipMessageBuilder.ResponseTo(request, status, toTag: "b").ToArray());
                answered++;
            }
        }

        Assert.True(h.Layer.TransactionCount > 0);
        Assert.True(h.Shards.TimerCount > 0);
        await h.AdvanceToAsync(TimeSpan.FromSeconds(65));

        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
        for (int shard = 0; shard < h.Shards.Count; shard++)
        {
            Assert.Equal(0, h.Layer.GetTransactionCount(shard));
            Assert.Equal(0, h.Shards[shard].TimerCount);
        }

        foreach (ClientTransaction client in clients)
        {
            Assert.True(client.FinalResponse.IsCompleted);
        }
    }

    [Fact]
    public async Task CreateViaMakesAnRfc3261TopViaWithTheLocalSentByAndRport()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();

        RequestVia via = h.Layer.CreateVia(h.PeerUdp, 500);

        Assert.True(ViaHeader.TryParse(via.Value, out ViaHeader? parsed, out _));
        Assert.Equal("UDP", parsed.Transport);
        Assert.Equal(h.LocalUdp.Address.Address.ToString(), parsed.Host);
        Assert.Equal(h.LocalUdp.Address.Port, parsed.Port);
        Assert.Equal(via.Branch, parsed.Branch);
        Assert.True(parsed.HasRfc3261Branch);
        Assert.True(parsed.HasRport);
        Assert.Equal(h.PeerUdp, via.Target);
        Assert.NotEqual(via.Branch, h.Layer.CreateVia(h.PeerUdp, 500).Branch);
    }

    [Fact]
    public async Task StartRequestRefusesAnAckARequestWithoutTheMagicCookieAndACallerOffTheShard()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        SipRequest invite = h.NewRequest(SipMethods.Invite, h.PeerUdp, out SipEndPoint target);
        var ack = (SipRequest)SipMessageParser.Parse(h.PeerRequest(SipMethods.Ack, "z9hG4bKa", "call-1").ReplaceLineEndings("\r\n"));
        var old = (SipRequest)SipMessageParser.Parse(h.PeerRequest(SipMethods.Options, "old", "call-1").ReplaceLineEndings("\r\n"));

        Assert.Throws<InvalidOperationException>(() => h.Layer.StartRequest(invite, target));
        await Assert.ThrowsAsync<ArgumentException>(() => h.StartAsync(ack, target));
        await Assert.ThrowsAsync<ArgumentException>(() => h.StartAsync(old, target));
        await h.StartAsync(invite, target);
        await Assert.ThrowsAsync<InvalidOperationException>(() => h.StartAsync(invite, target));
        Assert.Equal(1, h.Layer.TransactionCount);
    }
}
