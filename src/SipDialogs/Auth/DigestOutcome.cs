namespace SipDialogs.Auth;

/// <summary>What a server does with a request after <see cref="DigestAuthenticator.AuthenticateAsync"/>.</summary>
public enum DigestOutcome
{
    /// <summary>The credentials are right: handle the request as <see cref="DigestVerdict.Username"/>.</summary>
    Authenticated = 0,

    /// <summary>Answer 401 (or 407 for a proxy) with <see cref="DigestVerdict.Challenges"/>.</summary>
    Challenge,

    /// <summary>Answer 403: the source has failed too often (RFC 3261 §22.2 leaves the policy to the server).</summary>
    Forbidden,

    /// <summary>Answer 400: the credentials for this realm are malformed; <see cref="DigestVerdict.Reason"/> says how.</summary>
    BadRequest,
}
