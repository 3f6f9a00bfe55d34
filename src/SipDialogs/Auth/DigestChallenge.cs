using System.Diagnostics.CodeAnalysis;
using SipDialogs.Messages;

namespace SipDialogs.Auth;

/// <summary>
/// A Digest challenge of a WWW-Authenticate or Proxy-Authenticate header field (RFC 3261 §22.1, §22.3; RFC 7616 §3.3),
/// checked: it has a realm and a nonce, names an algorithm this stack knows, and offers <c>qop=auth</c> or no qop.
/// </summary>
public sealed class DigestChallenge
{
    /// <summary>Creates a challenge to send.</summary>
    /// <param name="realm">The protection space (RFC 3261 §22.1).</param>
    /// <param name="nonce">A server-made nonce.</param>
    /// <param name="algorithm">The algorithm.</param>
    public DigestChallenge(string realm, string nonce, DigestAlgorithm algorithm)
    {
        ArgumentException.ThrowIfNullOrEmpty(realm);
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        Realm = realm;
        Nonce = nonce;
        Algorithm = algorithm;
    }

    /// <summary>The realm.</summary>
    public string Realm { get; }

    /// <summary>The nonce.</summary>
    public string Nonce { get; }

    /// <summary>The algorithm; MD5 when the challenge names none (RFC 3261 §22.4).</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>The opaque value to return unchanged, or <see langword="null"/>.</summary>
    public string? Opaque { get; init; }

    /// <summary>Whether <c>qop</c> offers <c>auth</c>; when false the answer has the RFC 2069 form (no cnonce, no nc).</summary>
    public bool QopAuth { get; init; }

    /// <summary>Whether the server says the nonce was stale, not the credentials wrong (RFC 7616 §3.3).</summary>
    public bool Stale { get; init; }

    /// <summary>Whether the server accepts a hashed user name (RFC 7616 §3.4.4 <c>userhash=true</c>).</summary>
    public bool UserHash { get; init; }

    /// <summary>
    /// Reads a challenge header field value, e.g. <c>Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth"</c>.
    /// </summary>
    /// <param name="value">The whole header field value.</param>
    /// <param name="challenge">The challenge, or <see langword="null"/> when false.</param>
    /// <param name="reason">Why it cannot be used when false.</param>
    /// <returns>Whether the value is a usable Digest challenge.</returns>
    public static bool TryParse(string value, [NotNullWhen(true)] out DigestChallenge? challenge, out DigestRejectReason reason)
    {
        challenge = null;
        return DigestHeaders.TryParseValue(value, out AuthHeader? header, out reason) && TryRead(header, out challenge, out reason);
    }

    /// <summary>Checks a parsed challenge (see <see cref="SipMessage.WwwAuthenticate"/>, <see cref="SipMessage.ProxyAuthenticate"/>).</summary>
    /// <param name="header">The parsed header field value.</param>
    /// <param name="challenge">The challenge, or <see langword="null"/> when false.</param>
    /// <param name="reason">Why it cannot be used when false.</param>
    /// <returns>Whether it is a usable Digest challenge.</returns>
    public static bool TryRead(AuthHeader header, [NotNullWhen(true)] out DigestChallenge? challenge, out DigestRejectReason reason)
    {
        challenge = null;
        if (!DigestHeaders.TryReadCommon(header, out string? realm, out string? nonce, out DigestAlgorithm algorithm, out bool userHash, out reason))
        {
            return false;
        }

        // RFC 7616 §3.3: qop is a quoted, comma-separated list of the options offered.
        bool auth = false;
        if (header.Qop is { } qop)
        {
            foreach (Range range in qop.AsSpan().Split(','))
            {
                if (qop.AsSpan()[range].Trim().Equals("auth", StringComparison.OrdinalIgnoreCase))
                {
                    auth = true;
                }
            }

            if (!auth)
            {
                reason = DigestRejectReason.UnsupportedQop;
                return false;
            }
        }

        challenge = new DigestChallenge(realm, nonce, algorithm)
        {
            Opaque = header.Opaque,
            QopAuth = auth,
            Stale = header.Stale,
            UserHash = userHash,
        };
        reason = DigestRejectReason.None;
        return true;
    }

    /// <summary>The header field value, e.g. <c>Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"</c>.</summary>
    /// <returns>The value to send in WWW-Authenticate or Proxy-Authenticate.</returns>
    public override string ToString()
    {
        var header = new AuthHeader(AuthHeader.DigestScheme);
        header.SetParameter("realm", Realm, quoted: true);
        header.SetParameter("nonce", Nonce, quoted: true);
        header.SetParameter("algorithm", DigestAlgorithms.Name(Algorithm), quoted: false);
        if (QopAuth)
        {
            header.SetParameter("qop", "auth", quoted: true);
        }

        if (Opaque is not null)
        {
            header.SetParameter("opaque", Opaque, quoted: true);
        }

        if (Stale)
        {
            header.SetParameter("stale", "true", quoted: false);
        }

        return header.ToString();
    }
}
