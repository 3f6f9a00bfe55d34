using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class TelUriTests
{
    private static TelUri Parse(string text)
    {
        Assert.True(AddrSpec.TryParse(text, out AddrSpec? uri, out SipRejectReason reason), $"{text}: {reason}");
        return Assert.IsType<TelUri>(uri);
    }

    [Fact]
    public void ParsesGlobalNumberWithVisualSeparators()
    {
        TelUri uri = Parse("tel:+1-201-555-0123");

        Assert.Equal("tel", uri.Scheme);
        Assert.True(uri.IsGlobal);
        Assert.Equal("+1-201-555-0123", uri.Number);
        Assert.Equal(0, uri.Parameters.Count);
    }

    [Fact]
    public void ParsesLocalNumberWithPhoneContext()
    {
        TelUri uri = Parse("tel:7042;phone-context=example.com");

        Assert.False(uri.IsGlobal);
        Assert.Equal("7042", uri.Number);
        Assert.Equal("example.com", uri.PhoneContext);
    }

    [Fact]
    public void ParsesLocalNumberWithGlobalDigitsContext()
    {
        TelUri uri = Parse("tel:863-1234;phone-context=+1-914-555");

        Assert.Equal("+1-914-555", uri.PhoneContext);
    }

    [Fact]
    public void ParsesLocalNumberWithHexDigitsStarAndHash()
    {
        TelUri uri = Parse("tel:*67#;phone-context=example.com");

        Assert.Equal("*67#", uri.Number);
    }

    [Fact]
    public void ParsesExtensionIsdnSubaddressAndOtherParameters()
    {
        TelUri uri = Parse("TEL:+1-201-555-0123;ext=1234;isub=5678;x-other=a%20b;flag");

        Assert.Equal("1234", uri.Parameters["ext"]);
        Assert.Equal("5678", uri.Parameters["isub"]);
        Assert.Equal("a b", uri.Parameters["x-other"]);
        Assert.True(uri.Parameters.Contains("flag"));
        Assert.Equal("tel:+1-201-555-0123;ext=1234;isub=5678;x-other=a%20b;flag", uri.ToString());
    }

    [Fact]
    public void BuilderMakesGlobalAndLocalNumbers()
    {
        Assert.Equal("tel:+44-20-7946-0958", new TelUri("+44-20-7946-0958").ToString());
        Assert.Equal("tel:7042;phone-context=example.com", new TelUri("7042", "example.com").ToString());
    }

    [Theory]
    [InlineData("7042", null)]
    [InlineData("+1234", "example.com")]
    [InlineData("12a.b", "bad_context")]
    [InlineData("", null)]
    [InlineData("+", null)]
    public void BuilderRejectsInvalidNumbersAndContexts(string number, string? context) =>
        Assert.Throws<ArgumentException>(() => new TelUri(number, context));

    [Theory]
    [InlineData("tel:", SipRejectReason.MalformedUri)]
    [InlineData("tel:+", SipRejectReason.MalformedUri)]
    [InlineData("tel:+-", SipRejectReason.MalformedUri)]
    [InlineData("tel:+12x4", SipRejectReason.MalformedUri)]
    [InlineData("tel:7042", SipRejectReason.MalformedUri)]
    [InlineData("tel:12 34", SipRejectReason.InvalidCharacter)]
    [InlineData("tel:+1234;phone-context=example.com", SipRejectReason.MalformedParameter)]
    [InlineData("tel:7042;phone-context=exa_mple", SipRejectReason.MalformedParameter)]
    [InlineData("tel:7042;phone-context", SipRejectReason.MalformedParameter)]
    [InlineData("tel:+1234;ext=abc", SipRejectReason.MalformedParameter)]
    [InlineData("tel:+1234;ext", SipRejectReason.MalformedParameter)]
    [InlineData("tel:+1234;", SipRejectReason.MalformedParameter)]
    [InlineData("tel:+1234;a_b=1", SipRejectReason.MalformedParameter)]
    [InlineData("tel:+1234;a=", SipRejectReason.MalformedParameter)]
    [InlineData("tel:+1234;a=%zz", SipRejectReason.InvalidEscape)]
    [InlineData("tel:+1234;a=b c", SipRejectReason.InvalidCharacter)]
    public void RejectsMalformedTelUriWithItsReason(string text, SipRejectReason expected)
    {
        Assert.False(AddrSpec.TryParse(text, out AddrSpec? uri, out SipRejectReason reason));
        Assert.Null(uri);
        Assert.Equal(expected, reason);
    }

    // RFC 3966 §4: equivalent pairs.
    [Theory]
    [InlineData("tel:+1-201-555-0123", "tel:+12015550123")]
    [InlineData("tel:+1-(201)-555.0123", "tel:+1201-5550123")]
    [InlineData("tel:7042;phone-context=example.com", "tel:70-42;phone-context=EXAMPLE.com")]
    [InlineData("tel:abc;phone-context=example.com", "tel:ABC;phone-context=example.com")]
    [InlineData("tel:863-1234;phone-context=+1-914-555", "tel:8631234;phone-context=+1914555")]
    [InlineData("tel:+1234;a=b;ext=1-2", "tel:+1234;EXT=12;A=B")]
    [InlineData("tel:+1234;isub=1234;x=%41", "tel:+1234;x=a;isub=1234")]
    [InlineData("tel:+1234;flag", "tel:+1234;FLAG")]
    public void EquivalentTelUrisAreEqualBothWaysWithEqualHashes(string left, string right)
    {
        TelUri a = Parse(left);
        TelUri b = Parse(right);

        Assert.True(a.Equals(b));
        Assert.True(b.Equals(a));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [InlineData("tel:+1234", "tel:+1235")]
    [InlineData("tel:+1234", "tel:+12345")]
    [InlineData("tel:+1234", "tel:1234;phone-context=example.com")]
    [InlineData("tel:+1234", "tel:+1234;ext=1")]
    [InlineData("tel:+1234;ext=1", "tel:+1234;ext=2")]
    [InlineData("tel:+1234;a", "tel:+1234;a=1")]
    [InlineData("tel:1234;phone-context=example.com", "tel:1234;phone-context=example.org")]
    public void DifferentTelUrisAreUnequalBothWays(string left, string right)
    {
        TelUri a = Parse(left);
        TelUri b = Parse(right);

        Assert.False(a.Equals(b));
        Assert.False(b.Equals(a));
    }

    [Theory]
    [InlineData("tel:+1-201-555-0123;ext=12;isub=a%3Fb")]
    [InlineData("tel:*67#;phone-context=example.com;x=1")]
    public void ToStringParsesBackToAnEqualUri(string text)
    {
        TelUri uri = Parse(text);
        TelUri again = Parse(uri.ToString());

        Assert.Equal(uri, again);
        Assert.Equal(uri.GetHashCode(), again.GetHashCode());
    }

    [Fact]
    public void EveryPrefixParsesWithoutThrowing()
    {
        const string text = "tel:863-1234;phone-context=+1-914-555;ext=12;isub=%41";
        for (int length = 0; length <= text.Length; length++)
        {
            bool parsed = AddrSpec.TryParse(text.AsSpan(0, length), out AddrSpec? uri, out _);
            Assert.Equal(parsed, uri is not null);
        }
    }
}
