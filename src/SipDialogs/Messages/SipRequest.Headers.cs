using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Messages;

/// <content>The Request-URI, decoded on first read.</content>
public sealed partial class SipRequest
{
    private AddrSpec? _requestUri;

    /// <summary>
    /// The Request-URI (RFC 3261 §7.1, §19.1), parsed from <see cref="RequestUriText"/> on first read: a
    /// <see cref="SipUri"/>, a <see cref="TelUri"/>, or an <see cref="AbsoluteUri"/> for any other scheme. A UAS
    /// answers a scheme it does not support with 416 Unsupported URI Scheme (RFC 3261 §8.2.2.1).
    /// </summary>
    /// <exception cref="SipMessageException">The Request-URI is not a valid URI
    /// (<see cref="SipRejectReason.MalformedRequestUri"/>). <see cref="TryGetRequestUri"/> reports it without an
    /// exception.</exception>
    public AddrSpec RequestUri => TryGetRequestUri(out AddrSpec? uri, out SipParseError error) ? uri : throw new SipMessageException(error);

    /// <summary>Where the Request-URI starts in <see cref="SipMessage.Buffer"/>.</summary>
    internal int RequestUriOffset => _uriStart;

    /// <summary>Reads <see cref="RequestUri"/>, reporting a malformed URI instead of throwing.</summary>
    /// <param name="uri">The Request-URI; null when false.</param>
    /// <param name="error">When false, the fault: <see cref="SipRejectReason.MalformedRequestUri"/> and where the URI
    /// starts.</param>
    /// <returns>False when the Request-URI is not a valid URI.</returns>
    public bool TryGetRequestUri([NotNullWhen(true)] out AddrSpec? uri, out SipParseError error)
    {
        uri = _requestUri;
        if (uri is not null)
        {
            error = default;
            return true;
        }

        if (!AddrSpec.TryParse(RequestUriText, out uri, out _))
        {
            // The URI's own reason (host, port, escape ...) is less useful to the sender than the one fault code a
            // 400 reason phrase names for the start line (RFC 3261 §21.4.1).
            error = new SipParseError(SipRejectReason.MalformedRequestUri, Offset: _uriStart);
            return false;
        }

        _requestUri = uri;
        error = default;
        return true;
    }
}
