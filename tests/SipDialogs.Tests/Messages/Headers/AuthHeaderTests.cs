using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class AuthHeaderTests
{
    private static AuthHeader Parse(string value)
    {
        Assert.True(AuthHeader.TryParse(value, out AuthHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesTheRfc3261WwwAuthenticateExample()
    {
        // RFC 3261 §20.44
        AuthHeader header = Parse(
            "Digest realm=\"atlanta.com\", domain=\"sip:boxesbybob.com\", qop=\"auth\", " +
            "nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm=MD5");

        Assert.Equal("Digest", header.Scheme);
        Assert.True(header.IsDigest);
        Assert.Equal("atlanta.com", header.Realm);
        Assert.Equal("sip:boxesbybob.com", header.Domain);
        Assert.Equal("auth", header.Qop);
        Assert.Equal("f84f1cec41e6cbe5aea9c8e88d359", header.Nonce);
        Assert.Equal(string.Empty, header.Opaque);
        Assert.False(header.Stale);
        Assert.Equal("MD5", header.Algorithm);
        Assert.Equal(7, header.Parameters.Count);
        Assert.Equal(new AuthParameter("stale", "FALSE", false), header.Parameters[5]);
    }

    [Fact]
    public void ParsesTheRfc3261AuthorizationExample()
    {
        // RFC 3261 §20.7
        AuthHeader header = Parse(
            "Digest username=\"Alice\", realm=\"atlanta.com\", nonce=\"84a4cc6f3082121f32b42a2187831a9e\", " +
            "response=\"7587245234b3434cc3412213e5f113a5432\"");

        Assert.Equal("Alice", header.Username);
        Assert.Equal("atlanta.com", header.Realm);
        Assert.Equal("84a4cc6f3082121f32b42a2187831a9e", header.Nonce);
        Assert.Equal("7587245234b3434cc3412213e5f113a5432", header.Response);
        Assert.Null(header.Opaque);
        Assert.Null(header.Algorithm);
    }

    [Fact]
    public void ParsesRfc7616CredentialsWithUnquotedTokens()
    {
        // RFC 7616 §3.4: nc and qop are tokens in credentials.
        AuthHeader header = Parse(
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", " +
            "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, " +
            "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, " +
            "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", " +
            "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");

        Assert.Equal("/dir/index.html", header.Uri);
        Assert.Equal("SHA-256", header.Algorithm);
        Assert.Equal("00000001", header.Nc);
        Assert.Equal("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", header.Cnonce);
        Assert.Equal("auth", header.Qop);
        Assert.False(header.Parameters[7].IsQuoted);
        Assert.True(header.Parameters[6].IsQuoted);
    }

    [Fact]
    public void ReadsStaleTrueIgnoringCase()
    {
        Assert.True(Parse("Digest realm=\"a\", nonce=\"b\", stale=TRUE").Stale);
        Assert.True(Parse("Digest realm=\"a\", nonce=\"b\", stale=true").Stale);
    }

    [Fact]
    public void UnescapesQuotedValuesAndLooksNamesUpIgnoringCase()
    {
        AuthHeader header = Parse("Digest REALM=\"a \\\"quoted\\\" realm\", Nonce = \"x,y\" , custom=\"z\"");

        Assert.Equal("a \"quoted\" realm", header.Realm);
        Assert.Equal("x,y", header.Nonce);
        Assert.True(header.TryGetParameter("CUSTOM", out string? custom));
        Assert.Equal("z", custom);
        Assert.False(header.TryGetParameter("missing", out string? missing));
        Assert.Null(missing);
    }

    [Fact]
    public void ParsesAToken68Credential()
    {
        // RFC 8898 §2: Authorization: Bearer <token>; RFC 7235 §2.1 token68.
        AuthHeader header = Parse("Bearer mF_9.B5f-4.1JqM/abc+def==");

        Assert.Equal("Bearer", header.Scheme);
        Assert.False(header.IsDigest);
        Assert.Equal("mF_9.B5f-4.1JqM/abc+def==", header.Token68);
        Assert.Empty(header.Parameters);
        Assert.Equal("Bearer mF_9.B5f-4.1JqM/abc+def==", header.ToString());
    }

    [Fact]
    public void ReadsALoneWordAfterTheSchemeAsAToken68()
    {
        // RFC 7235 §2.1: "realm" alone is a token68, not a parameter without a value.
        AuthHeader header = Parse("Digest realm");

        Assert.Equal("realm", header.Token68);
        Assert.Null(header.Realm);
    }

    [Fact]
    public void ParsesASchemeAlone()
    {
        AuthHeader header = Parse("Negotiate");

        Assert.Equal("Negotiate", header.Scheme);
        Assert.Null(header.Token68);
        Assert.Empty(header.Parameters);
    }

    [Fact]
    public void SkipsEmptyListElements()
    {
        AuthHeader header = Parse("Digest , realm=\"a\",, nonce=\"b\" ,");

        Assert.Equal(2, header.Parameters.Count);
        Assert.Equal("Digest realm=\"a\", nonce=\"b\"", header.ToString());
    }

    [Fact]
    public void BuildsDigestCredentials()
    {
        var header = new AuthHeader(AuthHeader.DigestScheme);
        header.SetParameter("username", "bob", quoted: true);
        header.SetParameter("realm", "biloxi.com", quoted: true);
        header.SetParameter("nonce", "dcd98b7102dd2f0e8b11d0f600bfb0c093", quoted: true);
        header.SetParameter("uri", "sip:bob@biloxi.com", quoted: true);
        header.SetParameter("qop", "auth", quoted: false);
        header.SetParameter("nc", "00000001", quoted: false);
        header.SetParameter("cnonce", "0a4f113b", quoted: true);
        header.SetParameter("response", "6629fae49393a05397450978507c4ef1", quoted: true);
        header.SetParameter("algorithm", "MD5", quoted: false);

        Assert.Equal(
            "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", " +
            "uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", " +
            "response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5",
            header.ToString());
    }

    [Fact]
    public void SettingAParameterAgainReplacesItInPlace()
    {
        AuthHeader header = Parse("Digest realm=\"a\", nonce=\"old\", opaque=\"o\"");

        header.SetParameter("NONCE", "new", quoted: true);

        Assert.Equal("Digest realm=\"a\", NONCE=\"new\", opaque=\"o\"", header.ToString());
        Assert.True(header.RemoveParameter("opaque"));
        Assert.False(header.RemoveParameter("opaque"));
        Assert.Equal("Digest realm=\"a\", NONCE=\"new\"", header.ToString());
    }

    [Fact]
    public void SetParameterRefusesValuesOutsideTheGrammar()
    {
        var header = new AuthHeader("Digest");

        Assert.Throws<ArgumentException>(() => header.SetParameter("algorithm", "MD 5", quoted: false));
        Assert.Throws<ArgumentException>(() => header.SetParameter("realm", "a\r\nb", quoted: true));
        Assert.Throws<ArgumentException>(() => header.SetParameter("bad name", "x", quoted: true));
        Assert.Throws<InvalidOperationException>(() => new AuthHeader("Bearer", "abc").SetParameter("x", "y", quoted: true));
        Assert.Throws<ArgumentException>(() => new AuthHeader("Dig est"));
        Assert.Throws<ArgumentException>(() => new AuthHeader("Bearer", "a=b"));
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData("\"Digest\" realm=\"a\"", SipRejectReason.MalformedHeader)]
    [InlineData("Digest,realm=\"a\"", SipRejectReason.MalformedHeader)]
    [InlineData("Digest realm=\"a\" nonce=\"b\"", SipRejectReason.MalformedParameter)]
    [InlineData("Digest realm=\"a\", nonce", SipRejectReason.MalformedParameter)]
    [InlineData("Digest realm=\"a\", nonce=", SipRejectReason.MalformedParameter)]
    [InlineData("Digest realm=\"a\", =b", SipRejectReason.MalformedParameter)]
    [InlineData("Digest realm=\"a\", realm=\"b\"", SipRejectReason.MalformedParameter)]
    [InlineData("Digest realm=\"a\", REALM=\"b\"", SipRejectReason.MalformedParameter)]
    [InlineData("Digest realm=a b", SipRejectReason.MalformedParameter)]
    [InlineData("Digest uri=sip:bob@biloxi.com", SipRejectReason.MalformedParameter)]
    [InlineData("Digest realm=\"unterminated", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("Digest realm=\"a\\", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("Digest realm=\"a\u0001b\"", SipRejectReason.InvalidCharacter)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(AuthHeader.TryParse(value, out AuthHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("Digest realm=\"atlanta.com\", domain=\"sip:boxesbybob.com\", qop=\"auth\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm=MD5")]
    [InlineData("Digest username=\"a\\\\b\", realm = \"x \\\"y\\\"\",nc=00000001")]
    [InlineData("Bearer abc.def==")]
    [InlineData("Negotiate")]
    public void RoundTripsThroughToString(string value)
    {
        AuthHeader first = Parse(value);
        AuthHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.Parameters, second.Parameters);
    }
}
