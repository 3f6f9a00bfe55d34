using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class ReplacesHeaderTests
{
    private static ReplacesHeader Parse(string value)
    {
        Assert.True(ReplacesHeader.TryParse(value, out ReplacesHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesTheRfc3891Example()
    {
        // RFC 3891 §6.1, unfolded.
        ReplacesHeader header = Parse("98732@sip.example.com ;from-tag=r33th4x0r ;to-tag=ff87ff");

        Assert.Equal("98732@sip.example.com", header.CallId);
        Assert.Equal("r33th4x0r", header.FromTag);
        Assert.Equal("ff87ff", header.ToTag);
        Assert.False(header.EarlyOnly);
        Assert.Equal("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff", header.ToString());
    }

    [Fact]
    public void ParsesTheEarlyOnlyFlag()
    {
        ReplacesHeader header = Parse("425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only");

        Assert.True(header.EarlyOnly);
        Assert.Equal("7743", header.ToTag);
        Assert.Equal("6472", header.FromTag);
    }

    [Fact]
    public void AcceptsACallIdWithWordCharactersAndExtensionParameters()
    {
        ReplacesHeader header = Parse("a84b4c76e66710{}[]<>:\"?/@pc33.atlanta.com;to-tag=1;from-tag=2;foo=bar");

        Assert.Equal("a84b4c76e66710{}[]<>:\"?/@pc33.atlanta.com", header.CallId);
        Assert.Equal("bar", header.Parameters["foo"]);
    }

    [Fact]
    public void BuildsAReplacesValue()
    {
        var header = new ReplacesHeader("12345@192.168.118.3", "12345", "5FFE-3994", earlyOnly: true);

        Assert.Equal("12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994;early-only", header.ToString());
    }

    [Fact]
    public void ConstructorRefusesBadParts()
    {
        Assert.Throws<ArgumentException>(() => new ReplacesHeader("a b", "1", "2"));
        Assert.Throws<ArgumentException>(() => new ReplacesHeader("a@b@c", "1", "2"));
        Assert.Throws<ArgumentException>(() => new ReplacesHeader("call", "1;x", "2"));
        Assert.Throws<ArgumentException>(() => new ReplacesHeader("call", "1", ""));
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData(";to-tag=1;from-tag=2", SipRejectReason.MalformedHeader)]
    [InlineData("a@b@c;to-tag=1;from-tag=2", SipRejectReason.MalformedHeader)]
    [InlineData("call@", SipRejectReason.MalformedHeader)]
    [InlineData("call;to-tag=1", SipRejectReason.MalformedHeader)]
    [InlineData("call;from-tag=2", SipRejectReason.MalformedHeader)]
    [InlineData("call", SipRejectReason.MalformedHeader)]
    [InlineData("call extra;to-tag=1;from-tag=2", SipRejectReason.MalformedHeader)]
    [InlineData("call;to-tag;from-tag=2", SipRejectReason.MalformedParameter)]
    [InlineData("call;to-tag=\"1\";from-tag=2", SipRejectReason.MalformedParameter)]
    [InlineData("call;to-tag=1;from-tag=2;early-only=yes", SipRejectReason.MalformedParameter)]
    [InlineData("call;to-tag=1;;from-tag=2", SipRejectReason.MalformedParameter)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(ReplacesHeader.TryParse(value, out ReplacesHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("98732@sip.example.com ;from-tag=r33th4x0r ;to-tag=ff87ff")]
    [InlineData("425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only")]
    [InlineData("abc;to-tag=1;from-tag=2;x=\"y z\"")]
    public void RoundTripsThroughToString(string value)
    {
        ReplacesHeader first = Parse(value);
        ReplacesHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.CallId, second.CallId);
        Assert.Equal(first.EarlyOnly, second.EarlyOnly);
    }

    [Theory]
    [InlineData("abc;to-tag=1;from-tag=2")]
    [InlineData("xyz;to-tag=1;from-tag=2")]
    public void ARequestWithASecondReplacesFailsValidationEvenWhenBothAreEqual(string second)
    {
        // RFC 3891 §3: more than one Replaces gets 400, where RFC 3261 §7.3.1 would let an equal repeat pass.
        string text = "INVITE sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-r1\r\nMax-Forwards: 70\r\n" +
            "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: r1\r\nCSeq: 1 INVITE\r\n" +
            $"Replaces: abc;to-tag=1;from-tag=2\r\nReplaces: {second}\r\nContent-Length: 0\r\n\r\n";
        Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out SipMessage? message, out _));

        Assert.False(message!.TryValidate(out SipParseError error));

        Assert.Equal(SipRejectReason.DuplicateHeader, error.Reason);
        Assert.Equal("Duplicate Replaces", error.ReasonPhrase);
    }
}
