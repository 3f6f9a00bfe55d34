using SipDialogs.Tests.Infrastructure;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

/// <summary>
/// A transaction layer over the real transport on loopback (UDP and TCP, port 0), its shards on a fake clock, and a
/// peer: a plain UDP socket playing the other user agent. Every send of the layer is recorded on its way to the
/// transport, with the fake time it happened at, so tests count retransmissions without waiting for absence.
/// </summary>
internal sealed class TransactionHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly RelaySink _relay;
    private readonly DateTimeOffset _start;

    private TransactionHarness(FakeTimeProvider time, ShardSet shards, SipTransportLayer transport, RelaySink relay, RecordingTransport wire, TransactionLayer layer, RecordingUser user, Socket peer)
    {
        Time = time;
        _start = time.GetUtcNow();
        Shards = shards;
        Transport = transport;
        _relay = relay;
        Wire = wire;
        Layer = layer;
        User = user;
        Peer = peer;
    }

    public FakeTimeProvider Time { get; }

    public ShardSet Shards { get; }

    public SipTransportLayer Transport { get; }

    public RecordingTransport Wire { get; }

    public TransactionLayer Layer { get; }

    public RecordingUser User { get; }

    /// <summary>The other user agent's UDP socket.</summary>
    public Socket Peer { get; }

    public IPEndPoint PeerAddress => (IPEndPoint)Peer.LocalEndPoint!;

    public SipEndPoint PeerUdp => new(SipTransportProtocol.Udp, PeerAddress);

    public SipEndPoint LocalUdp => Transport.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value;

    public SipEndPoint LocalTcp => Transport.GetLocalEndPoint(SipTransportProtocol.Tcp)!.Value;

    /// <summary>Fake time since the harness started.</summary>
    public TimeSpan Elapsed => Time.GetUtcNow() - _start;

    public static async Task<TransactionHarness> StartAsync(SipTimerOptions? timers = null, int shardCount = 2)
    {
        var time = new FakeTimeProvider();
        var shards = new ShardSet(new ShardOptions { ShardCount = shardCount }, time);
        var relay = new RelaySink();
        var transport = new SipTransportLayer(
            [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0)), new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 0))],
            new SipLimits(),
            relay,
            NullLoggerFactory.Instance);
        await transport.StartAsync(CancellationToken.None);
        var wire = new RecordingTransport(transport, time);
        var user = new RecordingUser();
        var layer = new TransactionLayer(shards, wire, user, timers ?? new SipTimerOptions());
        relay.Target = layer;
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new TransactionHarness(time, shards, transport, relay, wire, layer, user, peer);
    }

    /// <summary>Moves the fake clock and waits until every shard has run what the move made due.</summary>
    public async Task AdvanceAsync(TimeSpan delta)
    {
        Time.Advance(delta);
        await Shards.WhenIdleAsync().AsTask().WaitAsync(Timeout);
    }

    /// <summary>Moves the fake clock to <paramref name="elapsed"/> since the start.</summary>
    public Task AdvanceToAsync(TimeSpan elapsed) => AdvanceAsync(elapsed - Elapsed);

    /// <summary>Sends a datagram from the peer to the layer's UDP end point and waits until the layer has handled it.</summary>
    public async Task PeerSendAsync(string message)
    {
        await Peer.SendToAsync(Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")).AsMemory(), SocketFlags.None, LocalUdp.Address).AsTask().WaitAsync(Timeout);
        await HandledAsync();
    }

    /// <summary>Sends bytes from the peer to the layer's UDP end point and waits until the layer has handled them.</summary>
    public async Task PeerSendAsync(byte[] message)
    {
        await Peer.SendToAsync(message.AsMemory(), SocketFlags.None, LocalUdp.Address).AsTask().WaitAsync(Timeout);
        await HandledAsync();
    }

    /// <summary>Waits until the transport has handed the next message to the layer and its shard has run it.</summary>
    public async Task HandledAsync()
    {
        await _relay.NextAsync();
        await Shards.WhenIdleAsync().AsTask().WaitAsync(Timeout);
    }

    /// <summary>The next datagram the peer receives.</summary>
    public async Task<SipMessage> PeerReceiveAsync()
    {
        byte[] buffer = new byte[65_536];
        int received = await Peer.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Timeout);
        return SipMessageParser.Parse(Encoding.UTF8.GetString(buffer, 0, received));
    }

    /// <summary>An INVITE (or other request) as the peer would send it to the layer over UDP.</summary>
    public string PeerRequest(string method, string branch, string callId, string? toTag = null, uint cseq = 1, string? cseqMethod = null, string transport = "UDP", IPEndPoint? sentBy = null) =>
        $"""
        {method} sip:bob@{LocalUdp.Address} SIP/2.0
        Via: SIP/2.0/{transport} {sentBy ?? PeerAddress};branch={branch};rport
        Max-Forwards: 70
        From: <sip:alice@example.com>;tag=alice1
        To: <sip:bob@example.com>{(toTag is null ? string.Empty : ";tag=" + toTag)}
        Call-ID: {callId}
        CSeq: {cseq} {cseqMethod ?? method}
        Contact: <sip:alice@{PeerAddress}>
        Content-Length: 0


        """;

    /// <summary>A request made by the layer's user, with the top Via the layer makes for it.</summary>
    public SipRequest NewRequest(string method, SipEndPoint target, out SipEndPoint via, string? callId = null)
    {
        RequestVia top = Layer.CreateVia(target, 400);
        via = top.Target;
        SipRequest request = (SipRequest)SipMessageBuilder.Request(method, $"sip:bob@{target.Address}")
            .Add(SipHeaderKind.Via, top.Value)
            .Add(SipHeaderKind.MaxForwards, "70")
            .Add(SipHeaderKind.From, "<sip:alice@example.com>;tag=" + SipIds.NewTag())
            .Add(SipHeaderKind.To, "<sip:bob@example.com>")
            .Add(SipHeaderKind.CallId, callId ?? SipIds.NewCallId())
            .Add(SipHeaderKind.CSeq, "1 " + method)
            .Build();
        return request;
    }

    /// <summary>Starts a client transaction for a new <paramref name="method"/> request to the UDP peer and returns the copy the peer got.</summary>
    public async Task<(ClientTransaction Transaction, SipRequest Received)> StartOverUdpAsync(string method)
    {
        SipRequest request = NewRequest(method, PeerUdp, out SipEndPoint target);
        ClientTransaction transaction = await StartAsync(request, target);
        return (transaction, (SipRequest)await PeerReceiveAsync());
    }

    /// <summary>Starts a client transaction with an owner from the test thread (posted to its shard).</summary>
    public async Task<ClientTransaction> StartAsync(SipRequest request, SipEndPoint target, IClientTransactionOwner owner) =>
        await Layer.Shards.GetShard(request.CallIdBytes).RunAsync(
            static s => s.Layer.StartRequest(s.Request, s.Target, s.Owner),
            (Layer, Request: request, Target: target, Owner: owner)).AsTask().WaitAsync(Timeout);

    /// <summary>Starts a client transaction from the test thread (posted to its shard).</summary>
    public async Task<ClientTransaction> StartAsync(SipRequest request, SipEndPoint target) =>
        await Layer.StartRequestAsync(request, target).AsTask().WaitAsync(Timeout);

    /// <summary>Waits for state that becomes true promptly (a closed connection noticed), checking every millisecond.</summary>
    public static Task PollAsync(Func<bool> condition) => Poll.UntilAsync(condition, Timeout);

    /// <summary>Reads a transaction's state on its shard.</summary>
    /// <summary>
    /// What the layer reports after a server transaction's final response is what lingers in its place: the same key on
    /// the same shard, not the transaction object the application holds.
    /// </summary>
    public static void AssertLingers(ServerTransaction transaction, Transaction? reported)
    {
        LingeringServerTransaction lingering = Assert.IsType<LingeringServerTransaction>(reported);
        Assert.Same(transaction.Shard, lingering.Shard);
        Assert.Equal(transaction.Key, lingering.Key);
    }

    /// <summary>
    /// What the layer reports after a client transaction without an owner passed its final response up is what lingers
    /// in its place: the same key on the same shard, not the transaction object its awaiters hold.
    /// </summary>
    public static void AssertLingers(ClientTransaction transaction, Transaction? reported)
    {
        LingeringClientTransaction lingering = Assert.IsType<LingeringClientTransaction>(reported);
        Assert.Same(transaction.Shard, lingering.Shard);
        Assert.Equal(transaction.Key, lingering.Key);
    }

    public static async Task<TransactionState> StateOf(Transaction transaction) =>
        await transaction.Shard.RunAsync(static t => t.State, transaction).AsTask().WaitAsync(Timeout);

    public async ValueTask DisposeAsync()
    {
        Peer.Dispose();
        await Transport.DisposeAsync();
        await Shards.DisposeAsync();
    }

    /// <summary>Breaks the construction cycle (the transport needs its sink first) and tells tests when a message was handed on.</summary>
    private sealed class RelaySink : ISipMessageSink
    {
        private readonly Channel<InboundMessage> _handed = Channel.CreateUnbounded<InboundMessage>();

        public TransactionLayer? Target { get; set; }

        public void OnMessage(InboundMessage message)
        {
            Target!.OnMessage(message);
            _handed.Writer.TryWrite(message);
        }

        public async Task<InboundMessage> NextAsync() => await _handed.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
    }
}
