namespace SipDialogs.Auth;

/// <summary>Which check refused credentials: the label of a failure in logs and metrics (never the user's secret).</summary>
public enum DigestFailure
{
    /// <summary>Nothing failed, or there were no credentials for the realm yet.</summary>
    None = 0,

    /// <summary>The credentials are malformed.</summary>
    Malformed,

    /// <summary>The digest-uri is not the Request-URI (RFC 7616 §3.4.6).</summary>
    UriMismatch,

    /// <summary>An algorithm this server did not offer.</summary>
    AlgorithmNotOffered,

    /// <summary>A nonce this server did not make for this realm.</summary>
    ForeignNonce,

    /// <summary>The nonce expired (the answer is a challenge with <c>stale=true</c>).</summary>
    StaleNonce,

    /// <summary>No such user, or no HA1 for the algorithm.</summary>
    UnknownUser,

    /// <summary>The response digest is wrong.</summary>
    WrongResponse,

    /// <summary>The nonce and nonce count were used before.</summary>
    Replayed,

    /// <summary>The source failed too often and is refused for now.</summary>
    Blocked,
}
