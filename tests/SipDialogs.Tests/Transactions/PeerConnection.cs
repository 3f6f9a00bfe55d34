using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Transactions;

/// <summary>The peer's end of a TCP connection with the layer: sends text, reads whole messages (Content-Length framed).</summary>
internal sealed class PeerConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];

    public PeerConnection(Socket socket) => _socket = socket;

    public IPEndPoint LocalAddress => (IPEndPoint)_socket.LocalEndPoint!;

    public static async Task<PeerConnection> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).WaitAsync(TransactionHarness.Timeout);
        return new PeerConnection(socket);
    }

    public async Task SendAsync(string message) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")).AsMemory(), SocketFlags.None).AsTask().WaitAsync(TransactionHarness.Timeout);

    public async Task SendAsync(byte[] message) =>
        await _socket.SendAsync(message.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TransactionHarness.Timeout);

    /// <summary>The next whole message on the connection.</summary>
    public async Task<SipMessage> ReceiveAsync()
    {
        byte[] buffer = new byte[8192];
        while (true)
        {
            if (TryTake(out SipMessage? message))
            {
                return message;
            }

            int read = await _socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TransactionHarness.Timeout);
            if (read == 0)
            {
                throw new IOException("The layer closed the connection.");
            }

            _pending.AddRange(buffer.AsSpan(0, read));
        }
    }

    public void Close() => _socket.Close();

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private bool TryTake(out SipMessage message)
    {
        message = null!;
        string text = Encoding.UTF8.GetString([.. _pending]);
        int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            return false;
        }

        int length = 0;
        foreach (string line in text[..headerEnd].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        int total = headerEnd + 4 + length;
        if (text.Length < total)
        {
            return false;
        }

        message = SipMessageParser.Parse(text[..total]);
        _pending.RemoveRange(0, Encoding.UTF8.GetByteCount(text[..total]));
        return true;
    }
}
