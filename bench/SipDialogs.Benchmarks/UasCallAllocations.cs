using System.Buffers.Text;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SipDialogs.Hosting;
using SipDialogs.Transport;

namespace SipDialogs.Benchmarks;

/// <summary>
/// Managed bytes allocated per whole UAS call (INVITE, 200, ACK, BYE, 200) through a <see cref="SipStack"/> answering
/// as <c>serve</c> does, over loopback UDP, in this process: <see cref="GC.GetTotalAllocatedBytes(bool)"/> (every
/// thread: the receive loop, the shards, the outbox, the application) before and after N calls, divided by N. The
/// caller is a blocking socket writing into fixed buffers, which allocates nothing per call, so what is counted is the
/// stack's. Also prints the managed heap the calls leave behind (their transactions linger 64*T1) and the types the
/// runtime's allocation sampling saw most. Bytes, not times, so outside BenchmarkDotNet:
/// <c>dotnet run -c Release --project bench/SipDialogs.Benchmarks -- uas-call [N]</c>.
/// </summary>
internal static class UasCallAllocations
{
    private const string Sdp = "v=0\r\no=sipdialogs 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    public static async Task RunAsync(int count)
    {
        var options = new SipStackOptions();
        options.Listen.Add("udp:127.0.0.1:0");
        await using var stack = new SipStack(options, new IncomingCallUas(static (call, _) => call.AnswerAsync(Sdp, cancellationToken: CancellationToken.None)));
        await stack.StartAsync().ConfigureAwait(false);
        IPEndPoint server = stack.LocalEndPoints[0].Address;
        using var caller = new Caller(server);

        await Task.Run(() => caller.Calls(0, 2000)).ConfigureAwait(false); // Warm-up: JIT, pools, tables.
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var sampling = new AllocationSampling();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await Task.Run(() => caller.Calls(2000, 2000 + count)).ConfigureAwait(false);
        await stack.WhenIdleAsync().ConfigureAwait(false);
        long after = GC.GetTotalAllocatedBytes(precise: true);
        sampling.Dispose();
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"UAS calls (INVITE, 200, ACK, BYE, 200) over loopback UDP: {count:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  allocated per call: {(after - before) / (double)count,8:F0} B"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  heap left per call: {(heapAfter - heapBefore) / (double)count,8:F0} B  (dialogs {stack.DialogCount}, transactions {stack.TransactionCount:N0}, timers {stack.TimerCount:N0})"));
        Console.WriteLine("  allocation samples by type (about one per 100 KB allocated):");
        foreach ((string type, int samples) in sampling.Top(20))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {samples,6}  {type}"));
        }
    }

    /// <summary>A UAC on a blocking socket: each message written into one buffer, each response read into another.</summary>
    private sealed class Caller : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly SocketAddress _server;
        private readonly SocketAddress _from = new(AddressFamily.InterNetwork);
        private readonly byte[] _send = new byte[2048];
        private readonly byte[] _receive = new byte[65536];
        private readonly byte[] _toTag = new byte[128];
        private readonly Writer _writer;
        private readonly int _port;

        public Caller(IPEndPoint server)
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _socket.ReceiveTimeout = 5000;
            _server = server.Serialize();
            _port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            _writer = new Writer(_send);
        }

        public void Calls(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                Call(i);
            }
        }

        public void Dispose() => _socket.Dispose();

        private void Call(int n)
        {
            Send(Request(n, "INVITE", 1, "INVITE", 1, default));
            int tagLength = AwaitFinal("1 INVITE"u8, out bool ok);
            if (!ok)
            {
                throw new InvalidOperationException($"Call {n}: no 200 to the INVITE.");
            }

            ReadOnlySpan<byte> tag = _toTag.AsSpan(0, tagLength);
            Send(Request(n, "ACK", 1, "ACK", 1, tag)); // The ACK for a 2xx has a branch of its own (RFC 3261 §17.1.1.3).
            Send(Request(n, "BYE", 2, "BYE", 2, tag));
            _ = AwaitFinal("2 BYE"u8, out ok);
            if (!ok)
            {
                throw new InvalidOperationException($"Call {n}: no 200 to the BYE.");
            }
        }

        private void Send(int length) => _socket.SendTo(_send.AsSpan(0, length), SocketFlags.None, _server);

        /// <summary>Reads responses until the final one whose CSeq is <paramref name="cseq"/>; copies its To tag.</summary>
        private int AwaitFinal(ReadOnlySpan<byte> cseq, out bool ok)
        {
            while (true)
            {
                int received = _socket.ReceiveFrom(_receive, SocketFlags.None, _from);
                ReadOnlySpan<byte> response = _receive.AsSpan(0, received);
                if (response.Length < 12 || response[8] == (byte)'1' || response.IndexOf(cseq) < 0)
                {
                    continue; // A provisional response, or a retransmitted 200 to the INVITE.
                }

                ok = response[8..11].SequenceEqual("200"u8);
                int to = response.IndexOf("\r\nTo:"u8);
                ReadOnlySpan<byte> line = response[(to + 2)..];
                int end = line.IndexOf("\r\n"u8);
                line = end < 0 ? line : line[..end];
                int tag = line.IndexOf(";tag="u8);
                if (tag < 0)
                {
                    return 0;
                }

                ReadOnlySpan<byte> value = line[(tag + 5)..];
                int stop = value.IndexOfAny(";\r\n"u8);
                value = stop < 0 ? value : value[..stop];
                value.CopyTo(_toTag);
                return value.Length;
            }
        }

        private int Request(int n, string method, int branchSuffix, string cseqMethod, int cseq, ReadOnlySpan<byte> toTag)
        {
            Writer w = _writer;
            w.Length = 0;
            w.Ascii(method).Ascii(" sip:service@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:").Number(_port)
                .Ascii(";branch=z9hG4bK-uac-").Number(n).Ascii("-").Ascii(method).Number(branchSuffix).Ascii(";rport\r\n")
                .Ascii("From: sipp <sip:sipp@127.0.0.1:").Number(_port).Ascii(">;tag=uac").Number(n).Ascii("\r\n")
                .Ascii("To: service <sip:service@127.0.0.1>");
            if (!toTag.IsEmpty)
            {
                w.Ascii(";tag=").Bytes(toTag);
            }

            w.Ascii("\r\nCall-ID: ").Number(n).Ascii("-uas-call@127.0.0.1\r\nCSeq: ").Number(cseq).Ascii(" ").Ascii(cseqMethod)
                .Ascii("\r\nContact: <sip:sipp@127.0.0.1:").Number(_port).Ascii(">\r\nMax-Forwards: 70\r\n");
            if (method == "INVITE")
            {
                w.Ascii("Content-Type: application/sdp\r\nContent-Length: ").Number(Sdp.Length).Ascii("\r\n\r\n").Ascii(Sdp);
            }
            else
            {
                w.Ascii("Content-Length: 0\r\n\r\n");
            }

            return w.Length;
        }
    }

    /// <summary>Writes ASCII and numbers into a buffer without allocating; one per caller, reset per message.</summary>
    private sealed class Writer(byte[] buffer)
    {
        private readonly byte[] _buffer = buffer;

        public int Length { get; set; }

        public Writer Ascii(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                _buffer[Length++] = (byte)text[i];
            }

            return this;
        }

        public Writer Bytes(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_buffer.AsSpan(Length));
            Length += bytes.Length;
            return this;
        }

        public Writer Number(int value)
        {
            _ = Utf8Formatter.TryFormat(value, _buffer.AsSpan(Length), out int written);
            Length += written;
            return this;
        }
    }

    /// <summary>The runtime's GCAllocationTick events (one per about 100 KB allocated), counted by type name.</summary>
    private sealed class AllocationSampling : EventListener
    {
        private readonly Dictionary<string, int> _byType = [];

        public List<(string Type, int Samples)> Top(int count)
        {
            lock (_byType)
            {
                var all = new List<(string, int)>();
                foreach (KeyValuePair<string, int> pair in _byType)
                {
                    all.Add((pair.Key, pair.Value));
                }

                all.Sort(static (a, b) => b.Item2.CompareTo(a.Item2));
                return all.GetRange(0, Math.Min(count, all.Count));
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick is verbose.
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
            {
                return;
            }

            int index = eventData.PayloadNames.IndexOf("TypeName");
            string type = index >= 0 && eventData.Payload![index] is string t ? t : "?";
            lock (_byType)
            {
                _byType[type] = _byType.GetValueOrDefault(type) + 1;
            }
        }
    }
}
