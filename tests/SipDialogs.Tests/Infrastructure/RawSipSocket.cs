using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// A SIP peer written by hand over one UDP socket on loopback: it sends exactly the bytes a test gives it and hands
/// back every message it receives, in order, so a test can play an element a stack would never be (a forking proxy,
/// a UAC that chooses its own Call-ID) and see exactly what the stack sent.
/// </summary>
internal sealed class RawSipSocket : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly Channel<(SipMessage Message, IPEndPoint From)> _inbox = Channel.CreateUnbounded<(SipMessage, IPEndPoint)>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RawSipSocket()
    {
        EndPoint = (IPEndPoint)_socket.Client.LocalEndPoint!;
        _loop = ReceiveLoopAsync();
    }

    /// <summary>Where the socket listens (and sends from).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The port, as text for URIs and Via.</summary>
    public string Port => EndPoint.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sends SIP text (every line break written as CRLF by the caller).</summary>
    public async Task SendAsync(string text, IPEndPoint to) => await _socket.SendAsync(Encoding.UTF8.GetBytes(text), to);

    /// <summary>Sends a message built with <see cref="SipMessageBuilder"/>.</summary>
    public async Task SendAsync(SipMessageBuilder message, IPEndPoint to) => await _socket.SendAsync(message.ToArray(), to);

    /// <summary>The next message received, whatever it is.</summary>
    public async Task<(SipMessage Message, IPEndPoint From)> ReceiveAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _inbox.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Nothing received within {timeout}.");
        }
    }

    /// <summary>
    /// The next request received; fails when the next message is a response, other than a 2xx to INVITE sent again
    /// before our ACK reached the peer (RFC 3261 §13.3.1.4: on a loaded machine it may cross the ACK), which is skipped.
    /// </summary>
    public async Task<(SipRequest Request, IPEndPoint From)> ReceiveRequestAsync(TimeSpan timeout)
    {
        long started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            TimeSpan left = timeout - TimeProvider.System.GetElapsedTime(started);
            (SipMessage message, IPEndPoint from) = await ReceiveAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (message is SipRequest request)
            {
                return (request, from);
            }

            if (message is not SipResponse { StatusCode: >= 200 and < 300, CSeqMethod: "INVITE" })
            {
                throw new InvalidOperationException($"Expected a request, got {Describe(message)}.");
            }
        }
    }

    /// <summary>The first response that matches, skipping the messages before it (provisional responses, say).</summary>
    public async Task<SipResponse> ReceiveResponseAsync(Func<SipResponse, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                (SipMessage message, _) = await _inbox.Reader.ReadAsync(cancel.Token);
                if (message is SipResponse response && match(response))
                {
                    return response;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No matching response within {timeout}.");
        }
    }

    /// <summary>A message already received and not yet taken, if any.</summary>
    public bool TryReceive(out SipMessage? message)
    {
        bool got = _inbox.Reader.TryRead(out (SipMessage Message, IPEndPoint From) item);
        message = got ? item.Message : null;
        return got;
    }

    /// <summary>"INVITE (To tag x)" or "200 INVITE", for failure messages.</summary>
    public static string Describe(SipMessage message) => message switch
    {
        SipRequest request => $"{request.Method} {request.CSeqNumber} (To tag '{Encoding.ASCII.GetString(request.ToTag)}')",
        SipResponse response => $"{response.StatusCode} {response.CSeqMethod}",
        _ => message.ToString() ?? "?",
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The loop ends with the socket: best-effort teardown.
        }

        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult datagram = await _socket.ReceiveAsync(_stop.Token);
            if (SipMessageParser.TryParse(datagram.Buffer, out SipMessage? message, out _) && message is not null)
            {
                _inbox.Writer.TryWrite((message, datagram.RemoteEndPoint));
            }
        }
    }
}
