namespace SipDialogs.Auth;

/// <summary>
/// Where a server finds what it verifies Digest credentials with: the user's HA1 (RFC 7616 §3.4.2,
/// <c>H(username:realm:password)</c>) for an algorithm. Implementations never log what they return.
/// </summary>
public interface IDigestSecretStore
{
    /// <summary>Finds the HA1 of <paramref name="username"/> in <paramref name="realm"/> for <paramref name="algorithm"/>.</summary>
    /// <param name="username">The user name as the credentials give it.</param>
    /// <param name="realm">The realm.</param>
    /// <param name="algorithm">The plain algorithm (<see cref="DigestAlgorithm.Md5"/>, <see cref="DigestAlgorithm.Sha256"/> or <see cref="DigestAlgorithm.Sha512Slash256"/>).</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>HA1 in lowercase hex, or <see langword="null"/> for an unknown user or an algorithm with no HA1.</returns>
    ValueTask<string?> FindHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken);
}
