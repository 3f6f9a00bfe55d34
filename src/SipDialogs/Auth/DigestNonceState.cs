namespace SipDialogs.Auth;

/// <summary>What a server's nonce check says of a nonce it is given back.</summary>
public enum DigestNonceState
{
    /// <summary>Made by this server (or one sharing its key) for this realm, and still fresh.</summary>
    Valid = 0,

    /// <summary>Made by this server for this realm, but older than the nonce lifetime: answer <c>stale=true</c> (RFC 7616 §3.3).</summary>
    Stale,

    /// <summary>Not a nonce this server made for this realm.</summary>
    Invalid,
}
