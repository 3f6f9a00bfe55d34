using SipDialogs.Messages;

namespace SipDialogs.Auth;

/// <summary>
/// The credentials to send again a request that was challenged: every value of one header field (Authorization for a
/// 401, Proxy-Authorization for a 407), those for realms not challenged this time carried over (RFC 3261 §22.3).
/// </summary>
public sealed class DigestAnswer
{
    internal DigestAnswer(SipHeaderKind headerKind, IReadOnlyList<string> values)
    {
        HeaderKind = headerKind;
        Values = values;
    }

    /// <summary><see cref="SipHeaderKind.Authorization"/> or <see cref="SipHeaderKind.ProxyAuthorization"/>.</summary>
    public SipHeaderKind HeaderKind { get; }

    /// <summary>The header field values, one row each; they replace every value of <see cref="HeaderKind"/> the request had.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Replaces the request's rows of <see cref="HeaderKind"/> with <see cref="Values"/>.</summary>
    /// <param name="request">The builder of the request to send again (with its CSeq raised: RFC 3261 §22.2).</param>
    public void ApplyTo(SipMessageBuilder request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Remove(HeaderKind);
        foreach (string value in Values)
        {
            request.Add(HeaderKind, value);
        }
    }
}
