using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace SipDialogs.Transport;

/// <summary>
/// One UDP end point (RFC 3261 §18 over UDP): a bound socket with one receive loop, so that the datagrams of one peer
/// are handled in the order they arrived. With <see cref="SipLimits.UdpReceiveLoops"/> above 1 on Linux, that many
/// sockets share the port (SO_REUSEPORT), each with its own loop: the kernel keeps each peer's flow on one socket, so
/// order per peer holds while several cores receive. Each loop receives into its own pooled 64 KiB buffer; each
/// datagram is copied to an array of its exact size (the parsed message refers to it) and handed to the transport
/// layer. Requests and responses are sent from the first socket, so that their source port is the port we listen on
/// (RFC 3581).
/// </summary>
internal sealed class SipUdpSocket
{
    // Larger than any UDP payload (65,507 bytes over IPv4), so no datagram is ever truncated.
    private const int ReceiveBufferBytes = 64 * 1024;

    // Linux's SOL_SOCKET and SO_REUSEPORT, which .NET names no option for.
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    private readonly SipTransportLayer _owner;
    private readonly Socket[] _sockets;
    private readonly Socket _socket;
    private Task[] _loops = [];

    private SipUdpSocket(SipTransportLayer owner, Socket[] sockets, SipEndPoint local)
    {
        _owner = owner;
        _sockets = sockets;
        _socket = sockets[0];
        Local = local;
    }

    /// <summary>The bound end point, with the actual port.</summary>
    public SipEndPoint Local { get; }

    /// <summary>The address family of the socket.</summary>
    public AddressFamily AddressFamily => Local.Address.AddressFamily;

    /// <summary>Every receive loop: they end when the socket is closed.</summary>
    public Task Completion => Task.WhenAll(_loops);

    /// <summary>Binds the socket, or the sockets sharing the port, to <paramref name="endPoint"/>.</summary>
    /// <param name="owner">The transport layer.</param>
    /// <param name="endPoint">Where to listen; port 0 picks a free port.</param>
    /// <returns>The bound socket, loops not started.</returns>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static SipUdpSocket Bind(SipTransportLayer owner, IPEndPoint endPoint)
    {
        SipLimits limits = owner.Limits;
        int count = OperatingSystem.IsLinux() ? limits.UdpReceiveLoops : 1;
        var sockets = new List<Socket>(count);
        try
        {
            IPEndPoint bindTo = endPoint;
            for (int i = 0; i < count; i++)
            {
                Socket socket = Open(limits, bindTo, shared: count > 1);
                sockets.Add(socket);
                bindTo = (IPEndPoint)socket.LocalEndPoint!; // The others join the port the first was given.
            }

            var local = new SipEndPoint(SipTransportProtocol.Udp, (IPEndPoint)sockets[0].LocalEndPoint!);
            return new SipUdpSocket(owner, [.. sockets], local);
        }
        catch
        {
            sockets.ForEach(static s => s.Dispose());
            throw;
        }
    }

    /// <summary>Starts one receive loop per socket.</summary>
    public void Start()
    {
        var loops = new Task[_sockets.Length];
        for (int i = 0; i < loops.Length; i++)
        {
            // On the thread pool, so that a datagram already waiting does not run a loop on the caller's thread.
            loops[i] = Task.Factory.StartNew(
                static state =>
                {
                    var (owner, socket) = ((SipUdpSocket, Socket))state!;
                    return owner.ReceiveLoopAsync(socket);
                },
                (this, _sockets[i]),
                CancellationToken.None,
                TaskCreationOptions.DenyChildAttach,
                TaskScheduler.Default).Unwrap();
        }

        _loops = loops;
    }

    /// <summary>Sends one datagram.</summary>
    /// <param name="datagram">The message.</param>
    /// <param name="destination">Where to.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the datagram is handed to the kernel.</returns>
    /// <exception cref="SipTransportException">The send failed.</exception>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint destination, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new SipTransportException($"Sending {datagram.Length} bytes over UDP from {Local} to {destination} failed: {ex.SocketErrorCode}.", ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw new SipTransportException($"Cannot send to {destination}: the UDP socket {Local} is closed.", ex);
        }
    }

    /// <summary>Closes the sockets: the receive loops end.</summary>
    public void Close()
    {
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }
    }

    private static Socket Open(SipLimits limits, IPEndPoint endPoint, bool shared)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (limits.UdpReceiveBufferBytes > 0)
            {
                socket.ReceiveBufferSize = limits.UdpReceiveBufferBytes;
            }

            if (limits.UdpSendBufferBytes > 0)
            {
                socket.SendBufferSize = limits.UdpSendBufferBytes;
            }

            if (OperatingSystem.IsWindows())
            {
                // Windows reports an ICMP port unreachable for an earlier send as a failed receive on the shared
                // socket (SIO_UDP_CONNRESET): one gone client must not disturb reception from everyone else.
                socket.IOControl(unchecked((int)0x9800000C), [0, 0, 0, 0], null);
            }

            if (shared)
            {
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            }

            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        var address = new SocketAddress(AddressFamily);
        IPEndPoint template = Local.Address;

        // Most datagrams come from a few peers (a balancer, a trunk): the last source is kept, so a run of datagrams
        // from one peer shares one IPEndPoint instead of allocating one each. Nobody mutates a received end point.
        var lastAddress = new SocketAddress(AddressFamily);
        IPEndPoint? lastRemote = null;
        try
        {
            while (true)
            {
                int received;
                try
                {
                    received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, address, CancellationToken.None).ConfigureAwait(false);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize or SocketError.NoBufferSpaceAvailable)
                {
                    // A stale ICMP error or an oversize datagram: it concerns one peer; carry on.
                    continue;
                }
                catch (SocketException ex) when (_owner.IsStopping || ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException ex)
                {
                    TransportLog.ReceiveError(_owner.Logger, Local, ex);
                    continue;
                }

                if (lastRemote is null || !address.Equals(lastAddress))
                {
                    lastRemote = (IPEndPoint)template.Create(address);
                    lastAddress.Size = address.Size;
                    address.Buffer.CopyTo(lastAddress.Buffer);
                }

                try
                {
                    ValueTask answered = _owner.OnDatagramAsync(this, buffer.AsSpan(0, received), lastRemote);
                    if (!answered.IsCompletedSuccessfully)
                    {
                        await answered.ConfigureAwait(false);
                    }
                }
                catch (Exception ex)
                {
                    // A fault of ours on one datagram must not stop reception for everyone else.
                    TransportLog.ReceiveError(_owner.Logger, Local, ex);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
