using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using SipDialogs.Messages;

namespace SipDialogs.Auth;

/// <summary>
/// Answers 401 and 407 challenges (RFC 3261 §22.2, §22.3; RFC 7616; RFC 8760): for each realm challenged it picks the
/// strongest algorithm offered (SHA-512-256, then SHA-256, then MD5), uses <c>qop=auth</c> with a fresh cnonce when
/// offered and RFC 2069's form otherwise, and gives up when credentials it already sent are challenged again without
/// <c>stale=true</c>. It learns nothing from the request but its own headers, so one client serves many requests
/// and threads.
/// </summary>
public sealed class DigestClient
{
    /// <summary>Bound on the nonces whose counts are kept; past it the table starts again (a server then sees nc=1 for a known nonce and challenges anew).</summary>
    private const int MaxNonces = 1024;

    private readonly ISipCredentialSource _credentials;
    private readonly Func<string> _cnonces;
    private readonly ConcurrentDictionary<string, StrongBox<uint>> _nonceCounts = new(StringComparer.Ordinal);

    /// <summary>Creates a client that answers with <paramref name="credentials"/>.</summary>
    /// <param name="credentials">Where the user names and passwords come from.</param>
    public DigestClient(ISipCredentialSource credentials)
        : this(credentials, NewCnonce)
    {
    }

    /// <summary>For tests that reproduce the RFC examples: a fixed cnonce.</summary>
    internal DigestClient(ISipCredentialSource credentials, Func<string> cnonces)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials = credentials;
        _cnonces = cnonces;
    }

    /// <summary>
    /// The name under which the stacks of a cluster each hold their own client with the same credentials, or null. A
    /// dialog whose <see cref="Dialogs.Dialog.Digest"/> is a named client carries the name in its snapshot (never the
    /// password or HA1), and the stack that imports it answers its challenges with the client it holds under that name
    /// (<see cref="Hosting.SipStack.AddDigestClient"/>).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// Makes the credentials to send <paramref name="challenged"/> again after <paramref name="response"/>. The caller
    /// sends it again once with <see cref="DigestAnswer.ApplyTo"/> and a higher CSeq (RFC 3261 §22.2); when the answer
    /// is challenged again, this method refuses, so the request cannot loop.
    /// </summary>
    /// <param name="challenged">The request as sent.</param>
    /// <param name="response">Its 401 or 407 response.</param>
    /// <param name="answer">The header field values to send, or <see langword="null"/> when false.</param>
    /// <param name="failure">Why there is no answer when false.</param>
    /// <param name="reason">For <see cref="DigestAnswerFailure.NoUsableChallenge"/>, what was wrong with the first challenge.</param>
    /// <returns>Whether the request can be sent again with credentials.</returns>
    public bool TryAnswer(
        SipRequest challenged,
        SipResponse response,
        [NotNullWhen(true)] out DigestAnswer? answer,
        out DigestAnswerFailure failure,
        out DigestRejectReason reason)
    {
        ArgumentNullException.ThrowIfNull(challenged);
        ArgumentNullException.ThrowIfNull(response);
        answer = null;
        reason = DigestRejectReason.None;
        (SipHeaderKind challengeKind, SipHeaderKind answerKind) = response.StatusCode switch
        {
            401 => (SipHeaderKind.WwwAuthenticate, SipHeaderKind.Authorization),
            407 => (SipHeaderKind.ProxyAuthenticate, SipHeaderKind.ProxyAuthorization),
            _ => (SipHeaderKind.Unknown, SipHeaderKind.Unknown),
        };
        if (challengeKind == SipHeaderKind.Unknown)
        {
            failure = DigestAnswerFailure.NotAChallenge;
            return false;
        }

        if (!response.TryGetAuth(challengeKind, out IReadOnlyList<AuthHeader>? headers, out SipParseError error))
        {
            failure = DigestAnswerFailure.NoUsableChallenge;
            reason = DigestHeaders.FromSyntax(error.Reason);
            return false;
        }

        // The strongest usable challenge of each realm, in the order the realms first appear.
        var chosen = new List<DigestChallenge>(2);
        foreach (AuthHeader header in headers)
        {
            if (!DigestChallenge.TryRead(header, out DigestChallenge? challenge, out DigestRejectReason why))
            {
                reason = reason == DigestRejectReason.None ? why : reason;
                continue;
            }

            int index = chosen.FindIndex(c => c.Realm == challenge.Realm);
            if (index < 0)
            {
                chosen.Add(challenge);
            }
            else if (challenge.Algorithm > chosen[index].Algorithm)
            {
                chosen[index] = challenge;
            }
        }

        if (chosen.Count == 0)
        {
            failure = DigestAnswerFailure.NoUsableChallenge;
            reason = reason == DigestRejectReason.None ? DigestRejectReason.NotDigest : reason;
            return false;
        }

        reason = DigestRejectReason.None;
        var values = new List<string>(chosen.Count + 1);
        if (challenged.TryGetAuth(answerKind, out IReadOnlyList<AuthHeader>? sent, out _))
        {
            foreach (AuthHeader previous in sent)
            {
                DigestChallenge? again = previous.Realm is { } realm ? chosen.Find(c => c.Realm == realm) : null;
                if (again is null)
                {
                    values.Add(previous.ToString()); // RFC 3261 §22.3: keep the answers to the other proxies.
                }
                else if (!again.Stale || again.Nonce == previous.Nonce)
                {
                    failure = DigestAnswerFailure.CredentialsRefused;
                    return false;
                }
            }
        }

        foreach (DigestChallenge challenge in chosen)
        {
            if (!_credentials.TryGetCredential(challenge.Realm, challenged.RequestUriText, out SipCredential? credential))
            {
                failure = DigestAnswerFailure.NoCredentials;
                return false;
            }

            values.Add(Answer(challenge, credential, challenged.Method, challenged.RequestUriText).ToString());
        }

        answer = new DigestAnswer(answerKind, values);
        failure = DigestAnswerFailure.None;
        return true;
    }

    /// <summary>The credentials answering <paramref name="challenge"/> for a request of <paramref name="method"/> to <paramref name="uri"/>.</summary>
    internal DigestAuthorization Answer(DigestChallenge challenge, SipCredential credential, string method, string uri)
    {
        string ha1 = RequestDigest.ComputeHa1(challenge.Algorithm, credential.Username, challenge.Realm, credential.Password);
        string? cnonce = challenge.QopAuth ? _cnonces() : null;
        uint nc = challenge.QopAuth ? NextCount(challenge.Realm, challenge.Nonce) : 0;
        string response = RequestDigest.ComputeResponse(challenge.Algorithm, ha1, challenge.Nonce, nc, cnonce, challenge.QopAuth, method, uri);
        string username = challenge.UserHash
            ? RequestDigest.ComputeUserHash(challenge.Algorithm, credential.Username, challenge.Realm)
            : credential.Username;
        return new DigestAuthorization(username, challenge.Realm, challenge.Nonce, uri, response, challenge.Algorithm)
        {
            QopAuth = challenge.QopAuth,
            NonceCount = nc,
            Cnonce = cnonce,
            Opaque = challenge.Opaque,
            UserHash = challenge.UserHash,
        };
    }

    private uint NextCount(string realm, string nonce)
    {
        if (_nonceCounts.Count >= MaxNonces)
        {
            _nonceCounts.Clear();
        }

        StrongBox<uint> count = _nonceCounts.GetOrAdd(string.Concat(realm, "\n", nonce), static _ => new StrongBox<uint>());
        return Interlocked.Increment(ref count.Value);
    }

    /// <summary>A client nonce: 96 random bits as hex (RFC 7616 §3.4: unpredictable, at least as long as needed).</summary>
    private static string NewCnonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
