using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>
/// Where the responses to one request go (RFC 3261 §18.2.2, RFC 3581 §4), worked out once from its top Via and its
/// source, so that a transaction that lingers to resend its last response keeps this and not the request.
/// </summary>
/// <param name="Destination">
/// Over UDP the response's destination (<c>maddr</c>, <c>received</c>, <c>rport</c>); over TCP and TLS where a new
/// connection goes when the request's has closed.
/// </param>
/// <param name="Local">The address the request arrived on: a UDP response leaves from that socket.</param>
/// <param name="ConnectionId">The request's connection for TCP and TLS (responses go back on it while it is up), 0 for UDP.</param>
internal readonly record struct ResponseRoute(SipEndPoint Destination, System.Net.IPEndPoint Local, long ConnectionId)
{
    /// <summary>The route of the responses to <paramref name="request"/>.</summary>
    /// <param name="topVia">The request's top Via (or the response's, stamped with received/rport: the same place).</param>
    /// <param name="request">The request, with its source.</param>
    /// <returns>The route; over UDP usually the request's own source end point, so nothing is allocated.</returns>
    public static ResponseRoute For(ViaHeader topVia, InboundMessage request) => request.Remote.IsReliable
        ? new ResponseRoute(ResponseDestination.ForReliable(topVia, request), request.Local.Address, request.ConnectionId)
        : new ResponseRoute(new SipEndPoint(SipTransportProtocol.Udp, ResponseDestination.ForUnreliable(topVia, request)), request.Local.Address, 0);
}
