using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class ReferredByHeaderTests
{
    private static ReferredByHeader Parse(string value)
    {
        Assert.True(ReferredByHeader.TryParse(value, out ReferredByHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesTheRfc3892ExampleWithACid()
    {
        // RFC 3892 §3
        ReferredByHeader header = Parse("<sip:referrer@referrer.example>;cid=\"20398823.2UWQFN309shb3@referrer.example\"");

        Assert.Equal("20398823.2UWQFN309shb3@referrer.example", header.Cid);
        Assert.Equal("referrer", Assert.IsType<SipUri>(header.Address.Uri).User);
    }

    [Fact]
    public void ParsesABareUriWithoutACid()
    {
        ReferredByHeader header = Parse("sip:r@ref.example");

        Assert.Null(header.Cid);
        Assert.Equal("<sip:r@ref.example>", header.ToString());
    }

    [Fact]
    public void AcceptsAHostAfterTheAt()
    {
        ReferredByHeader header = Parse("<sip:r@ref.example>;cid=\"abc@[2001:db8::1]\"");

        Assert.Equal("abc@[2001:db8::1]", header.Cid);
    }

    [Fact]
    public void BuildsAReferredByWithACid()
    {
        var header = new ReferredByHeader(new NameAddress(new SipUri("referrer", "referrer.example")), "20398823.2UWQFN309shb3@referrer.example");

        Assert.Equal("<sip:referrer@referrer.example>;cid=\"20398823.2UWQFN309shb3@referrer.example\"", header.ToString());
        Assert.Equal("20398823.2UWQFN309shb3@referrer.example", header.Cid);
    }

    [Fact]
    public void ConstructorRefusesACidWithoutAnAt()
    {
        Assert.Throws<ArgumentException>(() => new ReferredByHeader(new NameAddress(new SipUri("r", "ref.example")), "no-at-sign"));
    }

    [Theory]
    [InlineData("<sip:r@ref.example>;cid=abc@ref.example", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:r@ref.example>;cid=\"no-at-sign\"", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:r@ref.example>;cid=\"a..b@ref.example\"", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:r@ref.example>;cid=\"a b@ref.example\"", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:r@ref.example>;cid", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:r@ref.example>;cid=\"open", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("<sip:r@ref.example", SipRejectReason.MalformedUri)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(ReferredByHeader.TryParse(value, out ReferredByHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("<sip:referrer@referrer.example>;cid=\"20398823.2UWQFN309shb3@referrer.example\"")]
    [InlineData("\"The Referrer\" <sips:r@ref.example>;foo=bar")]
    public void RoundTripsThroughToString(string value)
    {
        ReferredByHeader first = Parse(value);
        ReferredByHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.Cid, second.Cid);
    }
}
