using SipDialogs.Auth;

namespace SipDialogs.Tests.Auth;

public sealed class DigestHeaderTests
{
    [Fact]
    public void AChallengeIsReadWithItsParameters()
    {
        Assert.True(DigestChallenge.TryParse(
            "Digest realm=\"atlanta.com\", nonce=\"84a4cc6f\", qop=\"auth,auth-int\", algorithm=sha-256, opaque=\"x\", stale=TRUE",
            out DigestChallenge? challenge,
            out DigestRejectReason reason));
        Assert.Equal(DigestRejectReason.None, reason);
        Assert.Equal("atlanta.com", challenge.Realm);
        Assert.Equal("84a4cc6f", challenge.Nonce);
        Assert.Equal(DigestAlgorithm.Sha256, challenge.Algorithm);
        Assert.True(challenge.QopAuth);
        Assert.True(challenge.Stale);
        Assert.Equal("x", challenge.Opaque);
    }

    [Fact]
    public void AChallengeWithoutAlgorithmIsMd5WithoutQop()
    {
        Assert.True(DigestChallenge.TryParse("Digest realm=\"r\", nonce=\"n\"", out DigestChallenge? challenge, out _));
        Assert.Equal(DigestAlgorithm.Md5, challenge.Algorithm);
        Assert.False(challenge.QopAuth);
    }

    [Theory]
    [InlineData("Digest nonce=\"n\", algorithm=MD5", DigestRejectReason.MissingRealm)]
    [InlineData("Digest realm=\"r\", algorithm=MD5", DigestRejectReason.MissingNonce)]
    [InlineData("Digest realm=\"r\", nonce=\"n\", algorithm=SHA3-256", DigestRejectReason.UnknownAlgorithm)]
    [InlineData("Digest realm=\"r, nonce=\"n\"", DigestRejectReason.MalformedHeader)]
    [InlineData("Digest realm=\"r\", nonce=\"n", DigestRejectReason.BadQuoting)]
    [InlineData("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"", DigestRejectReason.UnsupportedQop)]
    [InlineData("Basic realm=\"r\"", DigestRejectReason.NotDigest)]
    [InlineData("Digest realm=r nonce=n", DigestRejectReason.MalformedHeader)]
    [InlineData("", DigestRejectReason.MalformedHeader)]
    public void ABadChallengeIsRefusedWithItsReason(string value, DigestRejectReason expected)
    {
        Assert.False(DigestChallenge.TryParse(value, out DigestChallenge? challenge, out DigestRejectReason reason));
        Assert.Null(challenge);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void AChallengeWrittenOutReadsBackTheSame()
    {
        var challenge = new DigestChallenge("a \"quoted\" realm", "abc", DigestAlgorithm.Sha512Slash256) { QopAuth = true, Stale = true, Opaque = "o" };
        Assert.True(DigestChallenge.TryParse(challenge.ToString(), out DigestChallenge? back, out _));
        Assert.Equal(challenge.Realm, back.Realm);
        Assert.Equal(DigestAlgorithm.Sha512Slash256, back.Algorithm);
        Assert.Contains("algorithm=SHA-512-256", challenge.ToString(), StringComparison.Ordinal);
        Assert.True(back.QopAuth && back.Stale);
        Assert.Equal("o", back.Opaque);
    }

    [Fact]
    public void TheRfc7616CredentialsAreReadWithTheirParameters()
    {
        const string value = "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", algorithm=SHA-256, "
            + "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
            + "qop=auth, response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
        Assert.True(DigestAuthorization.TryParse(value, out DigestAuthorization? credentials, out _));
        Assert.Equal("Mufasa", credentials.Username);
        Assert.Equal(1u, credentials.NonceCount);
        Assert.True(credentials.QopAuth);
        Assert.Equal(DigestAlgorithm.Sha256, credentials.Algorithm);
        Assert.True(DigestAuthorization.TryParse(credentials.ToString(), out DigestAuthorization? back, out _));
        Assert.Equal(credentials.Response, back.Response);
        Assert.Equal(credentials.Cnonce, back.Cnonce);
    }

    [Theory]
    [InlineData("Digest realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", response=\"0123456789abcdef0123456789abcdef\"", DigestRejectReason.MissingUsername)]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"0123456789abcdef0123456789abcdef\"", DigestRejectReason.MissingUri)]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", response=\"0123\"", DigestRejectReason.BadResponse)]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", response=\"0123456789abcdef0123456789abcdeg\"", DigestRejectReason.BadResponse)]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", response=\"0123456789abcdef0123456789abcdef\", qop=auth, nc=1, cnonce=\"c\"", DigestRejectReason.BadNonceCount)]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", response=\"0123456789abcdef0123456789abcdef\", qop=auth, nc=00000001", DigestRejectReason.BadNonceCount)]
    [InlineData("Digest username=\"u\", nonce=\"n\", uri=\"sip:a@b\", response=\"0123456789abcdef0123456789abcdef\"", DigestRejectReason.MissingRealm)]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD4", DigestRejectReason.UnknownAlgorithm)]
    [InlineData("Digest username=\"u, realm=\"r\"", DigestRejectReason.MalformedHeader)]
    public void BadCredentialsAreRefusedWithTheirReason(string value, DigestRejectReason expected)
    {
        Assert.False(DigestAuthorization.TryParse(value, out _, out DigestRejectReason reason));
        Assert.Equal(expected, reason);
    }
}
