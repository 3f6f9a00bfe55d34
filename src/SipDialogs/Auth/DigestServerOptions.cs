namespace SipDialogs.Auth;

/// <summary>How a server challenges and verifies Digest credentials. Bad values fail when the authenticator is made.</summary>
public sealed class DigestServerOptions
{
    /// <summary>The realm of the challenges (RFC 3261 §22.1: a host or domain name of the server is usual). Required.</summary>
    public string Realm { get; set; } = string.Empty;

    /// <summary>
    /// The algorithms offered, one challenge each, in this order (RFC 8760 §2.4: the preferred first). Default SHA-256,
    /// then MD5: what SIP clients in the field answer (RFC 8760 §3 keeps MD5 for them).
    /// </summary>
    public IList<DigestAlgorithm> Algorithms { get; } = [DigestAlgorithm.Sha256, DigestAlgorithm.Md5];

    /// <summary>How long a nonce is fresh; older ones get <c>stale=true</c>. Default 5 minutes, long enough for a call setup with retries.</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The HMAC key of the nonces, at least 16 bytes; nodes behind one balancer share it so each accepts the others'
    /// nonces. Default: a random key per authenticator.
    /// </summary>
    public byte[]? NonceKey { get; set; }

    /// <summary>Failed attempts from one source address within <see cref="FailureWindow"/> after which it gets 403. Default 10.</summary>
    public int MaxFailures { get; set; } = 10;

    /// <summary>The window failures are counted in. Default 1 minute.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Nonces whose counts are tracked against replay, at most. Default 65,536 (about 8 MB at most).</summary>
    public int MaxTrackedNonces { get; set; } = 65_536;

    /// <summary>Source addresses whose failures are counted, at most. Default 16,384.</summary>
    public int MaxTrackedSources { get; set; } = 16_384;
}
