using System.Net;
using System.Net.Sockets;
using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <content>Sending requests (RFC 3261 §18.1.1) and responses (RFC 3261 §18.2.2, RFC 3581 §4).</content>
internal sealed partial class SipTransportLayer
{
    /// <inheritdoc/>
    /// <remarks>
    /// UDP goes from our UDP socket of the target's address family (so its source port is the one we listen on);
    /// TCP and TLS go over an open connection to the target, reused, or a new one, which then also reads (responses
    /// come back on it). A reused connection found dead is replaced once.
    /// </remarks>
    public ValueTask SendRequestAsync(ReadOnlyMemory<byte> message, SipEndPoint target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target.Address);
        ThrowIfStopping(target);
        Trace.Sent(message.Span, target);
        if (target.Protocol == SipTransportProtocol.Udp)
        {
            SipUdpSocket socket = FindUdpSocket(default, target.Address.AddressFamily)
                ?? throw new SipTransportException($"Cannot send to {target}: no UDP end point in {target.Address.AddressFamily} is listening.");
            return socket.SendAsync(message, target.Address, cancellationToken);
        }

        return SendOverConnectionAsync(message, target, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// Reliable transports: on the request's connection while it is open; else over a connection to the top Via's
    /// <c>received</c> address (the request's source when not written) and sent-by port, or 5060 / 5061.
    /// </para>
    /// <para>
    /// UDP: to <c>maddr</c> when present; else to <c>received</c> (the source when not written, which is where
    /// §18.2.1 would point it), on the source port when the Via has <c>rport</c> (RFC 3581 §4), else the sent-by port
    /// or 5060; sent from the socket the request arrived on. <paramref name="topVia"/> may be the request's top Via
    /// or the response's (stamped by <see cref="ViaReceivedParameters"/>): both lead to the same destination.
    /// </para>
    /// </remarks>
    public ValueTask SendResponseAsync(ReadOnlyMemory<byte> message, ViaHeader topVia, InboundMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topVia);
        ArgumentNullException.ThrowIfNull(request);
        return SendResponseAsync(message, ResponseRoute.For(topVia, request), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask SendResponseAsync(ReadOnlyMemory<byte> message, ResponseRoute route, CancellationToken cancellationToken)
    {
        ThrowIfStopping(route.Destination);
        Trace.Sent(message.Span, route.Destination);
        if (route.Destination.Protocol == SipTransportProtocol.Udp)
        {
            IPEndPoint destination = route.Destination.Address;
            SipUdpSocket socket = FindUdpSocket(new SipEndPoint(SipTransportProtocol.Udp, route.Local), destination.AddressFamily)
                ?? throw new SipTransportException($"Cannot send a response to {destination}: no UDP end point in {destination.AddressFamily} is listening.");
            return socket.SendAsync(message, destination, cancellationToken);
        }

        if (route.ConnectionId != 0 && _connectionsById.TryGetValue(route.ConnectionId, out SipConnection? connection) && !connection.IsClosed)
        {
            return SendResponseOnConnectionAsync(message, connection, route.Destination, cancellationToken);
        }

        return SendOverConnectionAsync(message, route.Destination, cancellationToken);
    }

    private async ValueTask SendResponseOnConnectionAsync(ReadOnlyMemory<byte> message, SipConnection connection, SipEndPoint fallback, CancellationToken cancellationToken)
    {
        try
        {
            await connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (SipTransportException) when (connection.IsClosed && !IsStopping)
        {
            // RFC 3261 §18.2.2: the connection went down meanwhile; open one to the Via's address instead.
        }

        await SendOverConnectionAsync(message, fallback, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendOverConnectionAsync(ReadOnlyMemory<byte> message, SipEndPoint target, CancellationToken cancellationToken)
    {
        SipConnection connection = await GetOrConnectAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (SipTransportException) when (connection.IsClosed && !IsStopping)
        {
            // A reused connection the peer had closed: one more try, on a new one.
        }

        connection = await GetOrConnectAsync(target, cancellationToken).ConfigureAwait(false);
        await connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The UDP socket bound to <paramref name="preferred"/> when it has the family, else the first of the family.</summary>
    private SipUdpSocket? FindUdpSocket(SipEndPoint preferred, AddressFamily family)
    {
        SipUdpSocket? first = null;
        foreach (SipUdpSocket socket in _udp)
        {
            if (socket.AddressFamily != family)
            {
                continue;
            }

            if (preferred.Address is not null && socket.Local.Equals(preferred))
            {
                return socket;
            }

            first ??= socket;
        }

        return first;
    }

    private void ThrowIfStopping(SipEndPoint target)
    {
        if (IsStopping)
        {
            throw new SipTransportException($"Cannot send to {target}: the transport layer is closed.");
        }
    }
}
