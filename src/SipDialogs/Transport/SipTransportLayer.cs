using SipDialogs.Internal;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SipDialogs.Transport;

/// <summary>
/// The transports of RFC 3261 §18: UDP sockets, TCP and TLS listeners, and the connections accepted or opened, over
/// IPv4 and IPv6. Every message that parses is handed to the <see cref="ISipMessageSink"/>; a request that does not
/// is answered statelessly with a status and a reason phrase naming the fault, when it can be addressed; anything
/// else bad is dropped and counted. One bad datagram or connection never disturbs another.
/// </summary>
/// <remarks>
/// <para>
/// Lifetime: construct, <see cref="StartAsync"/> (binds; port 0 picks a free port, reported by
/// <see cref="GetLocalEndPoint(SipTransportProtocol)"/>), then <see cref="DisposeAsync"/>, which is idempotent and
/// thread-safe, closes every socket and awaits every loop: nothing runs after it completes.
/// </para>
/// <para>
/// Threads: UDP runs one receive loop per socket (<see cref="SipLimits.UdpReceiveLoops"/> sockets share a port); each connection has a read
/// loop. The sink is called on those loops. Sends may come from any thread. One timer sweeps the connections for
/// the header-read, idle and send timeouts, on the <see cref="System.TimeProvider"/> given.
/// </para>
/// <para>
/// The server side of RFC 3261 §18.2.1 (received, and rport per RFC 3581) is not written into the immutable
/// request: <see cref="InboundMessage.Remote"/> carries the source, responses are addressed from it by
/// <see cref="SendResponseAsync(ReadOnlyMemory{byte}, Messages.ViaHeader, InboundMessage, CancellationToken)"/>, and <see cref="ViaReceivedParameters"/> writes the parameters into a
/// response's top Via.
/// </para>
/// </remarks>
internal sealed partial class SipTransportLayer : ISipTransportLayer, IAsyncDisposable
{
    private const int New = 0;
    private const int Started = 1;
    private const int Stopping = 2;

    private readonly IReadOnlyList<SipEndPoint> _listen;
    private readonly ISipMessageSink _sink;
    private readonly SslServerAuthenticationOptions? _serverTls;
    private readonly RemoteCertificateValidationCallback? _remoteCertificateValidation;

    // Never disposed: tokens linked to it may still be made by a send racing with shutdown, and a
    // CancellationTokenSource without a timer holds nothing that needs releasing.
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, SipConnection> _connectionsById = new();
    private readonly ConcurrentDictionary<SipEndPoint, SipConnection> _connectionsByRemote = new();
    private readonly ConcurrentDictionary<SipEndPoint, Task<SipConnection>> _connecting = new();
    private SipUdpSocket[] _udp = [];
    private SipStreamListener[] _listeners = [];
    private SipEndPoint[] _localEndPoints = [];
    private Task[] _loops = [];
    private ITimer? _sweep;
    private long _nextConnectionId;
    private int _connectionSlots;
    private int _state;
    private readonly DisposalLatch _disposal = new();
    private long _lastRefusalLog = long.MinValue / 2;

    /// <summary>Creates the transport layer; nothing is bound until <see cref="StartAsync"/>.</summary>
    /// <param name="listenEndPoints">Where to listen, e.g. <c>udp:0.0.0.0:5060</c>, <c>tcp:[::1]:0</c>, <c>tls:0.0.0.0:5061</c>.</param>
    /// <param name="limits">The limits; validated here.</param>
    /// <param name="sink">Where received messages go.</param>
    /// <param name="loggerFactory">For the transport's log.</param>
    /// <param name="timeProvider">The clock of the timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="serverCertificate">The certificate, with its private key, that TLS end points present; required when one is listed.</param>
    /// <param name="remoteCertificateValidation">Checks the certificate of a TLS peer we connect to; the platform's
    /// chain and name validation when null (RFC 3261 §26.3.1).</param>
    /// <exception cref="ArgumentException">No end point is given, or a TLS end point has no certificate.</exception>
    /// <exception cref="InvalidOperationException">A limit is out of range.</exception>
    public SipTransportLayer(
        IReadOnlyList<SipEndPoint> listenEndPoints,
        SipLimits limits,
        ISipMessageSink sink,
        ILoggerFactory loggerFactory,
        TimeProvider? timeProvider = null,
        X509Certificate2? serverCertificate = null,
        RemoteCertificateValidationCallback? remoteCertificateValidation = null)
    {
        ArgumentNullException.ThrowIfNull(listenEndPoints);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        limits.Validate();
        if (listenEndPoints.Count == 0)
        {
            throw new ArgumentException("Give at least one end point to listen on.", nameof(listenEndPoints));
        }

        bool tls = false;
        foreach (SipEndPoint endPoint in listenEndPoints)
        {
            if (endPoint.Address is null)
            {
                throw new ArgumentException("An end point has no address.", nameof(listenEndPoints));
            }

            tls |= endPoint.Protocol == SipTransportProtocol.Tls;
        }

        if (tls && serverCertificate is null)
        {
            throw new ArgumentException("A TLS end point needs a server certificate.", nameof(serverCertificate));
        }

        _listen = listenEndPoints;
        Limits = limits;
        _sink = sink;
        Logger = loggerFactory.CreateLogger<SipTransportLayer>();
        Trace = new SipTrace(loggerFactory);
        TimeProvider = timeProvider ?? TimeProvider.System;
        _remoteCertificateValidation = remoteCertificateValidation;
        if (serverCertificate is not null)
        {
            _serverTls = new SslServerAuthenticationOptions
            {
                // Built once: the chain is not looked up again for every handshake.
                ServerCertificateContext = SslStreamCertificateContext.Create(serverCertificate, additionalCertificates: null, offline: true),
                ClientCertificateRequired = false,
            };
        }
    }

    /// <summary>The limits in force.</summary>
    public SipLimits Limits { get; }

    /// <summary>The clock of the timeouts.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Live counts for the metrics layer.</summary>
    public SipTransportCounters Counters { get; } = new();

    /// <summary>The end points listened on, with their actual ports, once started.</summary>
    public IReadOnlyList<SipEndPoint> LocalEndPoints => _localEndPoints;

    /// <summary>The TCP and TLS connections open now.</summary>
    public int ConnectionCount => _connectionsById.Count;

    /// <summary>True when a listener, receive loop or connection is still running (false once disposed).</summary>
    public bool HasRunningLoops
    {
        get
        {
            foreach (Task loop in _loops)
            {
                if (!loop.IsCompleted)
                {
                    return true;
                }
            }

            return !_connectionsById.IsEmpty;
        }
    }

    internal ILogger Logger { get; }

    /// <summary>The message trace (off unless its category is enabled at Trace).</summary>
    internal SipTrace Trace { get; }

    internal bool IsStopping => Volatile.Read(ref _state) == Stopping;

    internal CancellationToken StoppingToken => _stopping.Token;

    /// <summary>Binds every end point and starts the receive and accept loops.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>Completes when listening.</returns>
    /// <exception cref="SipTransportException">An end point cannot be bound; nothing is left bound.</exception>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    /// <exception cref="ObjectDisposedException">Already disposed.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int state = Interlocked.CompareExchange(ref _state, Started, New);
        ObjectDisposedException.ThrowIf(state == Stopping, this);
        if (state != New)
        {
            throw new InvalidOperationException("The transport layer is already started.");
        }

        var udp = new List<SipUdpSocket>();
        var listeners = new List<SipStreamListener>();
        var locals = new List<SipEndPoint>(_listen.Count);
        foreach (SipEndPoint endPoint in _listen)
        {
            try
            {
                if (endPoint.Protocol == SipTransportProtocol.Udp)
                {
                    SipUdpSocket socket = SipUdpSocket.Bind(this, endPoint.Address);
                    udp.Add(socket);
                    locals.Add(socket.Local);
                }
                else
                {
                    SipStreamListener listener = SipStreamListener.Listen(this, endPoint.Protocol, endPoint.Address);
                    listeners.Add(listener);
                    locals.Add(listener.Local);
                }
            }
            catch (SocketException ex)
            {
                udp.ForEach(static s => s.Close());
                listeners.ForEach(static l => l.Close());
                throw new SipTransportException($"Cannot listen on {endPoint}: {ex.SocketErrorCode}.", ex);
            }
        }

        _udp = [.. udp];
        _listeners = [.. listeners];
        _localEndPoints = [.. locals];
        var loops = new List<Task>(udp.Count + listeners.Count);
        foreach (SipUdpSocket socket in _udp)
        {
            socket.Start();
            loops.Add(socket.Completion);
            TransportLog.Listening(Logger, socket.Local);
        }

        foreach (SipStreamListener listener in _listeners)
        {
            listener.Start();
            loops.Add(listener.Completion);
            TransportLog.Listening(Logger, listener.Local);
        }

        _loops = [.. loops];
        TimeSpan period = SweepPeriod(Limits);
        _sweep = TimeProvider.CreateTimer(static state => ((SipTransportLayer)state!).Sweep(), this, period, period);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol)
    {
        foreach (SipEndPoint local in _localEndPoints)
        {
            if (local.Protocol == protocol)
            {
                return local;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol, AddressFamily family)
    {
        foreach (SipEndPoint local in _localEndPoints)
        {
            if (local.Protocol == protocol && local.Address.AddressFamily == family)
            {
                return local;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// RFC 3261 §18.1.1: a request over <see cref="SipLimits.UdpMaxRequestBytes"/> to a UDP target goes over TCP,
    /// when we listen on TCP in the target's address family (the Via must name a TCP sent-by); else it stays on UDP.
    /// </remarks>
    public SipTransportProtocol SelectRequestProtocol(SipEndPoint target, int messageBytes)
    {
        int limit = Limits.UdpMaxRequestBytes;
        if (target.Protocol == SipTransportProtocol.Udp && limit > 0 && messageBytes > limit &&
            target.Address is not null && GetLocalEndPoint(SipTransportProtocol.Tcp, target.Address.AddressFamily) is not null)
        {
            return SipTransportProtocol.Tcp;
        }

        return target.Protocol;
    }

    /// <summary>
    /// Stops: closes the listeners and UDP sockets, closes every connection, and completes when every loop has
    /// ended. Idempotent and thread-safe: the first call does the work, every call returns the same task.
    /// </summary>
    /// <returns>Completes when nothing of the transport runs any more.</returns>
    public ValueTask DisposeAsync() => _disposal.RunOnceAsync(static layer => layer.StopAsync(), this);

    /// <summary>A connection with this id, open or closing, for tests and diagnostics.</summary>
    /// <param name="id">The connection id.</param>
    /// <returns>The connection, or null.</returns>
    internal SipConnection? FindConnection(long id) => _connectionsById.TryGetValue(id, out SipConnection? connection) ? connection : null;

    /// <summary>The sweep runs four times per shortest timeout, at most once a second and at least every 10 ms.</summary>
    private static TimeSpan SweepPeriod(SipLimits limits)
    {
        TimeSpan shortest = limits.HeaderReadTimeout;
        if (limits.ConnectionIdleTimeout < shortest)
        {
            shortest = limits.ConnectionIdleTimeout;
        }

        if (limits.SendTimeout < shortest)
        {
            shortest = limits.SendTimeout;
        }

        TimeSpan period = shortest / 4;
        return period > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : period < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : period;
    }

    private void Sweep()
    {
        if (IsStopping)
        {
            return;
        }

        long now = TimeProvider.GetTimestamp();
        foreach (KeyValuePair<long, SipConnection> entry in _connectionsById)
        {
            entry.Value.CheckTimeouts(now, Limits);
        }
    }

    private async Task StopAsync()
    {
        Volatile.Write(ref _state, Stopping);
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_sweep is not null)
        {
            await _sweep.DisposeAsync().ConfigureAwait(false);
        }

        foreach (SipStreamListener listener in _listeners)
        {
            listener.Close();
        }

        foreach (SipUdpSocket socket in _udp)
        {
            socket.Close();
        }

        await Task.WhenAll(_loops).ConfigureAwait(false);
        foreach (SipEndPoint local in _localEndPoints)
        {
            TransportLog.StoppedListening(Logger, local);
        }

        // Connections being opened see the stop token and fail; those that registered meanwhile close below.
        foreach (KeyValuePair<SipEndPoint, Task<SipConnection>> pending in _connecting)
        {
            await ((Task)pending.Value).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        while (!_connectionsById.IsEmpty)
        {
            var open = new List<SipConnection>(_connectionsById.Count);
            foreach (KeyValuePair<long, SipConnection> entry in _connectionsById)
            {
                open.Add(entry.Value);
            }

            foreach (SipConnection connection in open)
            {
                connection.Close(SipConnectionCloseReason.Shutdown);
            }

            foreach (SipConnection connection in open)
            {
                await connection.Completion.ConfigureAwait(false);
            }
        }

    }
}
