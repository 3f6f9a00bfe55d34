using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

public class StatelessResponderTests
{
    [Fact]
    public async Task ARequestIsAnsweredWithoutATransaction()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        InboundMessage request = Received(h, h.PeerRequest(SipMethods.Invite, "z9hG4bKs1", "call-1"));

        Assert.True(h.Layer.Stateless.Respond(request, 503, "Overloaded"));

        var response = (SipResponse)await h.PeerReceiveAsync();
        Assert.Equal((503, "Overloaded"), (response.StatusCode, response.ReasonPhrase));
        Assert.Equal("z9hG4bKs1"u8.ToArray(), response.TopViaBranch.ToArray());
        Assert.False(response.ToTag.IsEmpty);
        Assert.Equal(1, h.Layer.Stateless.Sent);
        Assert.Equal(0, h.Layer.TransactionCount);
        Assert.Equal(0, h.Shards.TimerCount);
    }

    [Fact]
    public async Task AResponseBuiltByTheCallerKeepsItsOwnHeaders()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        InboundMessage request = Received(h, h.PeerRequest(SipMethods.Options, "z9hG4bKs2", "call-1"));

        Assert.True(h.Layer.Stateless.Respond(request, SipMessageBuilder.ResponseTo((SipRequest)request.Message, 503).Add("Retry-After", "30")));

        SipMessage response = await h.PeerReceiveAsync();
        Assert.Equal("30", response.GetHeaderValue("Retry-After"));
    }

    [Fact]
    public async Task AnAckIsNeverAnswered()
    {
        await using TransactionHarness h = await TransactionHarness.StartAsync();
        InboundMessage ack = Received(h, h.PeerRequest(SipMethods.Ack, "z9hG4bKs3", "call-1", toTag: "t"));

        Assert.False(h.Layer.Stateless.Respond(ack, 400));
        Assert.Equal(0, h.Layer.Stateless.Sent);
    }

    private static InboundMessage Received(TransactionHarness h, string text) =>
        new(SipMessageParser.Parse(text.ReplaceLineEndings("\r\n")), h.PeerUdp, h.LocalUdp, 0);
}
