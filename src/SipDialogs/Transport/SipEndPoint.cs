using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace SipDialogs.Transport;

/// <summary>A transport and an IP end point: where a message came from or goes to.</summary>
/// <param name="Protocol">The transport.</param>
/// <param name="Address">The IP address and port.</param>
public readonly record struct SipEndPoint(SipTransportProtocol Protocol, IPEndPoint Address)
{
    /// <summary>True for UDP, the one unreliable transport (RFC 3261 §17.1.1.2: retransmit only there).</summary>
    public bool IsReliable => Protocol != SipTransportProtocol.Udp;

    /// <summary>
    /// The host name a TLS connection to this end point must authenticate (RFC 3261 §26.3.1, RFC 5922 §7.2: the
    /// domain of the URI the target was resolved from), also sent as SNI; null to check the certificate against the
    /// IP address. Ignored for UDP and TCP, and not part of equality: it says how to reach the end point, not which
    /// one it is.
    /// </summary>
    public string? ServerName { get; init; }

    /// <summary>Equal when protocol and address are; <see cref="ServerName"/> is not compared.</summary>
    /// <param name="other">The other end point.</param>
    /// <returns>True when both name the same transport and address.</returns>
    public bool Equals(SipEndPoint other) => Protocol == other.Protocol && Equals(Address, other.Address);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Protocol, Address);

    /// <summary>Parses <c>udp:127.0.0.1:5060</c>, <c>tcp:[::1]:5060</c>, <c>tls:0.0.0.0:5061</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="endPoint">The end point.</param>
    /// <returns>True when the text is valid.</returns>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SipEndPoint? endPoint) => TryParse(text, out endPoint, out _);

    /// <summary>
    /// Parses <c>udp:127.0.0.1:5060</c>, <c>tcp:[::1]:5060</c>, <c>tls:0.0.0.0:5061</c>, saying what is wrong with text
    /// that is not one: no transport, an unknown one, no port, a port out of range, or no IP address.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="endPoint">The end point.</param>
    /// <param name="error">Why the text is not an end point, for a message; null when it is one.</param>
    /// <returns>True when the text is valid.</returns>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SipEndPoint? endPoint, [NotNullWhen(false)] out string? error)
    {
        endPoint = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "it is empty";
            return false;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        SipTransportProtocol protocol;
        switch (colon <= 0 ? string.Empty : text[..colon].ToUpperInvariant())
        {
            case "UDP":
                protocol = SipTransportProtocol.Udp;
                break;
            case "TCP":
                protocol = SipTransportProtocol.Tcp;
                break;
            case "TLS":
                protocol = SipTransportProtocol.Tls;
                break;
            default:
                error = "it names no transport: it starts with udp:, tcp: or tls:";
                return false;
        }

        ReadOnlySpan<char> rest = text.AsSpan(colon + 1);
        int portColon = rest.LastIndexOf(':');
        if (portColon < 0 || rest.EndsWith("]", StringComparison.Ordinal))
        {
            error = "it has no port: it ends with :port (0 for any free port)";
            return false;
        }

        ReadOnlySpan<char> portText = rest[(portColon + 1)..];
        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port))
        {
            error = $"its port '{portText}' is not a number";
            return false;
        }

        if (port > IPEndPoint.MaxPort)
        {
            error = $"its port {port} is out of range (0 to {IPEndPoint.MaxPort})";
            return false;
        }

        if (!IPEndPoint.TryParse(rest, out IPEndPoint? address) || address.Port != port)
        {
            error = $"'{rest[..portColon]}' is not an IP address (IPv6 in brackets: tcp:[::1]:5060)";
            return false;
        }

        error = null;
        endPoint = new SipEndPoint(protocol, address);
        return true;
    }

    /// <summary>The transport name as Via writes it (RFC 3261 §20.42): UDP, TCP or TLS.</summary>
    public string ViaTransport => Protocol switch
    {
        SipTransportProtocol.Udp => "UDP",
        SipTransportProtocol.Tcp => "TCP",
        _ => "TLS",
    };

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{ViaTransport.ToLowerInvariant()}:{Address}");
}
