using System.Net;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Auth;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Auth;

public sealed class DigestAuthenticatorTests
{
    private const string Realm = "biloxi.example.com";
    private static readonly IPAddress s_source = IPAddress.Parse("192.0.2.10");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData(DigestAlgorithm.Md5)]
    [InlineData(DigestAlgorithm.Sha256)]
    [InlineData(DigestAlgorithm.Sha512Slash256)]
    [InlineData(DigestAlgorithm.Sha256Sess)]
    public async Task TheRightPasswordIsAcceptedForEachAlgorithm(DigestAlgorithm algorithm)
    {
        DigestAuthenticator server = Server(algorithm);
        DigestVerdict verdict = await CallAsync(server, "wonderland");
        Assert.Equal(DigestOutcome.Authenticated, verdict.Outcome);
        Assert.Equal("alice", verdict.Username);
    }

    [Fact]
    public async Task ARequestWithoutCredentialsIsChallengedWithEachAlgorithmPreferredFirst()
    {
        DigestVerdict verdict = await Server().AuthenticateAsync(AuthMessages.Invite(), s_source);
        Assert.Equal(DigestOutcome.Challenge, verdict.Outcome);
        Assert.Equal(2, verdict.Challenges.Count);
        Assert.Contains("algorithm=SHA-256", verdict.Challenges[0], StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", verdict.Challenges[1], StringComparison.Ordinal);
        Assert.Contains("qop=\"auth\"", verdict.Challenges[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongPasswordIsChallengedAgainThen403AfterTheMaximumFailures()
    {
        DigestAuthenticator server = Server(maxFailures: 3);
        Assert.Equal(DigestFailure.WrongResponse, (await CallAsync(server, "guess1")).Failure);
        Assert.Equal(DigestOutcome.Challenge, (await CallAsync(server, "guess2")).Outcome);
        Assert.Equal(DigestOutcome.Forbidden, (await CallAsync(server, "guess3")).Outcome);

        // Blocked now, even with the right password, until the window ends.
        DigestVerdict blocked = await CallAsync(server, "wonderland");
        Assert.Equal(DigestOutcome.Forbidden, blocked.Outcome);
        Assert.Equal(DigestFailure.Blocked, blocked.Failure);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(DigestOutcome.Authenticated, (await CallAsync(server, "wonderland")).Outcome);
    }

    [Fact]
    public async Task AReplayedNonceAndCountIsRefused()
    {
        DigestAuthenticator server = Server();
        SipRequest invite = AuthMessages.Invite();
        SipRequest signed = Sign(server, invite, "wonderland");
        Assert.Equal(DigestOutcome.Authenticated, (await server.AuthenticateAsync(signed, s_source)).Outcome);

        DigestVerdict replay = await server.AuthenticateAsync(signed, IPAddress.Parse("198.51.100.7"));
        Assert.Equal(DigestOutcome.Challenge, replay.Outcome);
        Assert.Equal(DigestFailure.Replayed, replay.Failure);
    }

    [Fact]
    public async Task TheSameNonceWithAHigherCountIsAccepted()
    {
        DigestAuthenticator server = Server();
        var client = new DigestClient(Credentials());
        SipRequest invite = AuthMessages.Invite();
        DigestVerdict challenge = await server.AuthenticateAsync(invite, s_source);
        SipResponse response = AuthMessages.Challenge(401, [.. challenge.Challenges]);
        Assert.True(client.TryAnswer(invite, response, out DigestAnswer? first, out _, out _));
        Assert.True(client.TryAnswer(invite, response, out DigestAnswer? second, out _, out _));
        Assert.Equal(DigestOutcome.Authenticated, (await server.AuthenticateAsync(AuthMessages.Retry(invite, first), s_source)).Outcome);
        Assert.Equal(DigestOutcome.Authenticated, (await server.AuthenticateAsync(AuthMessages.Retry(invite, second), s_source)).Outcome);
        Assert.Equal(DigestFailure.Replayed, (await server.AuthenticateAsync(AuthMessages.Retry(invite, first), s_source)).Failure);
    }

    [Fact]
    public async Task AnExpiredNonceWithTheRightPasswordIsAnsweredStaleAndTheClientRetriesWithoutGivingUp()
    {
        DigestAuthenticator server = Server();
        var client = new DigestClient(Credentials());
        SipRequest invite = AuthMessages.Invite();
        DigestVerdict challenge = await server.AuthenticateAsync(invite, s_source);
        Assert.True(client.TryAnswer(invite, AuthMessages.Challenge(401, [.. challenge.Challenges]), out DigestAnswer? answer, out _, out _));
        SipRequest retry = AuthMessages.Retry(invite, answer);

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        DigestVerdict stale = await server.AuthenticateAsync(retry, s_source);
        Assert.Equal(DigestOutcome.Challenge, stale.Outcome);
        Assert.Equal(DigestFailure.StaleNonce, stale.Failure);
        Assert.Contains("stale=true", stale.Challenges[0], StringComparison.Ordinal);

        Assert.True(client.TryAnswer(retry, AuthMessages.Challenge(401, [.. stale.Challenges]), out DigestAnswer? again, out _, out _));
        Assert.Equal(DigestOutcome.Authenticated, (await server.AuthenticateAsync(AuthMessages.Retry(retry, again), s_source)).Outcome);
    }

    [Fact]
    public async Task AnExpiredNonceWithAWrongPasswordIsNotStale()
    {
        DigestAuthenticator server = Server();
        SipRequest signed = Sign(server, AuthMessages.Invite(), "guess");
        _time.Advance(TimeSpan.FromMinutes(6));
        DigestVerdict verdict = await server.AuthenticateAsync(signed, s_source);
        Assert.Equal(DigestFailure.WrongResponse, verdict.Failure);
        Assert.DoesNotContain("stale", verdict.Challenges[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANonceOfAnotherServerOrRealmIsRefused()
    {
        DigestAuthenticator other = Server();
        SipRequest signed = Sign(other, AuthMessages.Invite(), "wonderland");
        DigestVerdict verdict = await Server().AuthenticateAsync(signed, s_source);
        Assert.Equal(DigestFailure.ForeignNonce, verdict.Failure);

        // Servers sharing a key accept each other's nonces.
        byte[] key = new byte[32];
        DigestAuthenticator first = Server(key: key);
        DigestAuthenticator second = Server(key: key);
        Assert.Equal(DigestOutcome.Authenticated, (await second.AuthenticateAsync(Sign(first, AuthMessages.Invite(), "wonderland"), s_source)).Outcome);
    }

    [Fact]
    public async Task MalformedCredentialsForTheRealmGive400()
    {
        SipRequest invite = AuthMessages.Invite(1, ("Authorization", $"Digest username=\"alice\", realm=\"{Realm}\", nonce=\"n\", uri=\"{AuthMessages.RequestUri}\", response=\"zz\""));
        DigestVerdict verdict = await Server().AuthenticateAsync(invite, s_source);
        Assert.Equal(DigestOutcome.BadRequest, verdict.Outcome);
        Assert.Equal(DigestRejectReason.BadResponse, verdict.Reason);
    }

    [Fact]
    public async Task AnUnknownUserIsChallengedLikeAWrongPassword()
    {
        var table = new SipCredentialTable { Default = new SipCredential("mallory", "x") };
        DigestAuthenticator server = Server();
        SipRequest invite = AuthMessages.Invite();
        DigestVerdict challenge = await server.AuthenticateAsync(invite, s_source);
        Assert.True(new DigestClient(table).TryAnswer(invite, AuthMessages.Challenge(401, [.. challenge.Challenges]), out DigestAnswer? answer, out _, out _));
        DigestVerdict verdict = await server.AuthenticateAsync(AuthMessages.Retry(invite, answer), s_source);
        Assert.Equal(DigestOutcome.Challenge, verdict.Outcome);
        Assert.Equal(DigestFailure.UnknownUser, verdict.Failure);
    }

    [Fact]
    public async Task TheReplayTableStaysWithinItsBoundAndAForgottenNonceIsStaleNotAccepted()
    {
        DigestAuthenticator server = Server(maxNonces: 64); // One nonce per stripe.
        var signed = new List<SipRequest>();
        for (int i = 0; i < 500; i++)
        {
            SipRequest request = Sign(server, AuthMessages.Invite((uint)i + 1), "wonderland");
            signed.Add(request);
            Assert.Equal(DigestOutcome.Authenticated, (await server.AuthenticateAsync(request, s_source)).Outcome);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.True(server.TrackedNonces <= 64, $"{server.TrackedNonces} nonces tracked");
        foreach (SipRequest replay in signed)
        {
            Assert.NotEqual(DigestOutcome.Authenticated, (await server.AuthenticateAsync(replay, s_source)).Outcome);
        }
    }

    [Fact]
    public async Task TheFailureTableStaysWithinItsBound()
    {
        DigestAuthenticator server = Server(maxSources: 64);
        for (int i = 0; i < 1000; i++)
        {
            var source = new IPAddress([10, 0, (byte)(i >> 8), (byte)i]);
            await server.AuthenticateAsync(Sign(server, AuthMessages.Invite(), "guess"), source);
        }

        Assert.True(server.TrackedSources <= 64, $"{server.TrackedSources} sources tracked");
    }

    [Fact]
    public async Task ConcurrentCallersGetEachNonceCountAcceptedOnce()
    {
        DigestAuthenticator server = Server();
        var requests = new SipRequest[400];
        for (int i = 0; i < requests.Length; i++)
        {
            requests[i] = Sign(server, AuthMessages.Invite((uint)i + 1), "wonderland");
        }

        // Every request is presented twice, from four threads at once: exactly one of each pair is accepted.
        int accepted = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, requests.Length * 2),
            new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (i, ct) =>
            {
                if ((await server.AuthenticateAsync(requests[i % requests.Length], new IPAddress([10, 1, (byte)(i >> 8), (byte)i]), cancellationToken: ct)).Outcome == DigestOutcome.Authenticated)
                {
                    Interlocked.Increment(ref accepted);
                }
            });
        Assert.Equal(requests.Length, accepted);
    }

    private DigestAuthenticator Server(
        DigestAlgorithm? algorithm = null, int maxFailures = 10, int maxNonces = 65_536, int maxSources = 16_384, byte[]? key = null)
    {
        Assert.True(DigestSecretFile.TryParse($"alice {Realm} plain:wonderland\n", out DigestSecretFile? secrets, out _));
        var options = new DigestServerOptions
        {
            Realm = Realm,
            MaxFailures = maxFailures,
            MaxTrackedNonces = maxNonces,
            MaxTrackedSources = maxSources,
            NonceKey = key,
        };
        if (algorithm is { } only)
        {
            options.Algorithms.Clear();
            options.Algorithms.Add(only);
        }

        return new DigestAuthenticator(options, secrets, _time);
    }

    private static SipCredentialTable Credentials()
    {
        var table = new SipCredentialTable();
        table.SetForRealm(Realm, new SipCredential("alice", "wonderland"));
        return table;
    }

    /// <summary>The request with credentials answering a fresh challenge of <paramref name="server"/>.</summary>
    private static SipRequest Sign(DigestAuthenticator server, SipRequest request, string password)
    {
        var table = new SipCredentialTable();
        table.SetForRealm(Realm, new SipCredential("alice", password));
        SipResponse challenge = AuthMessages.Challenge(401, [.. server.CreateChallenges()]);
        Assert.True(new DigestClient(table).TryAnswer(request, challenge, out DigestAnswer? answer, out _, out _));
        return AuthMessages.Retry(AuthMessages.Invite(request.CSeqNumber - 1), answer);
    }

    private static async Task<DigestVerdict> CallAsync(DigestAuthenticator server, string password) =>
        await server.AuthenticateAsync(Sign(server, AuthMessages.Invite(), password), s_source);
}
