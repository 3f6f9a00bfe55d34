using SipDialogs.Auth;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Auth;

public sealed class DigestClientTests
{
    private static readonly SipCredential s_alice = new("alice", "wonderland");

    private static DigestClient Client(string realm = "biloxi.example.com")
    {
        var table = new SipCredentialTable();
        table.SetForRealm(realm, s_alice);
        return new DigestClient(table);
    }

    [Fact]
    public void TheRfc7616Sha256ExampleIsAnsweredWithItsResponse()
    {
        var client = new DigestClient(new SipCredentialTable(), () => "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
        var challenge = new DigestChallenge("http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", DigestAlgorithm.Sha256)
        {
            QopAuth = true,
            Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
        };
        DigestAuthorization answer = client.Answer(challenge, new SipCredential("Mufasa", "Circle of Life"), "GET", "/dir/index.html");
        Assert.Equal("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", answer.Response);
        Assert.Equal(1u, answer.NonceCount);
        Assert.Equal("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", answer.Opaque);
    }

    [Fact]
    public void TheStrongestAlgorithmOfferedIsAnswered()
    {
        SipResponse response = AuthMessages.Challenge(
            401,
            "Digest realm=\"biloxi.example.com\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"",
            "Digest realm=\"biloxi.example.com\", nonce=\"n1\", algorithm=SHA-512-256, qop=\"auth\"",
            "Digest realm=\"biloxi.example.com\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\"",
            "Digest realm=\"biloxi.example.com\", nonce=\"n1\", algorithm=SHA3-512, qop=\"auth\"");
        Assert.True(Client().TryAnswer(AuthMessages.Invite(), response, out DigestAnswer? answer, out _, out _));
        Assert.Equal(SipHeaderKind.Authorization, answer.HeaderKind);
        DigestAuthorization sent = Assert.Single(Parse(answer));
        Assert.Equal(DigestAlgorithm.Sha512Slash256, sent.Algorithm);
        Assert.Equal(AuthMessages.RequestUri, sent.Uri);
        Assert.Equal("alice", sent.Username);
    }

    [Fact]
    public void AnUnusableChallengeBesideAUsableOneIsSkipped()
    {
        // A challenge this stack cannot read beside one it can: the usable one is answered.
        SipResponse response = AuthMessages.Challenge(
            401, "Digest realm=\"biloxi.example.com\", algorithm=MD5", "Digest realm=\"biloxi.example.com\", nonce=\"n1\"");
        Assert.True(Client().TryAnswer(AuthMessages.Invite(), response, out DigestAnswer? answer, out _, out _));
        DigestAuthorization sent = Assert.Single(Parse(answer));
        Assert.False(sent.QopAuth); // RFC 2069 form: no qop offered.
        Assert.Null(sent.Cnonce);
    }

    [Fact]
    public void AProxyChallengeIsAnsweredWithProxyAuthorizationKeepingTheOtherProxysCredentials()
    {
        var table = new SipCredentialTable();
        table.SetForRealm("first.example.com", s_alice);
        table.SetForRealm("second.example.com", new SipCredential("alice2", "other"));
        var client = new DigestClient(table);
        SipRequest invite = AuthMessages.Invite();
        Assert.True(client.TryAnswer(invite, AuthMessages.Challenge(407, "Digest realm=\"first.example.com\", nonce=\"a\", qop=\"auth\""), out DigestAnswer? first, out _, out _));
        Assert.Equal(SipHeaderKind.ProxyAuthorization, first.HeaderKind);
        SipRequest retry = AuthMessages.Retry(invite, first);

        // The second proxy challenges the retry: both proxies' credentials go in the next one.
        Assert.True(client.TryAnswer(retry, AuthMessages.Challenge(407, "Digest realm=\"second.example.com\", nonce=\"b\", qop=\"auth\""), out DigestAnswer? second, out _, out _));
        List<DigestAuthorization> sent = Parse(second);
        Assert.Equal(["first.example.com", "second.example.com"], sent.ConvertAll(c => c.Realm));
        Assert.Equal("alice2", sent[1].Username);
    }

    [Fact]
    public void ASecondChallengeAfterCredentialsWereSentEndsTheRequest()
    {
        DigestClient client = Client();
        SipRequest invite = AuthMessages.Invite();
        Assert.True(client.TryAnswer(invite, AuthMessages.Challenge(401, "Digest realm=\"biloxi.example.com\", nonce=\"n1\", qop=\"auth\""), out DigestAnswer? answer, out _, out _));
        SipRequest retry = AuthMessages.Retry(invite, answer);

        Assert.False(client.TryAnswer(retry, AuthMessages.Challenge(401, "Digest realm=\"biloxi.example.com\", nonce=\"n2\", qop=\"auth\""), out _, out DigestAnswerFailure failure, out _));
        Assert.Equal(DigestAnswerFailure.CredentialsRefused, failure);
    }

    [Fact]
    public void AStaleChallengeIsAnsweredWithTheNewNonceWithoutGivingUp()
    {
        DigestClient client = Client();
        SipRequest invite = AuthMessages.Invite();
        Assert.True(client.TryAnswer(invite, AuthMessages.Challenge(401, "Digest realm=\"biloxi.example.com\", nonce=\"n1\", qop=\"auth\""), out DigestAnswer? answer, out _, out _));
        SipRequest retry = AuthMessages.Retry(invite, answer);

        Assert.True(client.TryAnswer(retry, AuthMessages.Challenge(401, "Digest realm=\"biloxi.example.com\", nonce=\"n2\", qop=\"auth\", stale=true"), out DigestAnswer? again, out _, out _));
        Assert.Equal("n2", Assert.Single(Parse(again)).Nonce);

        // Stale again with the very nonce just used: no progress is possible, so it ends.
        Assert.False(client.TryAnswer(AuthMessages.Retry(retry, again), AuthMessages.Challenge(401, "Digest realm=\"biloxi.example.com\", nonce=\"n2\", qop=\"auth\", stale=true"), out _, out DigestAnswerFailure failure, out _));
        Assert.Equal(DigestAnswerFailure.CredentialsRefused, failure);
    }

    [Fact]
    public void TheNonceCountRisesEachTimeANonceIsUsedAgain()
    {
        DigestClient client = Client();
        SipResponse challenge = AuthMessages.Challenge(401, "Digest realm=\"biloxi.example.com\", nonce=\"n1\", qop=\"auth\"");
        Assert.True(client.TryAnswer(AuthMessages.Invite(1), challenge, out DigestAnswer? first, out _, out _));
        Assert.True(client.TryAnswer(AuthMessages.Invite(5), challenge, out DigestAnswer? second, out _, out _));
        Assert.Equal(1u, Assert.Single(Parse(first)).NonceCount);
        Assert.Equal(2u, Assert.Single(Parse(second)).NonceCount);
        Assert.NotEqual(Parse(first)[0].Cnonce, Parse(second)[0].Cnonce);
    }

    [Fact]
    public void ARealmWithoutCredentialsGivesNoAnswer()
    {
        Assert.False(Client().TryAnswer(AuthMessages.Invite(), AuthMessages.Challenge(401, "Digest realm=\"elsewhere\", nonce=\"n\""), out _, out DigestAnswerFailure failure, out _));
        Assert.Equal(DigestAnswerFailure.NoCredentials, failure);
    }

    [Fact]
    public void CredentialsForTheTargetWinOverThoseForTheRealm()
    {
        var table = new SipCredentialTable { Default = new SipCredential("default", "d") };
        table.SetForRealm("biloxi.example.com", s_alice);
        table.SetForTarget("BILOXI.example.com", new SipCredential("target", "t"));
        Assert.True(table.TryGetCredential("biloxi.example.com", AuthMessages.RequestUri, out SipCredential? credential));
        Assert.Equal("target", credential.Username);
        Assert.True(table.TryGetCredential("other", "sip:x@y", out credential));
        Assert.Equal("default", credential.Username);
        Assert.DoesNotContain("wonderland", s_alice.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyUnusableChallengesGiveTheFirstReason()
    {
        Assert.False(Client().TryAnswer(AuthMessages.Invite(), AuthMessages.Challenge(401, "Digest nonce=\"n\"", "Digest realm=\"r\", nonce=\"n\", algorithm=X"), out _, out DigestAnswerFailure failure, out DigestRejectReason reason));
        Assert.Equal(DigestAnswerFailure.NoUsableChallenge, failure);
        Assert.Equal(DigestRejectReason.MissingRealm, reason);

        Assert.False(Client().TryAnswer(AuthMessages.Invite(), AuthMessages.Challenge(401, "Digest realm=\"r\", nonce=\"n"), out _, out failure, out reason));
        Assert.Equal(DigestAnswerFailure.NoUsableChallenge, failure);
        Assert.Equal(DigestRejectReason.BadQuoting, reason);
    }

    private static List<DigestAuthorization> Parse(DigestAnswer answer)
    {
        var parsed = new List<DigestAuthorization>();
        foreach (string value in answer.Values)
        {
            Assert.True(DigestAuthorization.TryParse(value, out DigestAuthorization? credentials, out DigestRejectReason reason), reason.ToString());
            parsed.Add(credentials);
        }

        return parsed;
    }
}
