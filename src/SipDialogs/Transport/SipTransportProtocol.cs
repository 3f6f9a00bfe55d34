namespace SipDialogs.Transport;

/// <summary>The transports the stack speaks (RFC 3261 §18).</summary>
public enum SipTransportProtocol
{
    /// <summary>UDP: unreliable, so transactions retransmit (RFC 3261 §17).</summary>
    Udp = 0,

    /// <summary>TCP: reliable and stream framed by Content-Length (RFC 3261 §18.3).</summary>
    Tcp = 1,

    /// <summary>TLS over TCP (RFC 3261 §26.2; sips URIs).</summary>
    Tls = 2,
}
