using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class ContactHeaderTests
{
    private static ContactHeader Parse(string value)
    {
        Assert.True(ContactHeader.TryParse(value, out ContactHeader? contact, out SipRejectReason reason), $"{value}: {reason}");
        return contact;
    }

    [Fact]
    public void ParsesTheFirstRfc3261ContactExample()
    {
        // RFC 3261 §20.10, first element.
        ContactHeader contact = Parse("\"Mr. Watson\" <sip:watson@worcester.bell-telephone.com> ;q=0.7; expires=3600");

        Assert.False(contact.IsStar);
        Assert.Equal("Mr. Watson", contact.Address.DisplayName);
        Assert.IsType<SipUri>(contact.Address.Uri);
        Assert.Equal(0.7, contact.Q);
        Assert.Equal(3600u, contact.Expires);
    }

    [Fact]
    public void ParsesTheSecondRfc3261ContactExample()
    {
        // RFC 3261 §20.10, second element: a non-SIP URI.
        ContactHeader contact = Parse("\"Mr. Watson\" <mailto:watson@bell-telephone.com> ;q=0.1");

        Assert.Equal(0.1, contact.Q);
        Assert.Null(contact.Expires);
        Assert.Equal("mailto", contact.Address!.Uri.Scheme);
    }

    [Fact]
    public void ParsesTheCompactFormExample()
    {
        // RFC 3261 §20.10: m: <sips:bob@192.0.2.4>;expires=60
        ContactHeader contact = Parse("<sips:bob@192.0.2.4>;expires=60");

        Assert.Equal(60u, contact.Expires);
        Assert.Null(contact.Q);
        Assert.Equal("<sips:bob@192.0.2.4>;expires=60", contact.ToString());
    }

    [Fact]
    public void ParametersAfterABareUriBelongToTheContact()
    {
        // RFC 3261 §20.10: without angle brackets the parameters are header parameters.
        ContactHeader contact = Parse("sip:alice@pc33.atlanta.com;expires=120");

        Assert.Equal(120u, contact.Expires);
        Assert.Equal("<sip:alice@pc33.atlanta.com>;expires=120", contact.ToString());
    }

    [Fact]
    public void ParsesTheWildcard()
    {
        // RFC 3261 §10.2.2
        ContactHeader contact = Parse(" * ");

        Assert.True(contact.IsStar);
        Assert.Null(contact.Address);
        Assert.Null(contact.Expires);
        Assert.Null(contact.Q);
        Assert.Equal("*", contact.ToString());
        Assert.Same(ContactHeader.Star, contact);
    }

    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("0.", 0.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("0.001", 0.001)]
    [InlineData("0.999", 0.999)]
    [InlineData("1", 1.0)]
    [InlineData("1.0", 1.0)]
    [InlineData("1.000", 1.0)]
    public void ReadsEveryFormOfQValue(string q, double expected)
    {
        ContactHeader contact = Parse($"<sip:a@example.com>;q={q}");

        Assert.Equal(expected, contact.Q);
    }

    [Fact]
    public void AcceptsTheLargestDeltaSeconds()
    {
        ContactHeader contact = Parse("<sip:a@example.com>;expires=4294967295");

        Assert.Equal(uint.MaxValue, contact.Expires);
    }

    [Theory]
    [InlineData("<sip:a@example.com>;expires=4294967296", SipRejectReason.ValueOutOfRange)]
    [InlineData("<sip:amazinglylongcallid@example.com>;expires=280297596632815", SipRejectReason.ValueOutOfRange)] // RFC 4475 §3.1.2.4 (scalar02)
    [InlineData("<sip:a@example.com>;expires=1e3", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:a@example.com>;expires", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:a@example.com>;q=1.001", SipRejectReason.ValueOutOfRange)]
    [InlineData("<sip:a@example.com>;q=1.5", SipRejectReason.ValueOutOfRange)]
    [InlineData("<sip:a@example.com>;q=2", SipRejectReason.ValueOutOfRange)]
    [InlineData("<sip:a@example.com>;q=10", SipRejectReason.ValueOutOfRange)]
    [InlineData("<sip:a@example.com>;q=0.1234", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:a@example.com>;q=00.5", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:a@example.com>;q=.5", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:a@example.com>;q=high", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:a@example.com>;q", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:a@example.com>;q=\"0.5\"", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:a@example.com", SipRejectReason.MalformedUri)]
    public void RefusesBadParametersWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(ContactHeader.TryParse(value, out ContactHeader? contact, out SipRejectReason reason));

        Assert.Null(contact);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void RefusesABareUriWithEscapedHeaders()
    {
        // RFC 4475 regbadct: a URI with headers must be in a name-addr (RFC 3261 §20.10, RFC 8217).
        Assert.False(ContactHeader.TryParse("sip:user@example.com?Route=%3Csip:sip.example.com%3E", out _, out SipRejectReason reason));

        Assert.Equal(SipRejectReason.MalformedUri, reason);
    }

    [Theory]
    [InlineData("*;expires=0")]
    [InlineData("* ;q=1")]
    public void RefusesTheWildcardWithParameters(string value)
    {
        // RFC 3261 §10.2.2: the expiry of a wildcard goes in the Expires header field.
        Assert.False(ContactHeader.TryParse(value, out _, out SipRejectReason reason));

        Assert.Equal(SipRejectReason.MalformedHeader, reason);
    }

    [Fact]
    public void AStarBeforeAnAngleBracketIsADisplayName()
    {
        ContactHeader contact = Parse("* <sip:a@example.com>");

        Assert.False(contact.IsStar);
        Assert.Equal("*", contact.Address.DisplayName);
    }

    [Theory]
    [InlineData("\"Mr. Watson\" <sip:watson@worcester.bell-telephone.com> ;q=0.7; expires=3600")]
    [InlineData("<sips:bob@192.0.2.4>;expires=60")]
    [InlineData("Bob <sip:bob@[2001:db8::10]:5070;transport=tcp>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1")]
    [InlineData("*")]
    public void RoundTripsThroughToString(string value)
    {
        ContactHeader first = Parse(value);
        ContactHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.Expires, second.Expires);
        Assert.Equal(first.Q, second.Q);
    }

    [Fact]
    public void BuildsAContactFromAnAddress()
    {
        var address = new NameAddress(new SipUri("alice", "pc33.atlanta.com"));
        address.Parameters.Set("expires", "3600");

        var contact = new ContactHeader(address);

        Assert.Equal(3600u, contact.Expires);
        Assert.Equal("<sip:alice@pc33.atlanta.com>;expires=3600", contact.ToString());
    }
}
