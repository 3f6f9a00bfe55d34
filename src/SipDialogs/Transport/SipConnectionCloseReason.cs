namespace SipDialogs.Transport;

/// <summary>Why a TCP or TLS connection was closed: logged, and counted where it signals trouble.</summary>
internal enum SipConnectionCloseReason
{
    /// <summary>The peer closed or reset it.</summary>
    PeerClosed = 0,

    /// <summary>No traffic for <see cref="SipLimits.ConnectionIdleTimeout"/>.</summary>
    IdleTimeout = 1,

    /// <summary>A message or TLS handshake took longer than <see cref="SipLimits.HeaderReadTimeout"/> (slowloris guard).</summary>
    HeaderReadTimeout = 2,

    /// <summary>A send waited longer than <see cref="SipLimits.SendTimeout"/>: the peer stopped reading.</summary>
    SendTimeout = 3,

    /// <summary>The stream lost its framing (RFC 3261 §18.3): after answering what could be answered, it was closed.</summary>
    FramingError = 4,

    /// <summary>The TLS handshake failed.</summary>
    TlsHandshakeFailed = 5,

    /// <summary>A socket or TLS error while reading or writing.</summary>
    Error = 6,

    /// <summary>The transport layer is shutting down.</summary>
    Shutdown = 7,
}
