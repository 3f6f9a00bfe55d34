using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Coyote.Tests.Transactions;

/// <summary>
/// The server side of the stack without its sockets, which Coyote cannot schedule: one shard on a clock that never
/// moves, the transaction layer and the dialog layer on it, over a wire that records what is sent. Received requests
/// are handed in as the transport would (<see cref="Receive"/>), and the transaction user hands them to application
/// code as the stack does: the request marked as handed out on the shard, a CANCEL through the shard's outbox.
/// </summary>
internal sealed class ServerHarness : ITransactionUser
{
    private static readonly SipEndPoint s_local = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    private static readonly SipEndPoint s_peer = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5070));

    private readonly TaskCompletionSource<SipServerRequest> _handedOut = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ServerHarness(bool calls = false)
    {
        Calls = calls;
        Shards = new ShardSet(new ShardOptions { ShardCount = 1, MailboxCapacity = 16 }, new FakeTimeProvider());
        Transactions = new TransactionLayer(Shards, Wire, this);
        Store = new ShardedDialogStore(Shards);
        Dialogs = new DialogLayer(Transactions, Wire, Store, new SessionTimerOptions(), static (_, _) => { }, NullLogger.Instance);
    }

    public ShardSet Shards { get; }

    public Wire Wire { get; } = new();

    public TransactionLayer Transactions { get; }

    public ShardedDialogStore Store { get; }

    public DialogLayer Dialogs { get; }

    /// <summary>Whether INVITEs become <see cref="IncomingCall"/>s, as an <see cref="IncomingCallUas"/> makes them.</summary>
    public bool Calls { get; }

    /// <summary>The first request, as the application was given it.</summary>
    public Task<SipServerRequest> HandedOut => _handedOut.Task;

    /// <summary>Hands a request to the transaction layer as the transport does: parsed, then posted to its shard.</summary>
    public void Receive(string text)
    {
        Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n")), out SipMessage? message, out _));
        Transactions.OnMessage(new InboundMessage(message!, s_peer, s_local, 0));
    }

    /// <summary>Closes the shard, and with it its outbox, once everything queued has run.</summary>
    public async Task DisposeAsync()
    {
        for (int i = 0; i < Shards.Count; i++)
        {
            await Shards[i].DisposeAsync();
        }
    }

    public static string Request(string method, string callId, string branch = "z9hG4bK-1", uint cseq = 1) =>
        $"""
        {method} sip:bob@127.0.0.1:5060 SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch};rport
        Max-Forwards: 70
        From: "Alice" <sip:alice@example.com>;tag=alice1
        To: <sip:bob@example.com>
        Call-ID: {callId}
        CSeq: {cseq} {method}
        Contact: <sip:alice@127.0.0.1:5070>
        Content-Length: 0


        """;

    private SipServerRequest? _invite;

    void ITransactionUser.OnRequest(ServerTransaction transaction)
    {
        // On the shard, as the stack does it: the request is the application's from the moment it is handed out.
        var request = new SipServerRequest(transaction);
        if (Calls && transaction.Method == SipMethods.Invite)
        {
            request.Call = Dialogs.CreateIncomingCall(transaction, request.Request);
            _invite = request;
        }

        _handedOut.TrySetResult(request);
    }

    void ITransactionUser.OnCancel(ServerInviteTransaction invite, InboundMessage cancel)
    {
        // Through the outbox, as the stack does, to the call; without a call, the stack's own answer.
        if (_invite is { Call: { } call } && _invite.Transaction == invite)
        {
            Assert.True(invite.Shard.Outbox.Post(static c => ((IncomingCall)c!).OnCancelled(), call));
            return;
        }

        invite.Respond(invite.CreateResponse(487));
    }

    void ITransactionUser.OnAck(InboundMessage ack, Transaction? transaction) => Dialogs.OnAck(ack);

    void ITransactionUser.OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received) =>
        DialogLayer.OnResponse(transaction, response, received);

    void ITransactionUser.OnStrayResponse(InboundMessage response)
    {
    }

    void ITransactionUser.OnTimeout(Transaction transaction) => DialogLayer.OnTimeout(transaction);

    void ITransactionUser.OnTransportError(Transaction transaction, SipTransportException error) => DialogLayer.OnTransportError(transaction);

    void ITransactionUser.OnTerminated(Transaction transaction) => DialogLayer.OnTerminated(transaction);
}
