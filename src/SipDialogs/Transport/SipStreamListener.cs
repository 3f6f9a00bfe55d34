using System.Net;
using System.Net.Sockets;

namespace SipDialogs.Transport;

/// <summary>A listening TCP socket, for SIP over TCP or TLS, and its accept loop.</summary>
internal sealed class SipStreamListener
{
    private readonly SipTransportLayer _owner;
    private readonly Socket _socket;
    private Task _acceptLoop = Task.CompletedTask;

    private SipStreamListener(SipTransportLayer owner, Socket socket, SipEndPoint local)
    {
        _owner = owner;
        _socket = socket;
        Local = local;
    }

    /// <summary>The bound end point, with the actual port.</summary>
    public SipEndPoint Local { get; }

    /// <summary>The accept loop: ends when the socket is closed.</summary>
    public Task Completion => _acceptLoop;

    /// <summary>Binds and listens on <paramref name="endPoint"/>.</summary>
    /// <param name="owner">The transport layer.</param>
    /// <param name="protocol">TCP or TLS.</param>
    /// <param name="endPoint">Where to listen; port 0 picks a free port.</param>
    /// <returns>The listener, not yet accepting.</returns>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static SipStreamListener Listen(SipTransportLayer owner, SipTransportProtocol protocol, IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A restarted node must get its port back while connections of the old process linger in TIME_WAIT.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen();
            var local = new SipEndPoint(protocol, (IPEndPoint)socket.LocalEndPoint!);
            return new SipStreamListener(owner, socket, local);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts accepting.</summary>
    public void Start() =>
        _acceptLoop = Task.Factory.StartNew(
            static state => ((SipStreamListener)state!).AcceptLoopAsync(),
            this,
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default).Unwrap();

    /// <summary>Stops listening: the accept loop ends; accepted connections are not touched.</summary>
    public void Close() => _socket.Dispose();

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (_owner.IsStopping)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The peer gave up before we accepted it.
                continue;
            }
            catch (SocketException ex)
            {
                // Out of descriptors or buffers: back off briefly instead of spinning, then carry on.
                TransportLog.AcceptError(_owner.Logger, Local, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _owner.StoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            try
            {
                _owner.OnAccepted(this, accepted);
            }
            catch (Exception ex)
            {
                // A fault of ours on one connection must not stop accepting the others.
                TransportLog.AcceptError(_owner.Logger, Local, ex);
                accepted.Dispose();
            }
        }
    }
}
