using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;

namespace SipDialogs.Tests.Transport;

/// <summary>
/// Datagrams from one peer are handled in the order they arrived: a burst of in-dialog requests reaches the dialog in
/// CSeq order, none refused as out of order (RFC 3261 §12.2.2 answers a lower CSeq 500).
/// </summary>
public sealed class UdpPeerOrderTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task ABurstOfInDialogRequestsFromOnePeerReachesTheDialogInTheOrderSent(int receiveLoops)
    {
        const int Burst = 300;
        var seen = new ConcurrentQueue<uint>();
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        SipStackOptions options = Parties.Options();
        options.Limits.UdpReceiveLoops = receiveLoops;
        await using var stack = new SipStack(options, new IncomingCallUas(async (call, ct) =>
        {
            Dialog dialog = await call.AnswerAsync(null, cancellationToken: ct);
            dialog.RequestReceived += (_, e) => seen.Enqueue(e.Request.CSeqNumber);
            answered.TrySetResult();
        }));
        await stack.StartAsync();
        IPEndPoint server = stack.LocalEndPoints[0].Address;
        using var peer = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        peer.Client.ReceiveBufferSize = 4 * 1024 * 1024; // The default (about 200 KB of kernel accounting) drops a burst's answers.
        int port = ((IPEndPoint)peer.Client.LocalEndPoint!).Port;
        string callId = "order-" + Guid.NewGuid().ToString("N");

        await peer.SendAsync(Request(SipMethods.Invite, 1, null, port, callId, server), server);
        SipResponse ok = await FinalAsync(peer, 1);
        string tag = Encoding.ASCII.GetString(ok.ToTag);
        await peer.SendAsync(Request(SipMethods.Ack, 1, tag, port, callId, server), server);
        await answered.Task.WaitAsync(s_timeout);

        for (int cseq = 2; cseq < 2 + Burst; cseq++)
        {
            await peer.SendAsync(Request(SipMethods.Info, cseq, tag, port, callId, server), server); // Back to back.
        }

        var statuses = new Dictionary<uint, int>();
        while (statuses.Count < Burst)
        {
            SipResponse response = await FinalAsync(peer, 0);
            statuses[response.CSeqNumber] = response.StatusCode;
        }

        Assert.All(statuses.Values, status => Assert.Equal(200, status));
        await Infrastructure.Poll.UntilAsync(() => seen.Count == Burst, s_timeout, () => $"{seen.Count} of {Burst} seen");
        Assert.Equal(Enumerable.Range(2, Burst).Select(static n => (uint)n), seen);
    }

    /// <summary>The next final response, to CSeq <paramref name="cseq"/> (any INFO when 0).</summary>
    private static async Task<SipResponse> FinalAsync(UdpClient peer, uint cseq)
    {
        while (true)
        {
            UdpReceiveResult datagram = await peer.ReceiveAsync().WaitAsync(s_timeout);
            if (SipMessageParser.TryParseResponse(datagram.Buffer, out SipResponse? response, out _) && response!.StatusCode >= 200 &&
                (cseq == 0 ? response.CSeqMethod == SipMethods.Info : response.CSeqNumber == cseq))
            {
                return response;
            }
        }
    }

    private static byte[] Request(string method, int cseq, string? toTag, int port, string callId, IPEndPoint server)
    {
        string to = toTag is null ? "<sip:bob@127.0.0.1>" : "<sip:bob@127.0.0.1>;tag=" + toTag;
        string branch = "z9hG4bK-order-" + method + cseq.ToString(CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{method} sip:bob@{server} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch={branch};rport\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:peer@127.0.0.1>;tag=peer1\r\nTo: {to}\r\nCall-ID: {callId}\r\nCSeq: {cseq} {method}\r\n" +
            $"Contact: <sip:peer@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n"));
    }
}
