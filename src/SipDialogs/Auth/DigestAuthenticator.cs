using System.Net;
using System.Security.Cryptography;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Auth;

/// <summary>
/// The server side of Digest (RFC 3261 §22.1–§22.3, RFC 7616, RFC 8760): checks a request's credentials for one
/// realm against an <see cref="IDigestSecretStore"/>, and says whether to accept it, challenge it (with
/// <c>stale=true</c> for a right answer to an expired nonce), or refuse it (403 for a source that failed too often;
/// 400 for malformed credentials). Nonces need no per-nonce state to be checked (<see cref="DigestNonceIssuer"/>);
/// replays are refused by a bounded, striped nonce-count table; nothing here takes a lock shared by all callers.
/// Thread-safe. It never logs, and keeps no password.
/// </summary>
public sealed class DigestAuthenticator
{
    private readonly IDigestSecretStore _secrets;
    private readonly string _realm;
    private readonly DigestAlgorithm[] _algorithms;
    private readonly DigestNonceIssuer _nonces;
    private readonly NonceCountTracker _counts;
    private readonly SourceFailureCounter _failures;

    /// <summary>Creates an authenticator.</summary>
    /// <param name="options">The realm, algorithms, lifetimes and bounds.</param>
    /// <param name="secrets">Where the users' HA1s come from.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public DigestAuthenticator(DigestServerOptions options, IDigestSecretStore secrets, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrEmpty(options.Realm) || !SipGrammar.IsQuotable(options.Realm))
        {
            throw new ArgumentException("The realm must be a non-empty quotable string.", nameof(options));
        }

        if (options.Algorithms.Count == 0)
        {
            throw new ArgumentException("At least one algorithm must be offered.", nameof(options));
        }

        _secrets = secrets;
        _realm = options.Realm;
        _algorithms = [.. options.Algorithms];
        _nonces = options.NonceKey is { } key
            ? new DigestNonceIssuer(key, options.NonceLifetime, time)
            : new DigestNonceIssuer(options.NonceLifetime, time);
        _counts = new NonceCountTracker(options.MaxTrackedNonces, options.NonceLifetime);
        _failures = new SourceFailureCounter(options.MaxFailures, options.FailureWindow, options.MaxTrackedSources);
    }

    /// <summary>The realm challenged.</summary>
    public string Realm => _realm;

    /// <summary>Nonces tracked against replay now.</summary>
    internal int TrackedNonces => _counts.Count;

    /// <summary>Sources whose failures are counted now.</summary>
    internal int TrackedSources => _failures.Count;

    /// <summary>The challenges to send: one per algorithm offered, preferred first, sharing one fresh nonce.</summary>
    /// <param name="stale">Whether to say the nonce the client used was only stale (RFC 7616 §3.3).</param>
    /// <returns>The WWW-Authenticate (or Proxy-Authenticate) values.</returns>
    public IReadOnlyList<string> CreateChallenges(bool stale = false)
    {
        string nonce = _nonces.Issue(_realm);
        var values = new string[_algorithms.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = new DigestChallenge(_realm, nonce, _algorithms[i]) { QopAuth = true, Stale = stale }.ToString();
        }

        return values;
    }

    /// <summary>Checks the credentials <paramref name="request"/> carries for this realm.</summary>
    /// <param name="request">The request.</param>
    /// <param name="source">The address it came from: failures are counted per source.</param>
    /// <param name="asProxy">Read Proxy-Authorization (a proxy, answering 407) instead of Authorization (a UAS, 401).</param>
    /// <param name="cancellationToken">Ends the wait for the secret store.</param>
    /// <returns>What to do with the request.</returns>
    public async ValueTask<DigestVerdict> AuthenticateAsync(
        SipRequest request, IPAddress source, bool asProxy = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        long now = _nonces.NowMilliseconds;
        if (_failures.IsBlocked(source, now))
        {
            return new DigestVerdict(DigestOutcome.Forbidden, null, [], DigestRejectReason.None, DigestFailure.Blocked);
        }

        SipHeaderKind kind = asProxy ? SipHeaderKind.ProxyAuthorization : SipHeaderKind.Authorization;
        if (!request.TryGetAuth(kind, out IReadOnlyList<AuthHeader>? headers, out SipParseError error))
        {
            return Fail(source, now, DigestFailure.Malformed, DigestHeaders.FromSyntax(error.Reason), badRequest: true);
        }

        AuthHeader? mine = null;
        foreach (AuthHeader header in headers)
        {
            if (header.IsDigest && header.Realm == _realm)
            {
                mine = header;
                break;
            }
        }

        if (mine is null)
        {
            return Challenge(stale: false, DigestRejectReason.None, DigestFailure.None);
        }

        if (!DigestAuthorization.TryRead(mine, out DigestAuthorization? credentials, out DigestRejectReason reason))
        {
            return Fail(source, now, DigestFailure.Malformed, reason, badRequest: true);
        }

        if (!string.Equals(credentials.Uri, request.RequestUriText, StringComparison.Ordinal))
        {
            return Fail(source, now, DigestFailure.UriMismatch, DigestRejectReason.None, badRequest: false);
        }

        if (Array.IndexOf(_algorithms, credentials.Algorithm) < 0)
        {
            return Fail(source, now, DigestFailure.AlgorithmNotOffered, DigestRejectReason.UnknownAlgorithm, badRequest: false);
        }

        DigestNonceState state = _nonces.Verify(credentials.Nonce, _realm, out long issued);
        if (state == DigestNonceState.Invalid)
        {
            return Fail(source, now, DigestFailure.ForeignNonce, DigestRejectReason.None, badRequest: false);
        }

        string? ha1 = credentials.UserHash
            ? null // This server never offers userhash (RFC 7616 §3.4.4): it would need every user's hash indexed.
            : await _secrets.FindHa1Async(credentials.Username, _realm, credentials.Algorithm, cancellationToken).ConfigureAwait(false);
        if (ha1 is null)
        {
            return Fail(source, now, DigestFailure.UnknownUser, DigestRejectReason.None, badRequest: false);
        }

        string expected = RequestDigest.ComputeResponse(
            credentials.Algorithm, ha1, credentials.Nonce, credentials.NonceCount, credentials.Cnonce, credentials.QopAuth,
            request.Method, credentials.Uri);
        if (!SameHex(expected, credentials.Response))
        {
            return Fail(source, now, DigestFailure.WrongResponse, DigestRejectReason.None, badRequest: false);
        }

        if (state == DigestNonceState.Stale)
        {
            // RFC 7616 §3.3: the right answer to an old nonce; the client retries with the new one, without a prompt.
            return Challenge(stale: true, DigestRejectReason.None, DigestFailure.StaleNonce);
        }

        switch (_counts.TryUse(credentials.Nonce, issued, credentials.NonceCount, now))
        {
            case NonceCountVerdict.Accepted:
                return new DigestVerdict(DigestOutcome.Authenticated, credentials.Username, [], DigestRejectReason.None, DigestFailure.None);
            case NonceCountVerdict.Forgotten:
                return Challenge(stale: true, DigestRejectReason.None, DigestFailure.StaleNonce);
            default:
                return Fail(source, now, DigestFailure.Replayed, DigestRejectReason.None, badRequest: false);
        }
    }

    private DigestVerdict Fail(IPAddress source, long now, DigestFailure failure, DigestRejectReason reason, bool badRequest)
    {
        if (_failures.RecordFailure(source, now))
        {
            return new DigestVerdict(DigestOutcome.Forbidden, null, [], reason, failure);
        }

        return badRequest
            ? new DigestVerdict(DigestOutcome.BadRequest, null, [], reason, failure)
            : Challenge(stale: false, reason, failure);
    }

    private DigestVerdict Challenge(bool stale, DigestRejectReason reason, DigestFailure failure) =>
        new(DigestOutcome.Challenge, null, CreateChallenges(stale), reason, failure);

    /// <summary>Compares two hex digests ignoring case, in time independent of where they differ.</summary>
    private static bool SameHex(string expected, string given)
    {
        if (expected.Length != given.Length)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[expected.Length];
        Span<byte> b = stackalloc byte[given.Length];
        Encoding.ASCII.GetBytes(expected, a);
        Encoding.ASCII.GetBytes(given, b);
        for (int i = 0; i < b.Length; i++)
        {
            b[i] |= 0x20; // ASCII hex: lowercases A-F, leaves digits (0x30-0x39 already have the bit).
        }

        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
