using System.Net;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// Where a SIP URI sends a request (RFC 3263 §4, for the case this stack covers: a URI whose host is an IP address):
/// its address and port, over the transport its <c>transport</c> parameter or SIPS scheme names, UDP otherwise.
/// </summary>
internal static class SipTargets
{
    /// <summary>Resolves a URI, or a name-addr (<c>"Bob" &lt;sip:…&gt;;params</c>) around one.</summary>
    /// <param name="uriOrAddress">The text.</param>
    /// <param name="endPoint">The next hop, on success.</param>
    /// <returns>False when it is no SIP URI or its host is a name, which needs DNS.</returns>
    public static bool TryResolve(string uriOrAddress, out SipEndPoint endPoint)
    {
        endPoint = default;
        int lt = uriOrAddress.IndexOf('<', StringComparison.Ordinal);
        int gt = uriOrAddress.IndexOf('>', StringComparison.Ordinal);
        ReadOnlySpan<char> text = lt >= 0 && gt > lt ? uriOrAddress.AsSpan(lt + 1, gt - lt - 1) : uriOrAddress.AsSpan();
        return AddrSpec.TryParse(text, out AddrSpec? spec, out _) && spec is SipUri sip && TryResolve(sip, out endPoint);
    }

    /// <summary>Resolves a SIP URI whose host is an IP address (its <c>maddr</c>, when present, first).</summary>
    /// <param name="uri">The URI.</param>
    /// <param name="endPoint">The next hop, on success.</param>
    /// <returns>False when its host is a name.</returns>
    public static bool TryResolve(SipUri uri, out SipEndPoint endPoint)
    {
        endPoint = default;
        string host = uri.Parameters["maddr"] ?? uri.Host;
        if (!IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address))
        {
            return false;
        }

        SipTransportProtocol protocol = uri.IsSecure || string.Equals(uri.Transport, "tls", StringComparison.OrdinalIgnoreCase) ? SipTransportProtocol.Tls
            : string.Equals(uri.Transport, "tcp", StringComparison.OrdinalIgnoreCase) ? SipTransportProtocol.Tcp
            : SipTransportProtocol.Udp;
        endPoint = new SipEndPoint(protocol, new IPEndPoint(address, uri.Port ?? (protocol == SipTransportProtocol.Tls ? 5061 : 5060)));
        return true;
    }
}
