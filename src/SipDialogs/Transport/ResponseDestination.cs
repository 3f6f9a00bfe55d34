using System.Net;
using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>Where a response goes when it cannot simply go back on the request's connection (RFC 3261 §18.2.2, RFC 3581 §4).</summary>
internal static class ResponseDestination
{
    /// <summary>The default port of SIP over UDP and TCP (RFC 3261 §18.2.2, §19.1.2).</summary>
    public const int DefaultPort = 5060;

    /// <summary>The default port of SIP over TLS (RFC 3261 §19.1.2).</summary>
    public const int DefaultTlsPort = 5061;

    /// <summary>
    /// The destination of a response over UDP: the <c>maddr</c> address when present (with the sent-by port or 5060);
    /// else the <c>received</c> address, which is the request's source whenever sent-by differs from it
    /// (§18.2.1), so the source when <c>received</c> is not written yet; on the port of <c>rport</c> (the source
    /// port, RFC 3581 §4) when the Via asks for it, else the sent-by port or 5060.
    /// </summary>
    /// <param name="topVia">The top Via of the response or of the request.</param>
    /// <param name="request">The request answered, with its source.</param>
    /// <returns>The destination: <paramref name="request"/>'s own source end point when it is that.</returns>
    public static IPEndPoint ForUnreliable(ViaHeader topVia, InboundMessage request)
    {
        IPEndPoint source = request.Remote.Address;
        if (topVia.Maddr is string maddr && TryParseAddress(maddr, out IPAddress? multicast))
        {
            // The ttl parameter is not applied: responses go to one maddr rarely enough that the socket's default serves.
            return new IPEndPoint(multicast, topVia.Port ?? DefaultPort);
        }

        IPAddress address = topVia.Received is string received && TryParseAddress(received, out IPAddress? parsed) ? parsed : source.Address;
        int port = topVia.HasRport ? topVia.Rport ?? source.Port : topVia.Port ?? DefaultPort;
        return port == source.Port && address.Equals(source.Address) ? source : new IPEndPoint(address, port);
    }

    /// <summary>
    /// The destination of a new connection for a response whose request's connection has closed (RFC 3261
    /// §18.2.2): the <c>received</c> address (the source when not written yet) and the sent-by port, or the
    /// transport's default port. TLS checks the certificate against sent-by's host when it is a name.
    /// </summary>
    /// <param name="topVia">The top Via of the response or of the request.</param>
    /// <param name="request">The request answered.</param>
    /// <returns>The destination.</returns>
    public static SipEndPoint ForReliable(ViaHeader topVia, InboundMessage request)
    {
        SipTransportProtocol protocol = request.Remote.Protocol;
        IPAddress address = topVia.Received is string received && TryParseAddress(received, out IPAddress? parsed)
            ? parsed
            : request.Remote.Address.Address;
        int port = topVia.Port ?? (protocol == SipTransportProtocol.Tls ? DefaultTlsPort : DefaultPort);
        string? serverName = TryParseAddress(topVia.Host, out _) ? null : topVia.Host;
        return new SipEndPoint(protocol, new IPEndPoint(address, port)) { ServerName = serverName };
    }

    /// <summary>Parses an IPv4 address, an IPv6 address or a bracketed IPv6 reference.</summary>
    /// <param name="text">The text.</param>
    /// <param name="address">The address.</param>
    /// <returns>True when the text is an IP address.</returns>
    public static bool TryParseAddress(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        ReadOnlySpan<char> span = text;
        if (span.Length > 2 && span[0] == '[' && span[^1] == ']')
        {
            span = span[1..^1];
        }

        // IPAddress.TryParse also takes forms SIP does not (a bare number, "1.2"): check the grammar first.
        address = null;
        return (SipGrammar.IsIPv4Address(span) || SipGrammar.IsIPv6Address(span)) && IPAddress.TryParse(span, out address);
    }
}
