using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipMessageBuilderTests
{
    private static SipRequest ParseRequest(string text)
    {
        Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out SipMessage? message, out SipParseError error), error.ToString());
        return Assert.IsType<SipRequest>(message);
    }

    private static readonly string s_invite = SipMessageParserTests.Invite.Replace(
        "Max-Forwards: 70\r\n",
        "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\nTimestamp: 54\r\nRecord-Route: <sip:proxy.example.com;lr>\r\nMax-Forwards: 70\r\n",
        StringComparison.Ordinal);

    [Fact]
    public void ResponseToCopiesViaFromToCallIdAndCSeqInOrder()
    {
        SipRequest invite = ParseRequest(s_invite);
        SipMessage response = SipMessageBuilder.ResponseTo(invite, 180, toTag: "abc123").Build();

        var typed = Assert.IsType<SipResponse>(response);
        Assert.Equal(180, typed.StatusCode);
        Assert.Equal("Ringing", typed.ReasonPhrase);
        Assert.Equal(invite.CallId, response.CallId);
        Assert.Equal(invite.CSeqNumber, response.CSeqNumber);
        Assert.Equal("z9hG4bK776asdhds", Encoding.ASCII.GetString(response.TopViaBranch));
        int second = response.IndexOfHeader(SipHeaderKind.Via, response.IndexOfHeader(SipHeaderKind.Via) + 1);
        Assert.Equal("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1", response.GetHeaderValue(second));
        Assert.Equal(invite.GetHeaderValue(SipHeaderKind.From), response.GetHeaderValue(SipHeaderKind.From));
        Assert.Equal("Bob <sip:bob@biloxi.example.com>;tag=abc123", response.GetHeaderValue(SipHeaderKind.To));
        Assert.Equal("abc123", Encoding.ASCII.GetString(response.ToTag));
        Assert.Equal(-1, response.IndexOfHeader(SipHeaderKind.Timestamp));
    }

    [Fact]
    public void ResponseToAddsNoTagTo100TryingAndCopiesItsTimestamp()
    {
        SipRequest invite = ParseRequest(s_invite);
        SipMessage trying = SipMessageBuilder.ResponseTo(invite, 100).Build();
        Assert.True(trying.ToTag.IsEmpty);
        Assert.Equal("54", trying.GetHeaderValue(SipHeaderKind.Timestamp));
    }

    [Fact]
    public void ResponseToKeepsAnExistingToTag()
    {
        SipRequest bye = ParseRequest(
            "BYE sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\r\nTo: <sip:a@h>;tag=keep\r\nFrom: <sip:b@h>;tag=f\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\r\n");
        SipMessage ok = SipMessageBuilder.ResponseTo(bye, 200).Build();
        Assert.Equal("<sip:a@h>;tag=keep", ok.GetHeaderValue(SipHeaderKind.To));
    }

    [Fact]
    public void ResponseToGeneratesAFreshToTagWhenNoneIsGiven()
    {
        SipRequest invite = ParseRequest(s_invite);
        SipMessage first = SipMessageBuilder.ResponseTo(invite, 200).Build();
        SipMessage second = SipMessageBuilder.ResponseTo(invite, 200).Build();
        Assert.False(first.ToTag.IsEmpty);
        Assert.False(first.ToTag.SequenceEqual(second.ToTag));
    }

    [Fact]
    public void WritesABodyWithItsTypeAndAMatchingLength()
    {
        SipRequest invite = ParseRequest(s_invite);
        byte[] sdp = Encoding.ASCII.GetBytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
        SipMessage ok = SipMessageBuilder.ResponseTo(invite, 200, toTag: "t")
            .CopyHeaders(invite, SipHeaderKind.RecordRoute)
            .Add("Contact", "<sip:uas@192.0.2.1>")
            .WithBody("application/sdp", sdp)
            .Build();
        Assert.Equal(sdp, ok.Body.ToArray());
        Assert.Equal("application/sdp", ok.GetHeaderValue(SipHeaderKind.ContentType));
        Assert.Equal(sdp.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ok.GetHeaderValue(SipHeaderKind.ContentLength));
        Assert.Equal("<sip:proxy.example.com;lr>", ok.GetHeaderValue(SipHeaderKind.RecordRoute));
    }

    [Fact]
    public void BuildsARequestThatParses()
    {
        SipMessage request = SipMessageBuilder.Request(SipMethods.Options, "sip:bob@example.com")
            .Add(SipHeaderKind.Via, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc")
            .Add(SipHeaderKind.MaxForwards, "70")
            .Add(SipHeaderKind.To, "<sip:bob@example.com>")
            .Add(SipHeaderKind.From, "<sip:alice@example.com>;tag=1")
            .Add(SipHeaderKind.CallId, "xyz@192.0.2.1")
            .Add(SipHeaderKind.CSeq, "1 OPTIONS")
            .Add("X-Trace", "on")
            .Build();
        Assert.Equal("OPTIONS", ((SipRequest)request).Method);
        Assert.Equal("on", request.GetHeaderValue("x-trace"));
        Assert.Equal("0", request.GetHeaderValue(SipHeaderKind.ContentLength));
    }

    [Theory]
    [InlineData("BAD METHOD", "sip:a@h")]
    [InlineData("INVITE", "sip:a@h x")]
    [InlineData("INVITE", "")]
    public void RefusesAStartLineThatCannotBeWritten(string method, string uri)
    {
        Assert.Throws<ArgumentException>(() => SipMessageBuilder.Request(method, uri));
    }

    [Fact]
    public void RefusesAHeaderValueWithALineBreak()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => SipMessageBuilder.Response(200).Add("Subject", "a\r\nVia: injected"));
        Assert.Contains("line break", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildThrowsNamingWhatIsMissing()
    {
        SipMessageException error = Assert.Throws<SipMessageException>(() => SipMessageBuilder.Response(200).Build());
        Assert.Equal(SipRejectReason.MissingHeader, error.Error.Reason);
    }
}
