using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transactions;
using SipDialogs.Transport;
using TransportLoopback = SipDialogs.Tests.Transport.Loopback;

namespace SipDialogs.Tests.Hosting;

/// <summary>The stack in-process, on real loopback sockets, against SIPp and raw clients.</summary>
public class SipStackTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static SipStackOptions Loopback()
    {
        var options = new SipStackOptions();
        options.Listen.Add("udp:127.0.0.1:0");
        options.Listen.Add("tcp:127.0.0.1:0");
        return options;
    }

    private static IPEndPoint Udp(SipStack stack) => stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;



    private static byte[] Options(int port, string callId) =>
        Encoding.ASCII.GetBytes(OptionsText(port.ToString(CultureInfo.InvariantCulture), callId));

    /// <summary>An OPTIONS whose Via names <paramref name="port"/> (or "{port}" for <see cref="UdpPeer"/> to fill in).</summary>
    private static string OptionsText(string port, string callId) =>
        "OPTIONS sip:s@127.0.0.1 SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{Guid.NewGuid():N};rport\r\n" +
        "Max-Forwards: 70\r\nTo: <sip:s@127.0.0.1>\r\nFrom: <sip:c@127.0.0.1>;tag=1\r\n" +
        $"Call-ID: {callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    /// <summary>Sends a request as written and reads the answer: a datagram, or a header block from the connection.</summary>
    private static async Task<string> AskRawAsync(Socket socket, NetworkStream? stream, IPEndPoint server, string request)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        if (stream is null)
        {
            await socket.SendToAsync(bytes, server);
            return await TransportLoopback.ReceiveTextAsync(socket);
        }

        await stream.WriteAsync(bytes);
        return await TransportLoopback.ReadTextAsync(stream, "\r\n\r\n");
    }

    private static async Task<int> OptionsStatusAsync(IPEndPoint server) =>
        (await UdpPeer.AskAsync(server, OptionsText("{port}", Guid.NewGuid().ToString("N")), s_timeout)).StatusCode;

    [Fact]
    public async Task SendRequestRetransmitsOverUdpWhileASippUasSitsOnTheRequest()
    {
        int sippPort = UdpPorts.Free();
        string screen = Path.Combine(Path.GetTempPath(), "sipp-uas-" + Guid.NewGuid().ToString("N") + ".txt");
        await using ExternalProcess sipp = ExternalProcess.Start("sipp",
        [
            "-sf", Sipp.Scenario("tests/sipp/uas-ignore-first.xml"), "-i", "127.0.0.1", "-p", sippPort.ToString(CultureInfo.InvariantCulture),
            "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_screen", "-screen_file", screen,
        ], Path.GetTempPath());
        await using var stack = new SipStack(Loopback());
        await stack.StartAsync();

        // SIPp must hear the first copy, or the retransmissions fall outside its pause.
        await UdpPorts.WaitUntilBoundAsync(sippPort, sipp, s_timeout);

        SipMessageBuilder options = SipMessageBuilder.Request(SipMethods.Options, $"sip:uas@127.0.0.1:{sippPort}")
            .Add(SipHeaderKind.MaxForwards, "70")
            .Add(SipHeaderKind.To, $"<sip:uas@127.0.0.1:{sippPort}>")
            .Add(SipHeaderKind.From, "<sip:stack@127.0.0.1>;tag=" + SipIds.NewTag())
            .Add(SipHeaderKind.CallId, SipIds.NewCallId())
            .Add(SipHeaderKind.CSeq, "1 OPTIONS");
        SipResponse response = await stack.SendRequestAsync(options, new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, sippPort)))
            .WaitAsync(s_timeout);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(0, await sipp.Exited.WaitAsync(s_timeout));

        // SIPp's message table: "----------> OPTIONS 1 N ..." where N counts the retransmissions it absorbed.
        string table = await File.ReadAllTextAsync(screen);
        File.Delete(screen);
        System.Text.RegularExpressions.Match row = System.Text.RegularExpressions.Regex.Match(table, @"-+> OPTIONS\s+(\d+)\s+(\d+)");
        Assert.True(row.Success, table);
        Assert.Equal(1, int.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(int.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture) >= 1, "No retransmission reached SIPp:\n" + table);
    }

    [Fact]
    public async Task ARetransmittedInviteReachesTheHandlerOnceAndACancelEndsItWith487()
    {
        var handler = new RingingHandler();
        await using var stack = new SipStack(Loopback(), handler);
        await stack.StartAsync();

        SippResult result = await Sipp.RunAsync("tests/sipp/uac-retransmit-cancel.xml", Udp(stack), calls: 5, rate: 5, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        Assert.Equal(5, handler.Invites.Count);
        Assert.Equal(5, handler.Cancels.Count);
    }

    [Fact]
    public async Task GarbageAndOversizeDatagramsDoNotStopTheNextCaller()
    {
        await using var stack = new SipStack(Loopback());
        await stack.StartAsync();
        IPEndPoint server = Udp(stack);
        using (var attacker = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            await attacker.SendAsync(new byte[] { 0, 1, 2, 3, 0xFF }, server);
            await attacker.SendAsync(Encoding.ASCII.GetBytes("INVITE sip:x SIP/2.0\r\n\r\n"), server);
            await attacker.SendAsync(new byte[60_000], server);
        }

        Assert.Equal(200, await OptionsStatusAsync(server));
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task ARequestWithoutCallIdIsAnswered400MissingCallIdAndTheNextOnTheSameSocketIsServed(SipTransportProtocol protocol)
    {
        await using var stack = new SipStack(Loopback());
        await stack.StartAsync();
        IPEndPoint server = stack.LocalEndPoints.First(e => e.Protocol == protocol).Address;
        using Socket socket = protocol == SipTransportProtocol.Udp ? TransportLoopback.UdpClient() : await TransportLoopback.TcpClientAsync(server);
        using NetworkStream? stream = protocol == SipTransportProtocol.Tcp ? new NetworkStream(socket) : null;
        int port = protocol == SipTransportProtocol.Udp ? TransportLoopback.LocalOf(socket).Port : 5060;
        string via = $"SIP/2.0/{protocol.ToString().ToUpperInvariant()} 127.0.0.1:{port};rport;branch=z9hG4bK";

        // RFC 4475 §3.3.1 asks for a 400 to a request that lacks what a request must carry; the phrase names the fault.
        string missing = await AskRawAsync(socket, stream, server,
            $"OPTIONS sip:s@127.0.0.1 SIP/2.0\r\nVia: {via}-nocid\r\nMax-Forwards: 70\r\nTo: <sip:s@127.0.0.1>\r\n" +
            "From: <sip:c@127.0.0.1>;tag=1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("SIP/2.0 400 Missing Call-ID\r\n", missing, StringComparison.Ordinal);
        Assert.Contains("branch=z9hG4bK-nocid", missing, StringComparison.Ordinal);

        string next = await AskRawAsync(socket, stream, server,
            $"OPTIONS sip:s@127.0.0.1 SIP/2.0\r\nVia: {via}-next\r\nMax-Forwards: 70\r\nTo: <sip:s@127.0.0.1>\r\n" +
            "From: <sip:c@127.0.0.1>;tag=1\r\nCall-ID: after-the-bad-one\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("SIP/2.0 200 OK\r\n", next, StringComparison.Ordinal);
        Assert.Contains("Call-ID: after-the-bad-one\r\n", next, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AResponseForNoTransactionIsDroppedAndCounted()
    {
        await using var stack = new SipStack(Loopback());
        await stack.StartAsync();
        IPEndPoint server = Udp(stack);
        using (var peer = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            await peer.SendAsync(Encoding.ASCII.GetBytes(
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnobody\r\nTo: <sip:a@h>;tag=1\r\nFrom: <sip:b@h>;tag=2\r\n" +
                "Call-ID: stray\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"), server);
        }

        Assert.Equal(200, await OptionsStatusAsync(server)); // Processed after the stray one on its shard or another.
        await stack.WhenIdleAsync();
        Assert.Equal(1, stack.StrayResponses);
    }

    [Fact]
    public async Task AThrowingHandlerIsCountedAnswered500AndTheStackCarriesOn()
    {
        var handler = new ThrowingOnceHandler();
        await using var stack = new SipStack(Loopback(), handler);
        await stack.StartAsync();

        Assert.Equal(500, await OptionsStatusAsync(Udp(stack)));
        Assert.Equal(200, await OptionsStatusAsync(Udp(stack)));
        Assert.Equal(1, stack.HandlerFaults);
    }

    [Fact]
    public async Task DisposeFromManyThreadsAtOnceCompletesOnceAndClosesEverySocket()
    {
        var stack = new SipStack(Loopback());
        await stack.StartAsync();
        IPEndPoint tcp = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Tcp).Address;
        Assert.Equal(200, await OptionsStatusAsync(Udp(stack)));

        Task[] disposers = new Task[16];
        for (int i = 0; i < disposers.Length; i++)
        {
            disposers[i] = Task.Run(async () => await stack.DisposeAsync());
        }

        await Task.WhenAll(disposers).WaitAsync(s_timeout);
        await stack.DisposeAsync();

        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(tcp).WaitAsync(s_timeout));
        Assert.Equal(0, stack.TimerCount);
    }

    [Fact]
    public async Task EveryTransactionAndTimerIsGoneAfterALoadEnds()
    {
        // Short timers so that the transactions' Timer J/K wait does not hold the test.
        SipStackOptions options = Loopback();
        options.Timers.T1 = TimeSpan.FromMilliseconds(50);
        options.Timers.T4 = TimeSpan.FromMilliseconds(100);
        await using var stack = new SipStack(options);
        await stack.StartAsync();

        SippResult result = await Sipp.RunAsync("bench/sipp/options-uac.xml", Udp(stack), calls: 500, rate: 500, s_timeout);
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");

        using var cancel = new CancellationTokenSource(s_timeout);
        while (stack.TransactionCount != 0 || stack.TimerCount != 0)
        {
            await Task.Yield();
            await stack.WhenIdleAsync(cancel.Token);
        }

        Assert.Equal(0, stack.TransactionCount);
        Assert.Equal(0, stack.TimerCount);
    }

    [Fact]
    public async Task RequestsBeyondAMailboxOfThemWaitingForTheHandlerAreAnswered503WithRetryAfterAndCounted()
    {
        SipStackOptions options = Loopback();
        options.Shards.ShardCount = 1;
        options.Shards.MailboxCapacity = 16;
        using var gate = new ManualResetEventSlim(false);
        var handler = new GatedHandler(gate);
        await using var stack = new SipStack(options, handler);
        await stack.StartAsync();
        IPEndPoint server = Udp(stack);

        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveBufferSize = 4 * 1024 * 1024; // The 503s come in a burst; the default buffer would drop some.
        int port = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        const int Requests = 200;
        int answered = 0;
        SipResponse? busy = null;
        try
        {
            // The first request parks the handler of the only shard; the rest pile up behind it, and the shard
            // answers those beyond a mailbox's worth itself.
            for (int i = 0; i < Requests; i++)
            {
                await client.SendAsync(Options(port, "overload-" + i.ToString(CultureInfo.InvariantCulture)), server);
            }

            while (busy is null)
            {
                busy = await NextAnswerAsync(client);
                answered++;
                busy = busy.StatusCode == 503 ? busy : null;
            }
        }
        finally
        {
            gate.Set();
        }

        Assert.Equal(5u, busy.RetryAfter!.Seconds);
        Assert.True(stack.RequestsRefusedOverload > 0);

        // Every request is answered exactly once, 200 or 503: none is lost in silence.
        while (answered < Requests)
        {
            int status = (await NextAnswerAsync(client)).StatusCode;
            Assert.True(status is 200 or 503, $"Unexpected {status}");
            answered++;
        }

        // With the backlog gone, the next caller is served again.
        Assert.Equal(200, await OptionsStatusAsync(server));
    }

    private static async Task<SipResponse> NextAnswerAsync(UdpClient client)
    {
        UdpReceiveResult answer = await client.ReceiveAsync().WaitAsync(s_timeout);
        Assert.True(SipMessageParser.TryParseResponse(answer.Buffer, out SipResponse? response, out _));
        return response!;
    }

    private sealed class GatedHandler(ManualResetEventSlim gate) : UasCore
    {
        protected override void HandleOutOfDialog(SipServerRequest request)
        {
            // Stalls the handler on purpose (off the shard, which carries on), to overload what waits for it.
            gate.Wait(s_timeout);
            base.HandleOutOfDialog(request);
        }
    }

    [Fact]
    public async Task AnAnsweredRequestKeepsItsDecodedHeadersForTheHandlerWhileWhatLingersKeepsNoneOfThem()
    {
        var handler = new CapturingHandler();
        await using var stack = new SipStack(Loopback(), handler);
        await stack.StartAsync();

        Assert.Equal(405, await InviteStatusAsync(Udp(stack)));
        await stack.WhenIdleAsync();

        // The INVITE transaction lingers in Completed (Timer H waits for the ACK) as its key, its 405 and its timers;
        // the request the handler holds is never changed, and keeps the From it decoded, the same object.
        Assert.Equal(1, stack.TransactionCount);
        SipServerRequest answered = Assert.Single(handler.Requests);
        Assert.Equal(TransactionState.Completed, answered.Transaction.State);
        Assert.Same(answered.Request, answered.Transaction.Request);
        Assert.True(answered.Request.HasDecodedHeaders);
        Assert.Same(handler.From, answered.Request.From);
        Assert.Equal("alice", ((SipUri)answered.Request.From.Uri).User);
    }

    private static async Task<int> InviteStatusAsync(IPEndPoint server) =>
        (await UdpPeer.AskAsync(server, "INVITE sip:s@127.0.0.1 SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 127.0.0.1:{{port}};branch=z9hG4bK{Guid.NewGuid():N};rport\r\n" +
            "Max-Forwards: 70\r\nTo: <sip:s@127.0.0.1>\r\nFrom: <sip:alice@127.0.0.1>;tag=1\r\n" +
            $"Call-ID: {Guid.NewGuid():N}\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1>\r\nContent-Length: 0\r\n\r\n", s_timeout)).StatusCode;

    private sealed class CapturingHandler : UasCore
    {
        public ConcurrentBag<SipServerRequest> Requests { get; } = [];

        /// <summary>The From the handler read, before it answered.</summary>
        public NameAddress? From { get; private set; }

        protected override void HandleOutOfDialog(SipServerRequest request)
        {
            From = request.Request.From;
            Requests.Add(request);
            base.HandleOutOfDialog(request);
        }
    }

    private sealed class RingingHandler : ISipRequestHandler
    {
        public ConcurrentBag<string> Invites { get; } = [];

        public ConcurrentBag<string> Cancels { get; } = [];

        public void OnRequest(SipServerRequest request)
        {
            Invites.Add(request.Request.CallId);
            request.Respond(180);
        }

        public void OnCancel(SipServerRequest invite)
        {
            Cancels.Add(invite.Request.CallId);
            invite.Respond(487);
        }
    }

    private sealed class ThrowingOnceHandler : UasCore
    {
        private int _calls;

        protected override void HandleOutOfDialog(SipServerRequest request)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                throw new InvalidOperationException("A handler bug.");
            }

            base.HandleOutOfDialog(request);
        }
    }
}
