using SipDialogs.Tests.Infrastructure;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

/// <summary>Real transports and client sockets on loopback, port 0.</summary>
internal static class Loopback
{
    /// <summary>How long a test waits for anything; generous, as CI has two cores.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Starts a transport layer on the given end points (e.g. "udp:127.0.0.1:0").</summary>
    public static async Task<SipTransportLayer> StartAsync(
        TestSink sink,
        string[] endPoints,
        SipLimits? limits = null,
        TimeProvider? timeProvider = null,
        X509Certificate2? certificate = null,
        RemoteCertificateValidationCallback? validation = null)
    {
        var list = new List<SipEndPoint>();
        foreach (string text in endPoints)
        {
            Assert.True(SipEndPoint.TryParse(text, out SipEndPoint? endPoint), text);
            list.Add(endPoint.Value);
        }

        var layer = new SipTransportLayer(list, limits ?? new SipLimits(), sink, NullLoggerFactory.Instance, timeProvider, certificate, validation);
        await layer.StartAsync(CancellationToken.None);
        return layer;
    }

    /// <summary>A UDP client socket bound to a free port of the loopback address of <paramref name="family"/>.</summary>
    public static Socket UdpClient(AddressFamily family = AddressFamily.InterNetwork)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, 0));
        return socket;
    }

    /// <summary>A TCP client socket connected to <paramref name="endPoint"/>.</summary>
    public static async Task<Socket> TcpClientAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).WaitAsync(Timeout);
        return socket;
    }

    /// <summary>The local end point of the socket.</summary>
    public static IPEndPoint LocalOf(Socket socket) => (IPEndPoint)socket.LocalEndPoint!;

    /// <summary>The next datagram the socket receives, as text.</summary>
    public static async Task<string> ReceiveTextAsync(Socket socket)
    {
        byte[] buffer = new byte[65_536];
        int received = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Timeout);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, received);
    }

    /// <summary>Reads from a stream until the text read holds <paramref name="until"/>, or the stream ends.</summary>
    public static async Task<string> ReadTextAsync(Stream stream, string until)
    {
        var text = new System.Text.StringBuilder();
        byte[] buffer = new byte[4096];
        while (!text.ToString().Contains(until, StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
            if (read == 0)
            {
                break;
            }

            text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads until the peer closes the connection, and returns what came before: the close shows as end of stream
    /// or as a reset, either of which ends the wait.
    /// </summary>
    public static async Task<string> ReadToCloseAsync(Socket socket)
    {
        var text = new System.Text.StringBuilder();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Timeout);
            }
            catch (SocketException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    /// <summary>Waits until a condition that becomes true promptly holds; fails after <see cref="Timeout"/>.</summary>
    public static Task PollAsync(Func<bool> condition) => Poll.UntilAsync(condition, Timeout);
}
