using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>
/// One TCP or TLS connection, accepted or opened: a read loop that frames messages out of a
/// <see cref="PipeReader"/> (RFC 3261 §18.3) and hands them to the transport layer, and serialized sends.
/// </summary>
/// <remarks>
/// While idle the read loop waits with a zero-byte read, so an idle connection holds no receive buffer. The
/// timeouts are checked from outside by <see cref="CheckTimeouts"/>, which the transport layer's sweep calls: one
/// timer for all connections, none per connection.
/// </remarks>
[SuppressMessage(
    "Reliability",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The send lock never creates its wait handle, so it holds nothing to release; disposing it could fail a sender still waiting.")]
internal sealed class SipConnection
{
    private const long None = long.MinValue;

    // CRLF answers a CRLFCRLF keep-alive ping (RFC 5626 §4.4.1).
    private static readonly byte[] s_pong = "\r\n"u8.ToArray();

    private static readonly StreamPipeReaderOptions s_readerOptions = new(
        pool: MemoryPool<byte>.Shared, bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true);

    private readonly SipTransportLayer _owner;
    private readonly Socket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SslServerAuthenticationOptions? _serverTls;
    private Stream _stream;
    private long _lastActivity;
    private long _messageStart = None;
    private long _sendStart = None;
    private int _closed;
    private volatile bool _ready;
    private SipConnectionCloseReason _closeReason;

    /// <summary>Creates a connection over a connected socket.</summary>
    /// <param name="owner">The transport layer.</param>
    /// <param name="id">Its id, unique in the layer.</param>
    /// <param name="socket">The connected socket.</param>
    /// <param name="stream">The stream to read and write: a NetworkStream, or an authenticated SslStream for an
    /// outbound TLS connection.</param>
    /// <param name="remote">The peer.</param>
    /// <param name="local">Our end.</param>
    /// <param name="serverTls">For an accepted TLS connection, the options of the handshake the read loop starts with.</param>
    public SipConnection(
        SipTransportLayer owner, long id, Socket socket, Stream stream, SipEndPoint remote, SipEndPoint local, SslServerAuthenticationOptions? serverTls)
    {
        _owner = owner;
        Id = id;
        _socket = socket;
        _stream = stream;
        Remote = remote;
        Local = local;
        _serverTls = serverTls;
        _lastActivity = owner.TimeProvider.GetTimestamp();
        _ready = serverTls is null;
        if (serverTls is not null)
        {
            // The handshake runs under the header-read timeout: a peer that never finishes it is a slowloris too.
            _messageStart = _lastActivity;
        }
    }

    /// <summary>The connection's id (<see cref="InboundMessage.ConnectionId"/>).</summary>
    public long Id { get; }

    /// <summary>The peer's end point; for an opened connection, the target it was opened to.</summary>
    public SipEndPoint Remote { get; }

    /// <summary>Our end point of the connection.</summary>
    public SipEndPoint Local { get; }

    /// <summary>True once closing has begun: no more sends are taken.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>True once a send can go out: at once for TCP and opened TLS, after the handshake for accepted TLS.</summary>
    public bool IsReady => _ready && !IsClosed;

    /// <summary>True while a message (or the TLS handshake) is partly read: the header-read timeout runs.</summary>
    public bool IsReadingMessage => Volatile.Read(ref _messageStart) != None;

    /// <summary>Completes when the read loop has ended and the connection is released.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Starts the read loop (and, for an accepted TLS connection, the handshake first).</summary>
    public void Start() => _ = RunAsync();

    /// <summary>Completes <see cref="Completion"/> for a connection whose read loop never started.</summary>
    public void Abandon()
    {
        Close(SipConnectionCloseReason.Shutdown);
        DisposeStream();
        _owner.OnConnectionClosed(this, SipConnectionCloseReason.Shutdown);
        _completion.TrySetResult();
    }

    /// <summary>
    /// Sends one message. Sends on a connection never interleave: they wait their turn. Cancelling stops the wait
    /// for the turn, not a send under way (half a message would break the stream's framing).
    /// </summary>
    /// <param name="message">The whole message.</param>
    /// <param name="cancellationToken">Ends the wait for the turn.</param>
    /// <returns>Completes when the bytes are handed to the socket.</returns>
    /// <exception cref="SipTransportException">The connection is closed or the send failed.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (!_sendLock.Wait(0, CancellationToken.None))
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        // The turn is ours from here: every path below releases it.
        try
        {
            if (IsClosed)
            {
                throw new SipTransportException($"The connection {Id} to {Remote} is closed.");
            }

            Volatile.Write(ref _sendStart, _owner.TimeProvider.GetTimestamp());
            await _stream.WriteAsync(message, CancellationToken.None).ConfigureAwait(false);
            Touch();
        }
        catch (Exception ex) when (ex is IOException and not SipTransportException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Close(SipConnectionCloseReason.Error);
            throw new SipTransportException($"Sending to {Remote} over connection {Id} failed: {ex.Message}", ex);
        }
        finally
        {
            Volatile.Write(ref _sendStart, None);
            _sendLock.Release();
        }
    }

    /// <summary>Closes the connection: pending reads and sends fail, the read loop ends. Idempotent.</summary>
    /// <param name="reason">Why, for the log.</param>
    public void Close(SipConnectionCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closed, 1, 0) != 0)
        {
            return;
        }

        _closeReason = reason;
        try
        {
            // Shutdown sends what is queued (an error answer) and a FIN; disposing the socket aborts the pending
            // zero-byte read, so the read loop wakes and ends.
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset or closed by the peer: nothing to flush.
        }

        _socket.Dispose();
    }

    /// <summary>Closes the connection when one of its timeouts has passed (called by the sweep).</summary>
    /// <param name="now">The current timestamp of the layer's time provider.</param>
    /// <param name="limits">The limits.</param>
    /// <returns>True when it was closed.</returns>
    public bool CheckTimeouts(long now, SipLimits limits)
    {
        if (IsClosed)
        {
            return false;
        }

        TimeProvider time = _owner.TimeProvider;
        long messageStart = Volatile.Read(ref _messageStart);
        if (messageStart != None && time.GetElapsedTime(messageStart, now) >= limits.HeaderReadTimeout)
        {
            Close(SipConnectionCloseReason.HeaderReadTimeout);
            return true;
        }

        long sendStart = Volatile.Read(ref _sendStart);
        if (sendStart != None && time.GetElapsedTime(sendStart, now) >= limits.SendTimeout)
        {
            Close(SipConnectionCloseReason.SendTimeout);
            return true;
        }

        if (sendStart == None && time.GetElapsedTime(Volatile.Read(ref _lastActivity), now) >= limits.ConnectionIdleTimeout)
        {
            Close(SipConnectionCloseReason.IdleTimeout);
            return true;
        }

        return false;
    }

    private void Touch() => Volatile.Write(ref _lastActivity, _owner.TimeProvider.GetTimestamp());

    private async Task RunAsync()
    {
        SipConnectionCloseReason reason = SipConnectionCloseReason.PeerClosed;
        PipeReader? reader = null;
        try
        {
            if (_serverTls is not null)
            {
                var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
                _stream = tls;
                try
                {
                    await tls.AuthenticateAsServerAsync(_serverTls, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or SocketException or ObjectDisposedException)
                {
                    TransportLog.TlsHandshakeFailed(_owner.Logger, Remote, ex);
                    reason = SipConnectionCloseReason.TlsHandshakeFailed;
                    return;
                }

                Volatile.Write(ref _messageStart, None);
                Touch();
                _ready = true;
            }

            reader = PipeReader.Create(_stream, s_readerOptions);
            reason = await ReadLoopAsync(reader).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // Reset by the peer, or closed under the loop by a timeout or shutdown (then that reason is kept).
            if (!IsClosed)
            {
                TransportLog.ConnectionFailed(_owner.Logger, Id, Remote, ex);
                reason = SipConnectionCloseReason.Error;
            }
        }
        catch (Exception ex)
        {
            // A fault of ours: this connection is lost, every other one carries on.
            TransportLog.ReceiveError(_owner.Logger, Local, ex);
            reason = SipConnectionCloseReason.Error;
        }
        finally
        {
            Close(reason);
            if (reader is not null)
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }

            DisposeStream();
            _owner.OnConnectionClosed(this, _closeReason);
            _completion.TrySetResult();
        }
    }

    private async Task<SipConnectionCloseReason> ReadLoopAsync(PipeReader reader)
    {
        SipLimits limits = _owner.Limits;
        SipFramingState framing = default; // What the framer learned of a message still arriving.
        while (true)
        {
            ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            Touch();
            bool completedAny = false;
            while (true)
            {
                SipParseStatus status = SipStreamFramer.TryReadMessage(ref buffer, ref framing, out ReadOnlySequence<byte> framed, out int pings, out SipParseError error, limits);
                for (int i = 0; i < pings; i++)
                {
                    await SendQuietlyAsync(s_pong).ConfigureAwait(false);
                }

                if (status == SipParseStatus.Complete)
                {
                    completedAny = true;
                    byte[]? answer = _owner.OnStreamMessage(this, framed);
                    if (answer is not null)
                    {
                        await SendQuietlyAsync(answer).ConfigureAwait(false);
                    }

                    continue;
                }

                if (status == SipParseStatus.Rejected)
                {
                    // The stream has lost its framing: answer if the request can be read that far, then close.
                    byte[]? answer = _owner.OnStreamFramingError(this, buffer, error);
                    if (answer is not null)
                    {
                        await SendQuietlyAsync(answer).ConfigureAwait(false);
                    }

                    reader.AdvanceTo(buffer.End);
                    return SipConnectionCloseReason.FramingError;
                }

                break;
            }

            // The header-read clock runs from the first byte of a message until the message is complete.
            if (buffer.IsEmpty)
            {
                Volatile.Write(ref _messageStart, None);
            }
            else if (completedAny || Volatile.Read(ref _messageStart) == None)
            {
                Volatile.Write(ref _messageStart, _owner.TimeProvider.GetTimestamp());
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return SipConnectionCloseReason.PeerClosed;
            }
        }
    }

    /// <summary>Sends from the read loop (pongs, error answers): a failure closes the connection, which ends the loop.</summary>
    private async ValueTask SendQuietlyAsync(byte[] bytes)
    {
        try
        {
            await SendAsync(bytes, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SipTransportException ex)
        {
            TransportLog.SendFailed(_owner.Logger, bytes.Length, Remote, ex);
        }
    }

    private void DisposeStream()
    {
        try
        {
            _stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // Best-effort teardown: the socket is already closed.
        }
    }
}
