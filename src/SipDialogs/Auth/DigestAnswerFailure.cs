namespace SipDialogs.Auth;

/// <summary>Why <see cref="DigestClient"/> gave no answer to a response: then the request fails with that response.</summary>
public enum DigestAnswerFailure
{
    /// <summary>An answer was made.</summary>
    None = 0,

    /// <summary>The response is neither 401 nor 407.</summary>
    NotAChallenge,

    /// <summary>No challenge of the response can be answered; <see cref="DigestClient.TryAnswer"/> gives the first one's reason.</summary>
    NoUsableChallenge,

    /// <summary>No credentials are configured for a challenged realm.</summary>
    NoCredentials,

    /// <summary>
    /// Credentials for the realm were sent and challenged again without <c>stale=true</c> (or stale with the very nonce
    /// they used): they are wrong, and trying again would loop (RFC 3261 §22.2).
    /// </summary>
    CredentialsRefused,
}
