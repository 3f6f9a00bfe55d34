namespace SipDialogs.Auth;

/// <summary>
/// The hash algorithms of HTTP Digest as SIP uses it (RFC 3261 §22.4, RFC 7616 §3.3, RFC 8760 §2): MD5 and the two
/// SHA-2 algorithms, each in its plain and its <c>-sess</c> form. The numeric order is the order of preference: a
/// client answers the strongest challenge it supports.
/// </summary>
public enum DigestAlgorithm
{
    /// <summary><c>MD5</c>, also what a challenge without <c>algorithm</c> means (RFC 3261 §22.4).</summary>
    Md5 = 0,

    /// <summary><c>MD5-sess</c> (RFC 7616 §3.4.2).</summary>
    Md5Sess = 1,

    /// <summary><c>SHA-256</c> (RFC 7616 §3.3, RFC 8760 §2.3).</summary>
    Sha256 = 2,

    /// <summary><c>SHA-256-sess</c> (RFC 7616 §3.4.2).</summary>
    Sha256Sess = 3,

    /// <summary><c>SHA-512-256</c>: SHA-512/256 of FIPS 180-4 (RFC 7616 §3.3, RFC 8760 §2.3).</summary>
    Sha512Slash256 = 4,

    /// <summary><c>SHA-512-256-sess</c> (RFC 7616 §3.4.2).</summary>
    Sha512Slash256Sess = 5,
}
