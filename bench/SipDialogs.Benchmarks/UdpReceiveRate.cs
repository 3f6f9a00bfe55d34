using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SipDialogs.Transport;

namespace SipDialogs.Benchmarks;

/// <summary>
/// How many datagrams a second the UDP receive path takes in (receive, copy, parse, hand to the sink), for each
/// <see cref="SipLimits.UdpReceiveLoops"/> given, in one run: two senders on their own sockets (their own flows) send
/// an OPTIONS request at a paced total rate for a few seconds, each rate in turn; the figure is the share handed to the
/// sink (the rest the kernel dropped). Senders flat out would only measure who wins the two cores.
/// <c>dotnet run -c Release --project bench/SipDialogs.Benchmarks -- udp-receive [seconds] [loops...]</c>.
/// </summary>
internal static class UdpReceiveRate
{
    public static async Task RunAsync(int seconds, int[] loops)
    {
        int senders = 2;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"UDP receive path, {senders} senders, {seconds} s each:"));
        foreach (int rate in (int[])[25_000, 50_000, 100_000, 200_000])
        {
            foreach (int count in loops)
            {
                await MeasureAsync(senders, seconds, rate, count).ConfigureAwait(false);
            }
        }
    }

    private static async Task MeasureAsync(int senders, int seconds, int rate, int count)
    {
        {
            var sink = new CountingSink();
            var limits = new SipLimits { UdpReceiveLoops = count };
            await using var layer = new SipTransportLayer(
                [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))], limits, sink, NullLoggerFactory.Instance);
            await layer.StartAsync(CancellationToken.None).ConfigureAwait(false);
            IPEndPoint target = layer.LocalEndPoints[0].Address;
            long sent = 0;
            var clock = Stopwatch.StartNew();
            var tasks = new Task[senders];
            for (int s = 0; s < senders; s++)
            {
                tasks[s] = SendAsync(target, seconds, rate / senders).ContinueWith(t => Interlocked.Add(ref sent, t.Result), TaskScheduler.Default);
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
            long atEnd = sink.Count;
            double elapsed = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {rate,7:N0}/s asked, UdpReceiveLoops={count}: {sent / elapsed,9:N0}/s sent, {atEnd / elapsed,9:N0}/s handled, {100.0 * (sent - atEnd) / sent,5:F1} % dropped"));
        }
    }

    private static async Task<long> SendAsync(IPEndPoint target, int seconds, int rate)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        byte[] datagram = Encoding.ASCII.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"OPTIONS sip:service@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-rate;rport\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:rate@127.0.0.1>;tag=rate\r\nTo: <sip:service@127.0.0.1>\r\nCall-ID: rate-{port}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"));
        SocketAddress address = target.Serialize();
        long sent = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            long due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                socket.SendTo(datagram, SocketFlags.None, address);
            }

            await Task.Delay(1).ConfigureAwait(false);
        }

        return sent;
    }

    private sealed class CountingSink : ISipMessageSink
    {
        private long _count;

        public long Count => Volatile.Read(ref _count);

        public void OnMessage(InboundMessage message) => Interlocked.Increment(ref _count);
    }
}
