using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipFragTests
{
    [Fact]
    public void ParsesAStatusLineWithoutATrailingLineBreak()
    {
        Assert.True(SipFrag.TryParse("SIP/2.0 180 Ringing"u8, out SipFrag? frag, out _));
        Assert.Equal(180, frag!.StatusCode);
        Assert.Equal("Ringing", frag.ReasonPhrase);
        Assert.Empty(frag.Headers);
    }

    [Fact]
    public void ParsesTheRfc3515ExampleWithHeaders()
    {
        // RFC 3420 §2 allows headers after the start line; RFC 3515 NOTIFYs may carry them.
        byte[] body = Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nContent-Type: application/sdp\r\nSubject: a\r\n b\r\n\r\nv=0\r\n");
        Assert.True(SipFrag.TryParse(body, out SipFrag? frag, out _));
        Assert.Equal(200, frag!.StatusCode);
        Assert.Equal(new KeyValuePair<string, string>("Content-Type", "application/sdp"), frag.Headers[0]);
        Assert.Equal("a b", frag.Headers[1].Value);
        Assert.Equal("v=0\r\n", Encoding.ASCII.GetString(frag.Body.Span));
    }

    [Fact]
    public void ParsesARequestLineFragment()
    {
        Assert.True(SipFrag.TryParse("INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: x\r\n"u8, out SipFrag? frag, out _));
        Assert.Equal("INVITE", frag!.Method);
        Assert.Equal("sip:bob@example.com", frag.RequestUri);
        Assert.Equal("Call-ID", frag.Headers[0].Key);
    }

    [Fact]
    public void BuildsTheProgressFragmentsOfRfc3515()
    {
        Assert.Equal("SIP/2.0 100 Trying\r\n", Encoding.ASCII.GetString(SipFrag.ForStatus(100).ToArray()));
        Assert.Equal("SIP/2.0 503 Service Unavailable\r\n", Encoding.ASCII.GetString(SipFrag.ForStatus(503).ToArray()));
    }

    [Fact]
    public void RoundTripsThroughItsBytes()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("SIP/2.0 486 Busy Here\r\nRetry-After: 30\r\n");
        Assert.True(SipFrag.TryParse(bytes, out SipFrag? frag, out _));
        Assert.Equal(bytes, frag!.ToArray());
    }

    [Fact]
    public void RejectsALineThatIsNeitherStartLineNorHeader()
    {
        Assert.False(SipFrag.TryParse("SIP/2.0 200 OK\r\nthis is not a header\r\n"u8, out _, out SipParseError error));
        Assert.Equal(SipRejectReason.MalformedHeaderLine, error.Reason);
    }
}
