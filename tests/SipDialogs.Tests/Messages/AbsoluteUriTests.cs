using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class AbsoluteUriTests
{
    [Theory]
    [InlineData("nobodyknowsthisscheme:totallyopaquecontent", "nobodyknowsthisscheme", "totallyopaquecontent")]
    [InlineData("soap.beep://192.0.2.103:3002", "soap.beep", "//192.0.2.103:3002")]
    [InlineData("isbn:2983792873", "isbn", "2983792873")]
    [InlineData("mailto:alice@example.com?subject=hi%20there", "mailto", "alice@example.com?subject=hi%20there")]
    [InlineData("http://[2001:db8::1]:8080/a;b?c=d", "http", "//[2001:db8::1]:8080/a;b?c=d")]
    [InlineData("urn:service:sos", "urn", "service:sos")]
    public void ParsesOtherSchemesVerbatim(string text, string scheme, string rest)
    {
        Assert.True(AddrSpec.TryParse(text, out AddrSpec? parsed, out _));
        AbsoluteUri uri = Assert.IsType<AbsoluteUri>(parsed);

        Assert.Equal(scheme, uri.Scheme);
        Assert.Equal(rest, uri.SchemeSpecificPart);
        Assert.Equal(text, uri.ToString());
    }

    [Theory]
    [InlineData("urn:", SipRejectReason.MalformedUri)]
    [InlineData(":x", SipRejectReason.MalformedUri)]
    [InlineData("a_b:x", SipRejectReason.MalformedUri)]
    [InlineData("urn:a b", SipRejectReason.InvalidCharacter)]
    [InlineData("http://example.com/#frag", SipRejectReason.InvalidCharacter)]
    [InlineData("urn:<x>", SipRejectReason.InvalidCharacter)]
    [InlineData("urn:%4", SipRejectReason.InvalidEscape)]
    public void RejectsMalformedAbsoluteUriWithItsReason(string text, SipRejectReason expected)
    {
        Assert.False(AddrSpec.TryParse(text, out _, out SipRejectReason reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void SchemeComparesIgnoringCaseAndTheRestExactly()
    {
        Assert.True(AddrSpec.TryParse("URN:service:sos", out AddrSpec? a, out _));
        Assert.True(AddrSpec.TryParse("urn:service:sos", out AddrSpec? b, out _));
        Assert.True(AddrSpec.TryParse("urn:service:SOS", out AddrSpec? c, out _));

        Assert.True(a.Equals(b));
        Assert.True(b.Equals(a));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.False(b.Equals(c));
        Assert.False(c.Equals(b));
    }

    [Theory]
    [InlineData("sip", "x@example.com")]
    [InlineData("tel", "+1234")]
    [InlineData("1abc", "x")]
    [InlineData("urn", "")]
    [InlineData("urn", "a b")]
    public void BuilderRejectsReservedSchemesAndInvalidText(string scheme, string rest) =>
        Assert.Throws<ArgumentException>(() => new AbsoluteUri(scheme, rest));
}
