using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SipDialogs.Messages;

namespace SipDialogs.Auth;

/// <summary>
/// Digest credentials of an Authorization or Proxy-Authorization header field (RFC 3261 §22.2, §22.3; RFC 7616 §3.4),
/// checked: the parameters a server needs to verify them are present and well formed.
/// </summary>
public sealed class DigestAuthorization
{
    /// <summary>Creates credentials to send.</summary>
    /// <param name="username">The user name (or its hash, with <see cref="UserHash"/>).</param>
    /// <param name="realm">The realm of the challenge answered.</param>
    /// <param name="nonce">The nonce of the challenge answered.</param>
    /// <param name="uri">The digest-uri: the Request-URI.</param>
    /// <param name="response">The response digest.</param>
    /// <param name="algorithm">The algorithm.</param>
    public DigestAuthorization(string username, string realm, string nonce, string uri, string response, DigestAlgorithm algorithm)
    {
        Username = username;
        Realm = realm;
        Nonce = nonce;
        Uri = uri;
        Response = response;
        Algorithm = algorithm;
    }

    /// <summary>The user name.</summary>
    public string Username { get; }

    /// <summary>The realm.</summary>
    public string Realm { get; }

    /// <summary>The nonce.</summary>
    public string Nonce { get; }

    /// <summary>The digest-uri.</summary>
    public string Uri { get; }

    /// <summary>The response digest, lowercase or uppercase hex as sent.</summary>
    public string Response { get; }

    /// <summary>The algorithm.</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>Whether <c>qop=auth</c> was used; then <see cref="NonceCount"/> and <see cref="Cnonce"/> are set.</summary>
    public bool QopAuth { get; init; }

    /// <summary>The nonce count, or 0 without qop.</summary>
    public uint NonceCount { get; init; }

    /// <summary>The client nonce, or <see langword="null"/> without qop.</summary>
    public string? Cnonce { get; init; }

    /// <summary>The opaque value returned, or <see langword="null"/>.</summary>
    public string? Opaque { get; init; }

    /// <summary>Whether <see cref="Username"/> is the hash of RFC 7616 §3.4.4.</summary>
    public bool UserHash { get; init; }

    /// <summary>Reads a credentials header field value.</summary>
    /// <param name="value">The whole header field value.</param>
    /// <param name="authorization">The credentials, or <see langword="null"/> when false.</param>
    /// <param name="reason">Why they cannot be used when false.</param>
    /// <returns>Whether the value holds usable Digest credentials.</returns>
    public static bool TryParse(string value, [NotNullWhen(true)] out DigestAuthorization? authorization, out DigestRejectReason reason)
    {
        authorization = null;
        return DigestHeaders.TryParseValue(value, out AuthHeader? header, out reason) && TryRead(header, out authorization, out reason);
    }

    /// <summary>Checks parsed credentials (see <see cref="SipMessage.Authorization"/>, <see cref="SipMessage.ProxyAuthorization"/>).</summary>
    /// <param name="header">The parsed header field value.</param>
    /// <param name="authorization">The credentials, or <see langword="null"/> when false.</param>
    /// <param name="reason">Why they cannot be used when false.</param>
    /// <returns>Whether they are usable Digest credentials.</returns>
    public static bool TryRead(AuthHeader header, [NotNullWhen(true)] out DigestAuthorization? authorization, out DigestRejectReason reason)
    {
        authorization = null;
        if (!DigestHeaders.TryReadCommon(header, out string? realm, out string? nonce, out DigestAlgorithm algorithm, out bool userHash, out reason))
        {
            return false;
        }

        if (string.IsNullOrEmpty(header.Username))
        {
            reason = DigestRejectReason.MissingUsername;
            return false;
        }

        if (string.IsNullOrEmpty(header.Uri))
        {
            reason = DigestRejectReason.MissingUri;
            return false;
        }

        if (header.Response is not { } response || response.Length != DigestAlgorithms.HexLength(algorithm) || !DigestHeaders.IsHex(response))
        {
            reason = DigestRejectReason.BadResponse;
            return false;
        }

        bool qopAuth = false;
        uint nonceCount = 0;
        if (header.Qop is { } qop)
        {
            if (!qop.Equals("auth", StringComparison.OrdinalIgnoreCase))
            {
                reason = DigestRejectReason.UnsupportedQop;
                return false;
            }

            if (header.Nc is not { Length: 8 } nc || !DigestHeaders.IsHex(nc)
                || !uint.TryParse(nc, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out nonceCount)
                || string.IsNullOrEmpty(header.Cnonce))
            {
                reason = DigestRejectReason.BadNonceCount;
                return false;
            }

            qopAuth = true;
        }

        authorization = new DigestAuthorization(header.Username, realm, nonce, header.Uri, response, algorithm)
        {
            QopAuth = qopAuth,
            NonceCount = nonceCount,
            Cnonce = qopAuth ? header.Cnonce : null,
            Opaque = header.Opaque,
            UserHash = userHash,
        };
        reason = DigestRejectReason.None;
        return true;
    }

    /// <summary>
    /// The header field value, parameters in RFC 7616 §3.4's order and quoting: <c>username</c>, <c>realm</c>,
    /// <c>nonce</c>, <c>uri</c>, <c>response</c>, <c>cnonce</c> and <c>opaque</c> quoted; <c>algorithm</c>, <c>qop</c>,
    /// <c>nc</c> and <c>userhash</c> not.
    /// </summary>
    /// <returns>The value to send in Authorization or Proxy-Authorization.</returns>
    public override string ToString()
    {
        var header = new AuthHeader(AuthHeader.DigestScheme);
        header.SetParameter("username", Username, quoted: true);
        header.SetParameter("realm", Realm, quoted: true);
        header.SetParameter("nonce", Nonce, quoted: true);
        header.SetParameter("uri", Uri, quoted: true);
        header.SetParameter("response", Response, quoted: true);
        header.SetParameter("algorithm", DigestAlgorithms.Name(Algorithm), quoted: false);
        if (QopAuth)
        {
            header.SetParameter("qop", "auth", quoted: false);
            header.SetParameter("nc", RequestDigest.FormatNonceCount(NonceCount), quoted: false);
            header.SetParameter("cnonce", Cnonce ?? string.Empty, quoted: true);
        }

        if (Opaque is not null)
        {
            header.SetParameter("opaque", Opaque, quoted: true);
        }

        if (UserHash)
        {
            header.SetParameter("userhash", "true", quoted: false);
        }

        return header.ToString();
    }
}
