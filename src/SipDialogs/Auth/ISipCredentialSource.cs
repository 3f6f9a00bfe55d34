using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Auth;

/// <summary>Where a client finds the credentials for a challenge: by realm, by target, or both.</summary>
public interface ISipCredentialSource
{
    /// <summary>Finds the credentials to answer a challenge of <paramref name="realm"/> for a request to <paramref name="requestUri"/>.</summary>
    /// <param name="realm">The challenge's realm.</param>
    /// <param name="requestUri">The challenged request's Request-URI.</param>
    /// <param name="credential">The credentials, or <see langword="null"/>.</param>
    /// <returns>Whether there are credentials to answer with.</returns>
    bool TryGetCredential(string realm, string requestUri, [NotNullWhen(true)] out SipCredential? credential);
}
