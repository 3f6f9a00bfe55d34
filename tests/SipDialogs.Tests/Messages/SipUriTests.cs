using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipUriTests
{
    private static SipUri Parse(string text)
    {
        Assert.True(AddrSpec.TryParse(text, out AddrSpec? uri, out SipRejectReason reason), $"{text}: {reason}");
        return Assert.IsType<SipUri>(uri);
    }

    [Fact]
    public void ParsesUserHostAndPort()
    {
        SipUri uri = Parse("sip:alice@atlanta.com:5060");

        Assert.Equal("sip", uri.Scheme);
        Assert.False(uri.IsSecure);
        Assert.Equal("alice", uri.User);
        Assert.Null(uri.Password);
        Assert.Equal("atlanta.com", uri.Host);
        Assert.Equal(SipHostKind.Name, uri.HostKind);
        Assert.Equal(5060, uri.Port);
        Assert.Equal(0, uri.Parameters.Count);
        Assert.Equal(0, uri.Headers.Count);
    }

    [Fact]
    public void ParsesUriWithoutUserOrPort()
    {
        SipUri uri = Parse("sip:registrar.biloxi.com");

        Assert.Null(uri.User);
        Assert.Equal("registrar.biloxi.com", uri.Host);
        Assert.Null(uri.Port);
    }

    [Fact]
    public void ParsesSipsSchemeIgnoringCase()
    {
        SipUri uri = Parse("SIPS:bob@Biloxi.com");

        Assert.True(uri.IsSecure);
        Assert.Equal("sips", uri.Scheme);
        Assert.Equal("Biloxi.com", uri.Host);
        Assert.Equal("sips:bob@Biloxi.com", uri.ToString());
    }

    [Fact]
    public void ParsesPassword()
    {
        SipUri uri = Parse("sip:alice:secretword@atlanta.com;transport=tcp");

        Assert.Equal("alice", uri.User);
        Assert.Equal("secretword", uri.Password);
        Assert.Equal("tcp", uri.Transport);
    }

    [Fact]
    public void ParsesTelephoneSubscriberWithPasswordFromRfc3261Examples()
    {
        SipUri uri = Parse("sip:+1-212-555-1212:1234@gateway.com;user=phone");

        Assert.Equal("+1-212-555-1212", uri.User);
        Assert.Equal("1234", uri.Password);
        Assert.Equal("phone", uri.UserParam);
    }

    [Fact]
    public void ParsesIPv4Host()
    {
        SipUri uri = Parse("sip:alice@192.0.2.4:5070");

        Assert.Equal("192.0.2.4", uri.Host);
        Assert.Equal(SipHostKind.IPv4, uri.HostKind);
        Assert.Equal(5070, uri.Port);
    }

    [Fact]
    public void ParsesIPv6ReferenceKeepingBrackets()
    {
        SipUri uri = Parse("sip:bob@[2001:db8::10]:5070;transport=tcp");

        Assert.Equal("[2001:db8::10]", uri.Host);
        Assert.Equal(SipHostKind.IPv6, uri.HostKind);
        Assert.Equal(5070, uri.Port);
        Assert.Equal("tcp", uri.Transport);
        Assert.Equal("sip:bob@[2001:db8::10]:5070;transport=tcp", uri.ToString());
    }

    [Fact]
    public void ParsesIPv6ReferenceWithEmbeddedIPv4AndNoPort()
    {
        SipUri uri = Parse("sip:[::ffff:192.0.2.1];lr");

        Assert.Equal("[::ffff:192.0.2.1]", uri.Host);
        Assert.Equal(SipHostKind.IPv6, uri.HostKind);
        Assert.Null(uri.Port);
        Assert.True(uri.IsLooseRouter);
    }

    [Fact]
    public void ParsesKnownUriParameters()
    {
        SipUri uri = Parse("sip:alice@atlanta.com;transport=udp;user=ip;method=INVITE;ttl=15;maddr=239.255.255.1;lr;foo=bar");

        Assert.Equal("udp", uri.Transport);
        Assert.Equal("ip", uri.UserParam);
        Assert.Equal("INVITE", uri.Method);
        Assert.Equal(15, uri.Ttl);
        Assert.Equal("239.255.255.1", uri.Maddr);
        Assert.True(uri.IsLooseRouter);
        Assert.Equal("bar", uri.Parameters["foo"]);
        Assert.Equal(7, uri.Parameters.Count);
        Assert.Equal(new SipParameter("lr", null), uri.Parameters[5]);
    }

    [Fact]
    public void ParsesHeadersUnescaped()
    {
        SipUri uri = Parse("sip:alice@atlanta.com?subject=project%20x&priority=urgent");

        Assert.Equal(2, uri.Headers.Count);
        Assert.Equal("project x", uri.Headers["subject"]);
        Assert.Equal("urgent", uri.Headers["Priority"]);
        Assert.Equal("sip:alice@atlanta.com?subject=project%20x&priority=urgent", uri.ToString());
    }

    [Fact]
    public void ParsesEmptyHeaderValue()
    {
        SipUri uri = Parse("sip:alice@atlanta.com?body=");

        Assert.Equal(string.Empty, uri.Headers["body"]);
    }

    [Fact]
    public void ParsesEscapedReplacesHeader()
    {
        SipUri uri = Parse("sip:bob@biloxi.example.com?Replaces=12345%40192.0.2.1%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994");

        Assert.Equal("12345@192.0.2.1;to-tag=12345;from-tag=5FFE-3994", uri.Headers["replaces"]);
    }

    [Fact]
    public void SemiuriUserHoldsSemicolonAndUnescapedAt()
    {
        // RFC 4475 semiuri: the user is "user;par=u@example.net" and the URI has no parameters.
        SipUri uri = Parse("sip:user;par=u%40example.net@example.com");

        Assert.Equal("user;par=u@example.net", uri.User);
        Assert.Equal("example.com", uri.Host);
        Assert.Equal(0, uri.Parameters.Count);
    }

    [Fact]
    public void Esc01UserUnescapesSchemeLookalike()
    {
        // RFC 4475 esc01 Request-URI.
        SipUri uri = Parse("sip:sips%3Auser%40example.com@example.net");

        Assert.False(uri.IsSecure);
        Assert.Equal("sips:user@example.com", uri.User);
        Assert.Equal("example.net", uri.Host);
        Assert.Equal("sip:sips%3Auser%40example.com@example.net", uri.ToString());
    }

    [Fact]
    public void Esc01ContactResolvesEscapedParameterNameAndValue()
    {
        // RFC 4475 esc01 Contact URI: %6C%72 is "lr".
        SipUri uri = Parse("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");

        Assert.Equal("caller", uri.User);
        Assert.True(uri.IsLooseRouter);
        Assert.Equal("value%41", uri.Parameters["name"]);
    }

    [Fact]
    public void EscnullUserKeepsNulCharacter()
    {
        // RFC 4475 escnull.
        SipUri uri = Parse("sip:null-%00-null@example.com");

        Assert.Equal("null-\0-null", uri.User);
        Assert.Equal("sip:null-%00-null@example.com", uri.ToString());
    }

    [Fact]
    public void TelephoneSubscriberUserKeepsItsParameters()
    {
        SipUri uri = Parse("sip:+1-212-555-1212;isub=1234@example.com;user=phone");

        Assert.Equal("+1-212-555-1212;isub=1234", uri.User);
        Assert.Equal("example.com", uri.Host);
        Assert.Equal("phone", uri.UserParam);
        Assert.Equal(1, uri.Parameters.Count);
    }

    [Fact]
    public void UserDecodesUtf8Escapes()
    {
        SipUri uri = Parse("sip:J%C3%BCrgen@example.com");

        Assert.Equal("Jürgen", uri.User);
        Assert.Equal("sip:J%C3%BCrgen@example.com", uri.ToString());
    }

    [Fact]
    public void ToStringEscapesWhatTheUserGrammarForbids()
    {
        var uri = new SipUri("I have spaces@home", "example.net");

        Assert.Equal("sip:I%20have%20spaces%40home@example.net", uri.ToString());
    }

    [Fact]
    public void ToStringKeepsUserUnreservedCharacters()
    {
        var uri = new SipUri("a&b=c+d$e,f;g?h/i-_.!~*'()", "example.net");

        Assert.Equal("sip:a&b=c+d$e,f;g?h/i-_.!~*'()@example.net", uri.ToString());
    }

    [Fact]
    public void ToStringUpperCasesEscapesAndUnescapesUnreserved()
    {
        SipUri uri = Parse("sip:%61lice@atlanta.com;transport=TCP?h=%3c");

        Assert.Equal("sip:alice@atlanta.com;transport=TCP?h=%3C", uri.ToString());
    }

    [Fact]
    public void BuilderWritesParametersAndHeadersInOrder()
    {
        var uri = new SipUri("bob", "biloxi.com", 5061, secure: true)
        {
            Password = "pw",
        };
        uri.Transport = "tls";
        uri.IsLooseRouter = true;
        uri.Ttl = 1;
        uri.Parameters.Set("x-note", "a b");
        uri.Headers.Set("Subject", "hello there");
        uri.Headers.Set("Priority", "urgent");

        Assert.Equal(
            "sips:bob:pw@biloxi.com:5061;transport=tls;lr;ttl=1;x-note=a%20b?Subject=hello%20there&Priority=urgent",
            uri.ToString());
    }

    [Fact]
    public void ConvenienceSettersRemoveWithNull()
    {
        SipUri uri = Parse("sip:a@b.example;transport=tcp;lr;ttl=4;maddr=b.example;method=BYE;user=phone");

        uri.Transport = null;
        uri.IsLooseRouter = false;
        uri.Ttl = null;
        uri.Maddr = null;
        uri.Method = null;
        uri.UserParam = null;

        Assert.Equal(0, uri.Parameters.Count);
        Assert.Equal("sip:a@b.example", uri.ToString());
    }

    [Fact]
    public void BuilderRejectsInvalidHost() =>
        Assert.Throws<ArgumentException>(() => new SipUri("alice", "bad host"));

    [Fact]
    public void BuilderRejectsPortOutOfRange() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SipUri("alice", "example.com", 65536));

    [Fact]
    public void BuilderRejectsEmptyUser() =>
        Assert.Throws<ArgumentException>(() => new SipUri(string.Empty, "example.com"));

    [Fact]
    public void BuilderRejectsPasswordWithoutUser() =>
        Assert.Throws<InvalidOperationException>(() => new SipUri(null, "example.com") { Password = "x" });

    [Theory]
    [InlineData("sip:alice@example.com:0", 0)]
    [InlineData("sip:alice@example.com:65535", 65535)]
    [InlineData("sip:alice@example.com:05060", 5060)]
    public void AcceptsPortsAcrossTheirRange(string text, int port) => Assert.Equal(port, Parse(text).Port);

    [Theory]
    [InlineData("sip:example.com.")]
    [InlineData("sip:a-b.c-d.example")]
    [InlineData("sip:1.example.com")]
    [InlineData("sip:x")]
    public void AcceptsValidHostnames(string text) => Assert.Equal(SipHostKind.Name, Parse(text).HostKind);

    [Theory]
    [InlineData("sip:", SipRejectReason.MalformedUri)]
    [InlineData("sip", SipRejectReason.MalformedUri)]
    [InlineData("", SipRejectReason.MalformedUri)]
    [InlineData("1sip:alice@example.com", SipRejectReason.MalformedUri)]
    [InlineData("<sip:user@example.com>", SipRejectReason.MalformedUri)]
    [InlineData(" sip:user@example.com", SipRejectReason.MalformedUri)]
    [InlineData("sip:@example.com", SipRejectReason.MalformedUri)]
    [InlineData("sip:user@", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@exa mple.com", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:user@example.com ", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:us<er@example.com", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:user@example.com>", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:user@example.com\u0001", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:us\u00e9r@example.com", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:user:pa:ss@example.com", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:us[er@example.com", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:us%4user@example.com", SipRejectReason.InvalidEscape)]
    [InlineData("sip:user%2@example.com", SipRejectReason.InvalidEscape)]
    [InlineData("sip:user@example.com;a=%G1", SipRejectReason.InvalidEscape)]
    [InlineData("sip:user@example.com?h=%", SipRejectReason.InvalidEscape)]
    [InlineData("sip:user@exa_mple.com", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@-example.com", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@example-.com", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@example..com", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@example.123", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@256.1.1.1", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@1.2.3", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@1.2.3.4.5", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@[2001:db8::10", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@[2001:db8::zz]", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@[192.0.2.1]", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@[]", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@[::1]x", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@ex%41mple.com", SipRejectReason.InvalidHost)]
    [InlineData("sip:user@example.com:", SipRejectReason.InvalidPort)]
    [InlineData("sip:user@example.com:65536", SipRejectReason.InvalidPort)]
    [InlineData("sip:user@example.com:99999999999", SipRejectReason.InvalidPort)]
    [InlineData("sip:user@example.com:50a", SipRejectReason.InvalidPort)]
    [InlineData("sip:user@example.com:-1", SipRejectReason.InvalidPort)]
    [InlineData("sip:user@example.com;", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;;lr", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;=x", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;a=", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;a=b=c", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;ttl=256", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;ttl=abc", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;ttl", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;maddr=exa_mple", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com;transport", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com?", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com?a", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com?a=b&", SipRejectReason.MalformedParameter)]
    [InlineData("sip:user@example.com?=b", SipRejectReason.MalformedParameter)]
    public void RejectsMalformedUriWithItsReason(string text, SipRejectReason expected)
    {
        Assert.False(AddrSpec.TryParse(text, out AddrSpec? uri, out SipRejectReason reason));
        Assert.Null(uri);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("sip:alice:secret@[2001:db8::10]:5070;transport=tcp;lr;ttl=3;x=%20y?subject=project%20x&priority=urgent")]
    [InlineData("sips:+1-212-555-1212;isub=1234@example.com;user=phone")]
    [InlineData("sip:user;par=u%40example.net@example.com")]
    public void EveryPrefixParsesWithoutThrowing(string text)
    {
        for (int length = 0; length <= text.Length; length++)
        {
            string prefix = text[..length];
            bool parsed = AddrSpec.TryParse(prefix, out AddrSpec? uri, out SipRejectReason reason);
            Assert.Equal(parsed, uri is not null);
            Assert.True(parsed || Enum.IsDefined(reason), prefix);
        }

        Assert.True(AddrSpec.TryParse(text, out _, out _));
    }

    [Theory]
    [InlineData("sip:alice@atlanta.com")]
    [InlineData("sips:alice:secret@atlanta.com:5061;transport=tls;maddr=192.0.2.1?subject=hi%20there")]
    [InlineData("sip:%61lice@AtLanTa.CoM;Transport=TCP")]
    [InlineData("sip:[2001:DB8::10]:5060;lr")]
    [InlineData("sip:sips%3Auser%40example.com@example.net")]
    [InlineData("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31")]
    public void ToStringParsesBackToAnEqualUri(string text)
    {
        SipUri uri = Parse(text);
        SipUri again = Parse(uri.ToString());

        Assert.Equal(uri, again);
        Assert.Equal(uri.GetHashCode(), again.GetHashCode());
        Assert.Equal(uri.ToString(), again.ToString());
    }

    // RFC 3261 §19.1.4: each pair is equivalent.
    public static TheoryData<string, string> EquivalentPairs => new()
    {
        { "sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp" },
        { "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5" },
        { "sip:carol@chicago.com", "sip:carol@chicago.com;security=on" },
        { "sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on" },
        { "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com" },
        { "sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x" },
    };

    // RFC 3261 §19.1.4: each pair is not equivalent.
    public static TheoryData<string, string> DifferentPairs => new()
    {
        { "SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP" },
        { "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060" },
        { "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp" },
        { "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp" },
        { "sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting" },
        { "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4" },
    };

    [Theory]
    [MemberData(nameof(EquivalentPairs))]
    public void Rfc3261EquivalentUrisAreEqualBothWaysWithEqualHashes(string left, string right)
    {
        SipUri a = Parse(left);
        SipUri b = Parse(right);

        Assert.True(a.UriEquals(b));
        Assert.True(b.UriEquals(a));
        Assert.True(a.Equals(b));
        Assert.True(b.Equals(a));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [MemberData(nameof(DifferentPairs))]
    public void Rfc3261DifferentUrisAreUnequalBothWays(string left, string right)
    {
        SipUri a = Parse(left);
        SipUri b = Parse(right);

        Assert.False(a.UriEquals(b));
        Assert.False(b.UriEquals(a));
        Assert.False(a.Equals(b));
        Assert.False(b.Equals(a));
    }

    [Theory]
    [InlineData("sip:alice@atlanta.com", "sips:alice@atlanta.com")]
    [InlineData("sip:alice:a@atlanta.com", "sip:alice@atlanta.com")]
    [InlineData("sip:alice:a@atlanta.com", "sip:alice:A@atlanta.com")]
    [InlineData("sip:atlanta.com", "sip:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com;user=ip", "sip:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com;ttl=1", "sip:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com;method=INVITE", "sip:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com;maddr=239.1.1.1", "sip:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com;foo=1", "sip:alice@atlanta.com;foo=2")]
    [InlineData("sip:alice@atlanta.com;lr", "sip:alice@atlanta.com;lr=on")]
    [InlineData("sip:alice@atlanta.com?a=1", "sip:alice@atlanta.com?a=2")]
    [InlineData("sip:alice@atlanta.com?a=x", "sip:alice@atlanta.com?a=X")]
    [InlineData("sip:alice@atlanta.com?a=1&a=1", "sip:alice@atlanta.com?a=1")]
    [InlineData("sip:alice@atlanta.com.", "sip:alice@atlanta.com")]
    public void UrisDifferingInAComparedComponentAreUnequalBothWays(string left, string right)
    {
        SipUri a = Parse(left);
        SipUri b = Parse(right);

        Assert.False(a.Equals(b));
        Assert.False(b.Equals(a));
    }

    [Theory]
    [InlineData("sip:alice@atlanta.com;lr", "sip:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com;maddr=ATLANTA.com", "sip:alice@atlanta.com;maddr=atlanta.com")]
    [InlineData("sip:alice@atlanta.com;foo=1;foo=2", "sip:alice@atlanta.com;foo=1")]
    [InlineData("sip:alice@[2001:db8::10]", "sip:alice@[2001:DB8:0:0::10]")]
    [InlineData("sip:a%40b@atlanta.com?X=%41", "sip:a%40b@atlanta.com?x=A")]
    public void UrisEquivalentUnderTheRulesAreEqualWithEqualHashes(string left, string right)
    {
        SipUri a = Parse(left);
        SipUri b = Parse(right);

        Assert.True(a.Equals(b));
        Assert.True(b.Equals(a));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void SipUriNeverEqualsATelUriOrAnAbsoluteUri()
    {
        Assert.True(AddrSpec.TryParse("tel:+12125551212", out AddrSpec? tel, out _));
        Assert.True(AddrSpec.TryParse("urn:service:sos", out AddrSpec? urn, out _));
        SipUri sip = Parse("sip:+12125551212@example.com;user=phone");

        Assert.False(sip.Equals(tel));
        Assert.False(tel.Equals(sip));
        Assert.False(sip.Equals(urn));
        Assert.False(sip.Equals(null));
    }
}
