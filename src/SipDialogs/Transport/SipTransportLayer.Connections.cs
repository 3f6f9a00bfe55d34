using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace SipDialogs.Transport;

/// <content>
/// TCP and TLS connections: accepted, opened, indexed by id and by remote end point (for reuse and for RFC 3261
/// §18.2.2 "the same connection"), and bounded by <see cref="SipLimits.MaxConnections"/>.
/// </content>
internal sealed partial class SipTransportLayer
{
    /// <summary>Takes a connection the accept loop accepted: refused at once over the limit.</summary>
    /// <param name="listener">The listener it arrived on.</param>
    /// <param name="socket">The accepted socket.</param>
    internal void OnAccepted(SipStreamListener listener, Socket socket)
    {
        if (IsStopping)
        {
            socket.Dispose();
            return;
        }

        if (!TryReserveConnectionSlot())
        {
            Counters.ConnectionRefused();
            LogRefusal(socket);
            socket.Dispose();
            return;
        }

        SipConnection connection;
        try
        {
            socket.NoDelay = true;
            var remote = new SipEndPoint(listener.Local.Protocol, (IPEndPoint)socket.RemoteEndPoint!);
            connection = new SipConnection(
                this,
                Interlocked.Increment(ref _nextConnectionId),
                socket,
                new NetworkStream(socket, ownsSocket: true),
                remote,
                listener.Local,
                listener.Local.Protocol == SipTransportProtocol.Tls ? _serverTls : null);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Reset before we got to it.
            Interlocked.Decrement(ref _connectionSlots);
            socket.Dispose();
            return;
        }

        Counters.ConnectionAccepted();
        TransportLog.ConnectionAccepted(Logger, connection.Id, connection.Remote, connection.Local);
        if (Register(connection))
        {
            connection.Start();
        }
    }

    /// <summary>Releases a connection that has ended: called once per connection, by its read loop or on abandon.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="reason">Why it closed.</param>
    internal void OnConnectionClosed(SipConnection connection, SipConnectionCloseReason reason)
    {
        // Count first: whoever sees the connection gone must also see why it went.
        Counters.ConnectionClosed();
        if (reason is SipConnectionCloseReason.HeaderReadTimeout or SipConnectionCloseReason.IdleTimeout or SipConnectionCloseReason.SendTimeout)
        {
            Counters.ConnectionTimedOut();
        }

        _connectionsById.TryRemove(new KeyValuePair<long, SipConnection>(connection.Id, connection));
        _connectionsByRemote.TryRemove(new KeyValuePair<SipEndPoint, SipConnection>(connection.Remote, connection));
        Interlocked.Decrement(ref _connectionSlots);

        TransportLog.ConnectionClosed(Logger, connection.Id, connection.Remote, reason);
    }

    /// <summary>An open connection to <paramref name="target"/>, reused or opened.</summary>
    /// <param name="target">The peer.</param>
    /// <param name="cancellationToken">Ends the wait (the connection may still be opened, for the next sender).</param>
    /// <returns>The connection.</returns>
    /// <exception cref="SipTransportException">It cannot be opened.</exception>
    private async ValueTask<SipConnection> GetOrConnectAsync(SipEndPoint target, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_connectionsByRemote.TryGetValue(target, out SipConnection? open) && open.IsReady)
            {
                return open;
            }

            // One connect per target at a time: concurrent senders wait for the same one.
            if (_connecting.TryGetValue(target, out Task<SipConnection>? pending))
            {
                return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var opened = new TaskCompletionSource<SipConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_connecting.TryAdd(target, opened.Task))
            {
                continue;
            }

            _ = ConnectAsync(target, opened);
            return await opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ConnectAsync(SipEndPoint target, TaskCompletionSource<SipConnection> opened)
    {
        try
        {
            opened.TrySetResult(await OpenConnectionAsync(target).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            opened.TrySetException(ex);

            // Observed here, so that a failure nobody waited for any more is not reported as unobserved.
            _ = opened.Task.Exception;
        }
        finally
        {
            _connecting.TryRemove(new KeyValuePair<SipEndPoint, Task<SipConnection>>(target, opened.Task));
        }
    }

    private async Task<SipConnection> OpenConnectionAsync(SipEndPoint target)
    {
        if (IsStopping)
        {
            throw new SipTransportException($"Cannot connect to {target}: the transport layer is closed.");
        }

        if (!TryReserveConnectionSlot())
        {
            Counters.ConnectionRefused();
            throw new SipTransportException($"Cannot connect to {target}: {Limits.MaxConnections} connections are open, the limit.");
        }

        var socket = new Socket(target.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        using var timeout = new CancellationTokenSource(Limits.ConnectTimeout, TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, StoppingToken);
        try
        {
            await socket.ConnectAsync(target.Address, linked.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (target.Protocol == SipTransportProtocol.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                var options = new SslClientAuthenticationOptions
                {
                    // RFC 3261 §26.3.1, RFC 5922 §7.2: the certificate must name the domain we meant to reach.
                    TargetHost = target.ServerName ?? target.Address.Address.ToString(),
                    RemoteCertificateValidationCallback = _remoteCertificateValidation,
                };
                await tls.AuthenticateAsClientAsync(options, linked.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            Interlocked.Decrement(ref _connectionSlots);
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            string why = ex switch
            {
                OperationCanceledException when IsStopping => "the transport layer is closing",
                OperationCanceledException => $"no answer within {Limits.ConnectTimeout.TotalSeconds:0.###} s",
                SocketException socketError => socketError.SocketErrorCode.ToString(),
                AuthenticationException => "the TLS handshake failed: " + ex.Message,
                _ => ex.Message,
            };
            throw new SipTransportException($"Cannot connect to {target}: {why}.", ex);
        }

        var local = new SipEndPoint(target.Protocol, (IPEndPoint)socket.LocalEndPoint!);
        var connection = new SipConnection(this, Interlocked.Increment(ref _nextConnectionId), socket, stream, target, local, serverTls: null);
        Counters.ConnectionOpened();
        TransportLog.ConnectionOpened(Logger, connection.Id, target);
        if (!Register(connection))
        {
            throw new SipTransportException($"Cannot connect to {target}: the transport layer is closed.");
        }

        connection.Start();
        return connection;
    }

    /// <summary>Indexes a new connection; when the layer is stopping, releases it instead.</summary>
    private bool Register(SipConnection connection)
    {
        _connectionsById[connection.Id] = connection;
        _connectionsByRemote[connection.Remote] = connection;

        // Checked after indexing: shutdown either sees this connection in the index or is seen here.
        if (IsStopping)
        {
            connection.Abandon();
            return false;
        }

        return true;
    }

    private bool TryReserveConnectionSlot()
    {
        if (Interlocked.Increment(ref _connectionSlots) <= Limits.MaxConnections)
        {
            return true;
        }

        Interlocked.Decrement(ref _connectionSlots);
        return false;
    }

    /// <summary>Logs a refused connection at most once a second: a flood must not become a log flood.</summary>
    private void LogRefusal(Socket socket)
    {
        long now = Environment.TickCount64;
        long last = Volatile.Read(ref _lastRefusalLog);
        if (now - last >= 1000 && Interlocked.CompareExchange(ref _lastRefusalLog, now, last) == last)
        {
            IPEndPoint? remote = null;
            try
            {
                remote = socket.RemoteEndPoint as IPEndPoint;
            }
            catch (SocketException)
            {
                // Already gone: log without it.
            }

            TransportLog.ConnectionRefused(Logger, remote, Volatile.Read(ref _connectionSlots));
        }
    }
}
