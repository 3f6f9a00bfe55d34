namespace SipDialogs.Auth;

/// <summary>Why a Digest challenge or credentials could not be used. Bad input is routine; it never throws.</summary>
public enum DigestRejectReason
{
    /// <summary>Nothing was wrong.</summary>
    None = 0,

    /// <summary>The header field does not follow RFC 3261 §25.1 <c>challenge</c> / <c>credentials</c>: a bad scheme or parameter.</summary>
    MalformedHeader,

    /// <summary>A quoted string is unterminated or holds a character it may not (RFC 3261 §25.1 <c>quoted-string</c>).</summary>
    BadQuoting,

    /// <summary>The scheme is not Digest.</summary>
    NotDigest,

    /// <summary>No <c>realm</c> (RFC 3261 §22.1: every challenge carries one).</summary>
    MissingRealm,

    /// <summary>No <c>nonce</c>.</summary>
    MissingNonce,

    /// <summary>An <c>algorithm</c> other than MD5, SHA-256, SHA-512-256 and their <c>-sess</c> forms.</summary>
    UnknownAlgorithm,

    /// <summary>A challenge whose <c>qop</c> offers neither nothing nor <c>auth</c> (only <c>auth-int</c>, which is not supported).</summary>
    UnsupportedQop,

    /// <summary>Credentials without <c>username</c>.</summary>
    MissingUsername,

    /// <summary>Credentials without <c>uri</c>.</summary>
    MissingUri,

    /// <summary>Credentials without <c>response</c>, or one that is not hex of the algorithm's length.</summary>
    BadResponse,

    /// <summary>Credentials with <c>qop</c> but a missing or malformed <c>nc</c> (8 hex digits) or <c>cnonce</c> (RFC 7616 §3.4).</summary>
    BadNonceCount,
}
