namespace SipDialogs.Auth;

/// <summary>
/// The Digest computations (RFC 7616 §3.4.1–§3.4.2 and §3.4.4; RFC 3261 §22.4, which keeps RFC 2069's form when no qop is
/// offered): HA1 from a user's password, and the <c>response</c> (RFC 2617's <c>request-digest</c>) of one request.
/// </summary>
public static class RequestDigest
{
    /// <summary><c>H(username ":" realm ":" password)</c>: what a credentials file stores instead of the password.</summary>
    /// <param name="algorithm">The algorithm (a <c>-sess</c> one gives its plain HA1, which is what is stored).</param>
    /// <param name="username">The user name.</param>
    /// <param name="realm">The realm.</param>
    /// <param name="password">The password.</param>
    /// <returns>HA1 in lowercase hex.</returns>
    public static string ComputeHa1(DigestAlgorithm algorithm, string username, string realm, string password) =>
        DigestAlgorithms.HashHex(algorithm, string.Concat(username, ":", realm, ":", password));

    /// <summary>The hashed user name of RFC 7616 §3.4.4: <c>H(username ":" realm)</c>.</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <param name="username">The user name.</param>
    /// <param name="realm">The realm.</param>
    /// <returns>The hash in lowercase hex.</returns>
    public static string ComputeUserHash(DigestAlgorithm algorithm, string username, string realm) =>
        DigestAlgorithms.HashHex(algorithm, string.Concat(username, ":", realm));

    /// <summary>
    /// The <c>response</c> of credentials: with qop, <c>H(HA1:nonce:nc:cnonce:qop:HA2)</c>; without (RFC 2069),
    /// <c>H(HA1:nonce:HA2)</c>; where <c>HA2 = H(method:digest-uri)</c>, and a <c>-sess</c> algorithm uses
    /// <c>H(HA1:nonce:cnonce)</c> for HA1.
    /// </summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <param name="ha1">HA1 of the plain algorithm, lowercase hex (see <see cref="ComputeHa1"/>).</param>
    /// <param name="nonce">The server's nonce.</param>
    /// <param name="nonceCount">The nonce count, or 0 without qop.</param>
    /// <param name="cnonce">The client nonce, or <see langword="null"/> without qop.</param>
    /// <param name="qopAuth">Whether <c>qop=auth</c> is used.</param>
    /// <param name="method">The request method (for ACK and CANCEL, the INVITE's is not used: RFC 3261 §22.4 says the method of the request).</param>
    /// <param name="digestUri">The <c>uri</c> parameter: the Request-URI as sent.</param>
    /// <returns>The response in lowercase hex.</returns>
    public static string ComputeResponse(
        DigestAlgorithm algorithm, string ha1, string nonce, uint nonceCount, string? cnonce, bool qopAuth, string method, string digestUri)
    {
        ArgumentNullException.ThrowIfNull(ha1);
        ArgumentNullException.ThrowIfNull(nonce);
        if (DigestAlgorithms.IsSession(algorithm))
        {
            ha1 = DigestAlgorithms.HashHex(algorithm, string.Concat(ha1, ":", nonce, ":", cnonce ?? string.Empty));
        }

        string ha2 = DigestAlgorithms.HashHex(algorithm, string.Concat(method, ":", digestUri));
        string data = qopAuth
            ? string.Join(':', ha1, nonce, FormatNonceCount(nonceCount), cnonce ?? string.Empty, "auth", ha2)
            : string.Concat(ha1, ":", nonce, ":", ha2);
        return DigestAlgorithms.HashHex(algorithm, data);
    }

    /// <summary>The <c>nc</c> value: 8 lowercase hex digits (RFC 7616 §3.4).</summary>
    /// <param name="nonceCount">The count.</param>
    /// <returns>E.g. <c>00000001</c>.</returns>
    public static string FormatNonceCount(uint nonceCount) =>
        nonceCount.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
}
