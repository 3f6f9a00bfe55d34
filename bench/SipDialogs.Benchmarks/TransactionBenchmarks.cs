using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Benchmarks;

/// <summary>
/// The transaction layer's hot path on one shard: a server non-INVITE transaction made for a request, a
/// retransmission matched to it, a final response sent (to a transport that drops the bytes), and the transaction
/// terminated (at once over TCP; by Timer J over UDP, fired by advancing a manual clock at the end of each batch).
/// Every message is parsed from its bytes inside the measured loop, as the transport would; the baseline does only
/// that parsing, so the difference is the transaction layer's cost. A client non-INVITE transaction (start, response
/// matched, Timer K) and the same server work posted through the shard's mailbox complete the picture.
/// </summary>
[MemoryDiagnoser]
public class TransactionBenchmarks
{
    private const int Operations = 1000;

    private static readonly SipEndPoint s_local = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    private static readonly SipEndPoint s_peerUdp = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5070));
    private static readonly SipEndPoint s_peerTcp = new(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 5070));
    private static readonly SipEndPoint s_localTcp = new(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 5060));

    private readonly byte[][] _udpRequests = new byte[Operations][];
    private readonly byte[][] _tcpRequests = new byte[Operations][];
    private readonly SipRequest[] _clientRequests = new SipRequest[Operations];
    private readonly byte[][] _clientResponses = new byte[Operations][];
    private ManualClock _clock = null!;
    private ShardSet _shards = null!;
    private Shard _shard = null!;
    private TransactionLayer _layer = null!;
    private IShardMessageHandler<InboundMessage> _handler = null!;
    private BenchmarkUser _user = null!;
    private byte[] _ok = [];

    [GlobalSetup]
    public void Setup()
    {
        _clock = new ManualClock();
        _shards = new ShardSet(new ShardOptions { ShardCount = 1 }, _clock);
        _shard = _shards[0];
        _user = new BenchmarkUser();
        _layer = new TransactionLayer(_shards, new DroppingTransport(s_local, s_localTcp), _user);
        _handler = _layer;
        for (int i = 0; i < Operations; i++)
        {
            _udpRequests[i] = Request("UDP", i);
            _tcpRequests[i] = Request("TCP", i);
            RequestVia via = _layer.CreateVia(s_peerUdp, 400);
            _clientRequests[i] = (SipRequest)SipMessageBuilder.Request(SipMethods.Options, "sip:bob@127.0.0.1:5070")
                .Add(SipHeaderKind.Via, via.Value)
                .Add(SipHeaderKind.MaxForwards, "70")
                .Add(SipHeaderKind.From, "<sip:alice@example.com>;tag=a" + i)
                .Add(SipHeaderKind.To, "<sip:bob@example.com>")
                .Add(SipHeaderKind.CallId, "client-" + i)
                .Add(SipHeaderKind.CSeq, "1 OPTIONS")
                .Build();
            _clientResponses[i] = SipMessageBuilder.ResponseTo(_clientRequests[i], 200, toTag: "b" + i).ToArray();
        }

        _ok = SipMessageBuilder.ResponseTo((SipRequest)Received(_udpRequests[0], s_peerUdp, s_local, 0).Message, 200, toTag: "uas").ToArray();
        _user.Ok = _ok;
    }

    [GlobalCleanup]
    public void Cleanup() => _shards.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Only the parsing every other benchmark does: two requests per operation.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public Task<int> ParseOnly() => _shard.RunAsync(static b => b.Parse(), this).AsTask();

    /// <summary>Create, match a retransmission (absorbed in Trying), send 200, terminate at once (Timer J is 0).</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public Task<int> ServerNonInviteOverTcp() => _shard.RunAsync(static b => b.ServerOverTcp(), this).AsTask();

    /// <summary>Create and answer 200 from the user's handler, match a retransmission (200 resent), Timer J ends it.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public Task<int> ServerNonInviteOverUdp() => _shard.RunAsync(static b => b.ServerOverUdp(), this).AsTask();

    /// <summary>Start a client OPTIONS (sent, Timers E and F), match its 200 (Completed, Timer K), Timer K ends it.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public Task<int> ClientNonInviteOverUdp() => _shard.RunAsync(static b => b.ClientOverUdp(), this).AsTask();

    /// <summary>As <see cref="ServerNonInviteOverUdp"/>, but the messages are posted to the shard's mailbox from this thread.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public async Task<int> ServerNonInviteOverUdpThroughTheMailbox()
    {
        _user.RespondInline = true;
        for (int i = 0; i < Operations; i++)
        {
            _layer.OnMessage(Received(_udpRequests[i], s_peerUdp, s_local, 0));
            _layer.OnMessage(Received(_udpRequests[i], s_peerUdp, s_local, 0));
        }

        return await _shard.RunAsync(static b => b.EndByTimers(TimeSpan.FromSeconds(33)), this).ConfigureAwait(false);
    }

    private static byte[] Request(string transport, int i) => Encoding.ASCII.GetBytes(
        $"OPTIONS sip:bob@127.0.0.1:5060 SIP/2.0\r\n" +
        $"Via: SIP/2.0/{transport} 127.0.0.1:5070;branch=z9hG4bK{i:D6}bench;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: <sip:alice@example.com>;tag=f{i}\r\n" +
        "To: <sip:bob@example.com>\r\n" +
        $"Call-ID: bench-{i}@example.com\r\n" +
        "CSeq: 1 OPTIONS\r\n" +
        "Content-Length: 0\r\n\r\n");

    private static InboundMessage Received(byte[] bytes, SipEndPoint remote, SipEndPoint local, long connection)
    {
        _ = SipMessageParser.TryParse(bytes, out SipMessage? message, out _);
        return new InboundMessage(message!, remote, local, connection);
    }

    private int Parse()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            sum += Received(_udpRequests[i], s_peerUdp, s_local, 0).Message.HeaderCount;
            sum += Received(_udpRequests[i], s_peerUdp, s_local, 0).Message.HeaderCount;
        }

        return sum;
    }

    private int ServerOverTcp()
    {
        _user.RespondInline = false;
        for (int i = 0; i < Operations; i++)
        {
            _handler.OnShardMessage(_shard, Received(_tcpRequests[i], s_peerTcp, s_localTcp, 1));
            _handler.OnShardMessage(_shard, Received(_tcpRequests[i], s_peerTcp, s_localTcp, 1));
            _user.Last!.Respond(_ok);
        }

        return Check();
    }

    private int ServerOverUdp()
    {
        _user.RespondInline = true;
        for (int i = 0; i < Operations; i++)
        {
            _handler.OnShardMessage(_shard, Received(_udpRequests[i], s_peerUdp, s_local, 0));
            _handler.OnShardMessage(_shard, Received(_udpRequests[i], s_peerUdp, s_local, 0));
        }

        return EndByTimers(TimeSpan.FromSeconds(33));
    }

    private int ClientOverUdp()
    {
        for (int i = 0; i < Operations; i++)
        {
            _layer.StartRequest(_clientRequests[i], s_peerUdp);
            _handler.OnShardMessage(_shard, Received(_clientResponses[i], s_peerUdp, s_local, 0));
        }

        return EndByTimers(TimeSpan.FromSeconds(6));
    }

    private int EndByTimers(TimeSpan wait)
    {
        _clock.Advance(wait);
        _shard.Timers.AdvanceToNow();
        return Check();
    }

    private int Check()
    {
        if (_layer.TransactionCount != 0 || _shard.TimerCount != 0)
        {
            throw new InvalidOperationException($"{_layer.TransactionCount} transactions and {_shard.TimerCount} timers left.");
        }

        return _user.Terminated;
    }

    private sealed class BenchmarkUser : QuietTransactionUser
    {
        public byte[] Ok { get; set; } = [];

        public bool RespondInline { get; set; }

        public ServerTransaction? Last { get; private set; }

        public int Terminated { get; private set; }

        public override void OnRequest(ServerTransaction transaction)
        {
            Last = transaction;
            if (RespondInline)
            {
                transaction.Respond(Ok);
            }
        }

        public override void OnTerminated(Transaction transaction) => Terminated++;
    }
}
