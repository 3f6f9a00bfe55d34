using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// A DNS server on a loopback UDP port that answers every query for <c>a.loop.test</c> with a CNAME to
/// <c>b.loop.test</c> and the reverse: a zone no real server will load (dnsmasq refuses a CNAME loop at startup,
/// "CNAME loop involving…"), but one a resolver must survive. Real wire format over a real socket.
/// </summary>
internal sealed class CnameLoopDnsServer : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public CnameLoopDnsServer() => _loop = ServeAsync();

    public IPEndPoint EndPoint => (IPEndPoint)_socket.Client.LocalEndPoint!;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The loop ends with its socket: best-effort teardown.
        }

        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query = await _socket.ReceiveAsync(_stop.Token);
            byte[] answer = Answer(query.Buffer);
            if (answer.Length > 0)
            {
                await _socket.SendAsync(answer, query.RemoteEndPoint, _stop.Token);
            }
        }
    }

    private static byte[] Answer(byte[] query)
    {
        // Header (12 bytes), then one question: QNAME labels, QTYPE, QCLASS.
        if (query.Length < 17)
        {
            return [];
        }

        int end = 12;
        var labels = new List<string>();
        while (end < query.Length && query[end] != 0)
        {
            labels.Add(System.Text.Encoding.ASCII.GetString(query, end + 1, query[end]));
            end += query[end] + 1;
        }

        int questionEnd = end + 1 + 4;
        string name = string.Join('.', labels);
        string target = name.StartsWith("a.", StringComparison.OrdinalIgnoreCase) ? "b.loop.test" : "a.loop.test";

        var reply = new List<byte>(query.AsSpan(0, questionEnd).ToArray());
        reply[2] = 0x81; // QR, RD
        reply[3] = 0x80; // RA, NOERROR
        reply[6] = 0;
        reply[7] = 1; // ANCOUNT = 1
        reply[8] = reply[9] = reply[10] = reply[11] = 0; // No authority, no additional (the query's EDNS OPT is not echoed).
        reply.AddRange([0xC0, 0x0C, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C]); // Name pointer, CNAME, IN, TTL 60.
        byte[] rdata = Encode(target);
        byte[] length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)rdata.Length);
        reply.AddRange(length);
        reply.AddRange(rdata);
        return [.. reply];
    }

    private static byte[] Encode(string name)
    {
        var bytes = new List<byte>();
        foreach (string label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }
}
