using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using SipDialogs.Messages;

namespace SipDialogs.Auth;

/// <summary>
/// Credentials configured per target (the Request-URI's host), per realm, and a default: the most specific entry wins,
/// in that order. Safe to read and change from any thread.
/// </summary>
public sealed class SipCredentialTable : ISipCredentialSource
{
    private readonly ConcurrentDictionary<string, SipCredential> _byTarget = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SipCredential> _byRealm = new(StringComparer.Ordinal);

    /// <summary>The credentials for any realm and target without an entry of its own, or <see langword="null"/>.</summary>
    public SipCredential? Default { get; set; }

    /// <summary>Sets the credentials for challenges of <paramref name="realm"/> (realms compare exactly, RFC 7616 §3.3).</summary>
    /// <param name="realm">The realm.</param>
    /// <param name="credential">The credentials.</param>
    public void SetForRealm(string realm, SipCredential credential) => _byRealm[realm] = credential;

    /// <summary>Sets the credentials for requests whose Request-URI names <paramref name="host"/>, whatever the realm.</summary>
    /// <param name="host">The host, compared ignoring case.</param>
    /// <param name="credential">The credentials.</param>
    public void SetForTarget(string host, SipCredential credential) => _byTarget[host] = credential;

    /// <inheritdoc />
    public bool TryGetCredential(string realm, string requestUri, [NotNullWhen(true)] out SipCredential? credential)
    {
        if (!_byTarget.IsEmpty && AddrSpec.TryParse(requestUri, out AddrSpec? uri, out _) && uri is SipUri sip
            && _byTarget.TryGetValue(sip.Host, out credential))
        {
            return true;
        }

        if (_byRealm.TryGetValue(realm, out credential))
        {
            return true;
        }

        credential = Default;
        return credential is not null;
    }
}
