using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>
/// What the transaction layer needs of the transports (RFC 3261 §18): where we listen, which transport a request
/// goes over, and sending requests and responses by the §18 rules. Failures throw
/// <see cref="SipTransportException"/>, which the transaction layer reports to its user (RFC 3261 §17.1.4, §17.2.4).
/// </summary>
internal interface ISipTransportLayer
{
    /// <summary>The local end point of <paramref name="protocol"/>, for Via sent-by and Contact; null when not listening on it.</summary>
    SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol);

    /// <summary>
    /// The local end point of <paramref name="protocol"/> in <paramref name="family"/> (IPv4 or IPv6), for the Via
    /// sent-by of a request to a target of that family; null when not listening on such an end point.
    /// </summary>
    /// <param name="protocol">The transport.</param>
    /// <param name="family">The address family of the target.</param>
    /// <returns>The end point, or null.</returns>
    SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol, System.Net.Sockets.AddressFamily family) =>
        GetLocalEndPoint(protocol) is SipEndPoint local && local.Address.AddressFamily == family ? local : null;

    /// <summary>
    /// The transport a request of <paramref name="messageBytes"/> bytes to <paramref name="target"/> goes over:
    /// the target's, except that a UDP request over the size limit moves to TCP (RFC 3261 §18.1.1).
    /// </summary>
    SipTransportProtocol SelectRequestProtocol(SipEndPoint target, int messageBytes);

    /// <summary>Sends a request (RFC 3261 §18.1.1): over UDP, or over a connection to the target (reused or opened).</summary>
    ValueTask SendRequestAsync(ReadOnlyMemory<byte> message, SipEndPoint target, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a response by RFC 3261 §18.2.2 (and RFC 3581 rport): on the request's connection when it is still up,
    /// else to the top Via's received/rport/maddr/sent-by.
    /// </summary>
    ValueTask SendResponseAsync(ReadOnlyMemory<byte> message, ViaHeader topVia, InboundMessage request, CancellationToken cancellationToken) =>
        SendResponseAsync(message, ResponseRoute.For(topVia, request), cancellationToken);

    /// <summary>
    /// Sends a response along a route worked out before (<see cref="ResponseRoute.For"/>): on the request's connection
    /// when it is still up, else to the route's destination.
    /// </summary>
    ValueTask SendResponseAsync(ReadOnlyMemory<byte> message, ResponseRoute route, CancellationToken cancellationToken);
}
