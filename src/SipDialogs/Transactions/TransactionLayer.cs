using SipDialogs.Internal;
using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// The transaction layer (RFC 3261 §17): takes every received message from the transport, routes it to the shard of
/// its Call-ID, matches it to a transaction (§17.1.3, §17.2.3, with the RFC 2543 fallback) or makes one, and tells
/// the <see cref="ITransactionUser"/> what it must know. It also starts client transactions for the user and keeps
/// the live count of transactions per shard.
/// </summary>
/// <remarks>
/// Handling runs on the owning shard's thread, so the per-shard tables need no lock. A send that fails is reported to
/// its transaction through the shard's mailbox, never from inside the state machine that was sending.
/// </remarks>
internal sealed class TransactionLayer : IShardMessageHandler<InboundMessage>, ISipMessageSink
{
    private static readonly Action<object?> s_deliverTransportError = static state =>
    {
        var (transaction, error) = ((Transaction, SipTransportException))state!;
        transaction.OnTransportError(error);
    };

    private readonly string _retryAfterSeconds;
    private long _requestsRefusedOverload;
    private readonly ShardSet _shards;
    private readonly ISipTransportLayer _transport;
    private readonly ITransactionUser _user;
    private readonly TransactionTable[] _tables;
    private long _responsesWithoutTransaction;
    private long _requestsDropped;

    /// <summary>
    /// The product this end names in <c>Server</c> of its responses and <c>User-Agent</c> of its requests; null or empty
    /// for none. Set before the stack starts.
    /// </summary>
    public string? UserAgent { get; set; }

    /// <summary>Creates the layer over shards and a transport.</summary>
    /// <param name="shards">The shards that run it.</param>
    /// <param name="transport">Where messages go out.</param>
    /// <param name="user">What it tells about requests, responses and failures.</param>
    /// <param name="timers">T1, T2, T4 and the 100 Trying delay; the RFC's defaults when null.</param>
    /// <param name="loggerFactory">Where it logs; nowhere when null.</param>
    public TransactionLayer(ShardSet shards, ISipTransportLayer transport, ITransactionUser user, SipTimerOptions? timers = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(user);
        timers ??= SipTimerOptions.Default;
        timers.Validate();
        _shards = shards;
        _transport = transport;
        _user = user;
        TimerOptions = timers;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("SipDialogs.Transactions");
        Stateless = new StatelessResponder(transport, Logger);
        _retryAfterSeconds = ((long)shards.Options.OverloadRetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        _tables = new TransactionTable[shards.Count];
        for (int i = 0; i < _tables.Length; i++)
        {
            _tables[i] = new TransactionTable();
        }
    }

    /// <summary>The shards the layer runs on.</summary>
    public ShardSet Shards => _shards;

    /// <summary>The timer values in use.</summary>
    public SipTimerOptions TimerOptions { get; }

    /// <summary>Answers requests that need no transaction (RFC 3261 §8.2.7: 400, 481, 503 ...).</summary>
    public StatelessResponder Stateless { get; }

    /// <summary>The stack's instruments (messages sent, retransmissions), or null when none are kept.</summary>
    internal Diagnostics.SipDialogsMetrics? Metrics { get; set; }

    /// <summary>Live transactions over all shards.</summary>
    public int TransactionCount
    {
        get
        {
            int sum = 0;
            foreach (TransactionTable table in _tables)
            {
                sum += table.Count;
            }

            return sum;
        }
    }

    /// <summary>Responses that matched no transaction and were dropped (RFC 3261 §18.1.2; stray 2xx to INVITE go to the user instead).</summary>
    public long ResponsesWithoutTransaction => Volatile.Read(ref _responsesWithoutTransaction);

    /// <summary>Requests dropped because their top Via could not be read, so no response could be routed.</summary>
    public long RequestsDropped => Volatile.Read(ref _requestsDropped);

    internal ILogger Logger { get; }

    /// <summary>Live transactions on shard <paramref name="shard"/>.</summary>
    /// <param name="shard">The shard's index.</param>
    /// <returns>The count.</returns>
    public int GetTransactionCount(int shard) => _tables[shard].Count;

    /// <summary>
    /// Takes a message from the transport (its sink): posts it to the shard of its Call-ID without waiting; a full
    /// mailbox drops and counts it (see <see cref="Shard.MessagesDropped"/>). Any thread.
    /// </summary>
    /// <param name="message">The parsed message.</param>
    public void OnMessage(InboundMessage message)
    {
        if (_shards.TryPostMessage(message.Message.CallIdBytes, this, message))
        {
            return;
        }

        // Overload is answered, never silent: a request that finds its shard's mailbox full gets 503 with
        // Retry-After (RFC 3261 §21.5.4), statelessly, and is counted; ACKs and responses are only counted.
        if (message.Message is SipRequest request && request.Method != SipMethods.Ack)
        {
            Interlocked.Increment(ref _requestsRefusedOverload);
            SipMessageBuilder busy = ViaReceivedParameters.ResponseTo(message, 503)
                .Add(SipHeaderKind.RetryAfter, _retryAfterSeconds);
            Stateless.Respond(message, busy);
        }
    }

    /// <summary>Requests answered 503 because their shard's mailbox was full.</summary>
    public long RequestsRefusedOverload => Volatile.Read(ref _requestsRefusedOverload);

    /// <summary>
    /// Builds the top Via for a new request (RFC 3261 §8.1.1.7, §18.1.1, RFC 3581):
    /// <c>SIP/2.0/{transport} {local sent-by};branch=z9hG4bK…;rport</c>, over the transport the transport layer
    /// picks for the request's size. Any thread.
    /// </summary>
    /// <param name="target">The next hop.</param>
    /// <param name="messageBytes">The request's size without this Via (a UDP request near the MTU moves to TCP).</param>
    /// <returns>The Via value, its branch, and the target with the transport chosen: start the transaction with that target.</returns>
    /// <exception cref="SipTransportException">The stack does not listen on the chosen transport.</exception>
    public RequestVia CreateVia(SipEndPoint target, int messageBytes)
    {
        string branch = SipIds.NewBranch();
        SipTransportProtocol protocol = _transport.SelectRequestProtocol(target, messageBytes + 64 + branch.Length);
        SipEndPoint local = _transport.GetLocalEndPoint(protocol)
            ?? throw new SipTransportException(string.Create(CultureInfo.InvariantCulture, $"Not listening on {protocol}; cannot send to {target}."));
        string host = local.Address.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"[{local.Address.Address}]")
            : local.Address.Address.ToString();
        string value = string.Create(CultureInfo.InvariantCulture, $"SIP/2.0/{local.ViaTransport} {host}:{local.Address.Port};branch={branch};rport");
        return new RequestVia(value, branch, target with { Protocol = protocol });
    }

    /// <summary>
    /// Starts a client transaction for <paramref name="request"/> (RFC 3261 §17.1), which must carry its top Via with
    /// an RFC 3261 branch (see <see cref="CreateVia"/>): sends it and returns the transaction. Must run on the shard of
    /// the request's Call-ID (from a user callback, or through <see cref="StartRequestAsync"/>).
    /// </summary>
    /// <param name="request">The request; its bytes are sent as they are.</param>
    /// <param name="target">The next hop and transport.</param>
    /// <param name="owner">What hears the transaction's responses, set before the request leaves; null for none.</param>
    /// <returns>The transaction: an INVITE one for INVITE, a non-INVITE one otherwise.</returns>
    /// <exception cref="ArgumentException">The request is an ACK (never a transaction of its own, §17.1) or has no RFC 3261 branch.</exception>
    /// <exception cref="InvalidOperationException">Not on the owning shard, or a transaction with that branch and method exists.</exception>
    public ClientTransaction StartRequest(SipRequest request, SipEndPoint target, IClientTransactionOwner? owner = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        Shard shard = _shards.GetShard(request.CallIdBytes);
        if (!shard.IsCurrent)
        {
            throw new InvalidOperationException("A client transaction starts on the shard of its Call-ID; from elsewhere call StartRequestAsync.");
        }

        if (request.Method == SipMethods.Ack)
        {
            throw new ArgumentException("An ACK is never a transaction of its own (RFC 3261 §17.1); send an ACK for a 2xx with SendAckAsync.", nameof(request));
        }

        if (!TransactionKey.HasRfc3261Branch(request))
        {
            throw new ArgumentException("The request's top Via needs a branch starting z9hG4bK (RFC 3261 §8.1.1.7).", nameof(request));
        }

        // The CSeq method is what responses are matched by (§17.1.3); for a well-formed request it is the method.
        string method = request.CSeqMethod;
        int length = TransactionKey.ClientKeyLength(request.TopViaBranch, method);
        byte[] key = new byte[length];
        TransactionKey.WriteClientKey(request.TopViaBranch, method, key);
        ClientTransaction transaction = request.Method == SipMethods.Invite
            ? new ClientInviteTransaction(this, shard, request, target, key)
            : new ClientNonInviteTransaction(this, shard, request, target, key);
        if (!_tables[shard.Index].TryAdd(transaction))
        {
            throw new InvalidOperationException("A client transaction with this branch and method already exists (RFC 3261 §8.1.1.7: a branch is unique per request).");
        }

        transaction.Owner = owner;
        TransactionLog.Created(Logger, "client", request.Method, target.Protocol);
        transaction.Start();
        return transaction;
    }

    /// <summary>
    /// Starts a client transaction from any thread: posts to the shard of the request's Call-ID, completes once the
    /// request has been handed to the transport. Await <see cref="ClientTransaction.FinalResponse"/> for the answer.
    /// </summary>
    /// <param name="request">The request, with its top Via.</param>
    /// <param name="target">The next hop and transport.</param>
    /// <param name="cancellationToken">Ends the wait, not the transaction.</param>
    /// <returns>The transaction.</returns>
    public ValueTask<ClientTransaction> StartRequestAsync(SipRequest request, SipEndPoint target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _shards.GetShard(request.CallIdBytes).RunAsync(
            static s => s.Layer.StartRequest(s.Request, s.Target),
            (Layer: this, Request: request, Target: target),
            cancellationToken);
    }

    /// <summary>
    /// Sends an ACK for a 2xx, which belongs to no transaction (RFC 3261 §13.2.2.4, §17.1.1.3): straight to the
    /// transport. Any thread.
    /// </summary>
    /// <param name="ack">The ACK's bytes.</param>
    /// <param name="target">The next hop.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when sent.</returns>
    public ValueTask SendAckAsync(ReadOnlyMemory<byte> ack, SipEndPoint target, CancellationToken cancellationToken = default)
    {
        Metrics?.Sent(target.Protocol, SipMethods.Ack, response: false);
        return _transport.SendRequestAsync(ack, target, cancellationToken);
    }

    void IShardMessageHandler<InboundMessage>.OnShardMessage(Shard shard, InboundMessage message)
    {
        if (message.Message is SipRequest request)
        {
            HandleRequest(shard, message, request);
        }
        else
        {
            HandleResponse(shard, message, (SipResponse)message.Message);
        }
    }

    internal ArrayBufferWriter<byte> ScratchFor(Shard shard) => _tables[shard.Index].Scratch;

    /// <summary>A transaction has its final response: what lingers takes its place in the table.</summary>
    internal void Replace(Transaction transaction, Transaction lingering) =>
        _tables[transaction.Shard.Index].Replace(transaction, lingering);

    internal void Remove(Transaction transaction)
    {
        _tables[transaction.Shard.Index].Remove(transaction);
        TransactionLog.Terminated(Logger, transaction.IsClient ? "client" : "server", transaction.Method);
    }

    /// <summary>Sends a request for a transaction; a failure comes back to it through the shard's mailbox.</summary>
    internal void SendRequest(Transaction transaction, ReadOnlyMemory<byte> message, SipEndPoint target)
    {
        ValueTask sending;
        try
        {
            Metrics?.Sent(target.Protocol, transaction.Method, response: false);
            sending = _transport.SendRequestAsync(message, target, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ReportSendFailure(transaction, ex);
            return;
        }

        Observe(transaction, sending);
    }

    /// <summary>Sends a response for a server transaction along the route of its request (§18.2.2).</summary>
    internal void SendResponse(Transaction transaction, in ResponseRoute route, byte[] response)
    {
        ValueTask sending;
        try
        {
            Metrics?.Sent(route.Destination.Protocol, transaction.Method, response: true);
            sending = _transport.SendResponseAsync(response, route, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ReportSendFailure(transaction, ex);
            return;
        }

        Observe(transaction, sending);
    }

    /// <summary>A 100 Trying for a server INVITE transaction (§8.2.6.1: no To tag, Timestamp copied).</summary>
    internal byte[] MakeTrying(ServerTransaction transaction)
    {
        ArrayBufferWriter<byte> scratch = ScratchFor(transaction.Shard);
        scratch.ResetWrittenCount();
        SipMessageBuilder.ResponseTo(transaction.Request, 100).WriteTo(scratch);
        return scratch.WrittenSpan.ToArray();
    }

    /// <summary>A response made locally for a client transaction that got none (RFC 3261 §8.1.3.1: 408, 503).</summary>
    internal static SipResponse MakeLocalResponse(SipRequest request, int statusCode) =>
        (SipResponse)SipMessageBuilder.ResponseTo(request, statusCode).Build();

    internal void NotifyResponse(ClientTransaction transaction, SipResponse response, InboundMessage received)
    {
        try
        {
            _user.OnResponse(transaction, response, received);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            transaction.Shard.ReportFault(ex);
        }
    }

    /// <summary>A 2xx to INVITE that no transaction passes up as its own (RFC 6026 §7.2): the user's.</summary>
    internal void NotifyStrayResponse(Shard shard, InboundMessage response)
    {
        try
        {
            _user.OnStrayResponse(response);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            shard.ReportFault(ex);
        }
    }

    internal void NotifyAck(Shard shard, InboundMessage ack, Transaction? transaction)
    {
        try
        {
            _user.OnAck(ack, transaction);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            shard.ReportFault(ex);
        }
    }

    internal void NotifyTimeout(Transaction transaction)
    {
        TransactionLog.TimedOut(Logger, transaction.IsClient ? "client" : "server", transaction.Method, transaction.State);
        try
        {
            _user.OnTimeout(transaction);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            transaction.Shard.ReportFault(ex);
        }
    }

    internal void NotifyTransportError(Transaction transaction, SipTransportException error)
    {
        TransactionLog.TransportError(Logger, transaction.IsClient ? "client" : "server", transaction.Method, error);
        try
        {
            _user.OnTransportError(transaction, error);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            transaction.Shard.ReportFault(ex);
        }
    }

    internal void NotifyTerminated(Transaction transaction)
    {
        try
        {
            _user.OnTerminated(transaction);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            transaction.Shard.ReportFault(ex);
        }
    }

    private static void ReportSendFailure(Transaction transaction, Exception error)
    {
        SipTransportException failure = error as SipTransportException ?? new SipTransportException("The transport could not send the message.", error);

        // Through the mailbox, so the state machine that was sending is not re-entered halfway through a transition.
        transaction.Shard.Post(s_deliverTransportError, (transaction, failure));
    }

    private static void Observe(Transaction transaction, ValueTask sending)
    {
        if (CompletedSend.Pending(sending) is Task pending)
        {
            _ = ObserveAsync(transaction, pending);
        }
    }

    private static async Task ObserveAsync(Transaction transaction, Task sending)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ReportSendFailure(transaction, ex);
        }
    }

    private void HandleRequest(Shard shard, InboundMessage message, SipRequest request)
    {
        TransactionTable table = _tables[shard.Index];
        string method = request.Method;

        // §17.2.3: an ACK matches the INVITE transaction it acknowledges; CANCEL forms its own transaction (§9.2).
        string matchAs = method == SipMethods.Ack ? SipMethods.Invite : method;
        bool rfc3261 = TransactionKey.HasRfc3261Branch(request);
        Transaction? transaction = rfc3261 ? FindServer(table, request, matchAs) : FindRfc2543Server(table, request, matchAs);
        if (transaction is not null)
        {
            switch (transaction)
            {
                case LingeringServerTransaction lingering when method == SipMethods.Ack:
                    lingering.OnAck(message); // Absorbed unless in Accepted (RFC 6026 §7.1).
                    break;
                case LingeringServerTransaction lingering:
                    lingering.OnRetransmission();
                    break;
                case ServerTransaction live when method != SipMethods.Ack:
                    live.OnRetransmission();
                    break;

                    // An ACK before any final response matches nothing sent: absorbed.
            }

            return;
        }

        if (method == SipMethods.Ack)
        {
            NotifyAck(shard, message, null); // The ACK for a 2xx: a transaction of its own, the user's (§17.2.3).
            return;
        }

        ServerTransaction? created = CreateServer(shard, table, message, request, rfc3261);
        if (created is null)
        {
            return;
        }

        if (method == SipMethods.Cancel)
        {
            AnswerCancel(shard, table, (ServerNonInviteTransaction)created, message, request, rfc3261);
            return;
        }

        if (created is ServerInviteTransaction newInvite)
        {
            newInvite.Start();
        }

        try
        {
            _user.OnRequest(created);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            shard.ReportFault(ex);
        }
    }

    /// <summary>
    /// §9.2: a CANCEL that matches an INVITE server transaction is answered 200 (with the To tag the INVITE's responses
    /// use) and the user is told if the INVITE has no final response yet; one that matches nothing is answered 481.
    /// </summary>
    private void AnswerCancel(Shard shard, TransactionTable table, ServerNonInviteTransaction cancel, InboundMessage message, SipRequest request, bool rfc3261)
    {
        Transaction? target = rfc3261 ? FindServer(table, request, SipMethods.Invite) : FindRfc2543Server(table, request, SipMethods.Invite);
        if (target is LingeringServerTransaction { Method: SipMethods.Invite } answered)
        {
            // The INVITE has its final response: the CANCEL has no effect but its 200 (§9.2).
            cancel.Respond(SipMessageBuilder.ResponseTo(request, 200, toTag: request.ToTag.IsEmpty ? answered.CancelToTag : null));
        }
        else if (target is ServerInviteTransaction invite)
        {
            string? tag = request.ToTag.IsEmpty ? invite.LocalTag : null;
            cancel.Respond(SipMessageBuilder.ResponseTo(request, 200, toTag: tag));
            if (invite.IsCancellable)
            {
                invite.AcceptCancel();
                try
                {
                    _user.OnCancel(invite, message);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    shard.ReportFault(ex);
                }
            }
        }
        else
        {
            TransactionLog.CancelUnmatched(Logger);
            cancel.Respond(SipMessageBuilder.ResponseTo(request, 481));
        }
    }

    private ServerTransaction? CreateServer(Shard shard, TransactionTable table, InboundMessage message, SipRequest request, bool rfc3261)
    {
        if (!request.TryGetVia(out IReadOnlyList<ViaHeader>? vias, out _) || vias.Count == 0)
        {
            // Without a readable top Via no response can be routed (§18.2.2).
            Interlocked.Increment(ref _requestsDropped);
            TransactionLog.RequestDropped(Logger, request.Method);
            return null;
        }

        string method = request.Method;
        byte[] key;
        TransactionTableKind kind;
        if (rfc3261)
        {
            key = new byte[TransactionKey.ServerKeyLength(request, method)];
            int written = TransactionKey.WriteServerKey(request, method, key);
            if (written != key.Length)
            {
                key = key.AsSpan(0, written).ToArray();
            }

            kind = TransactionTableKind.Server;
        }
        else
        {
            byte[] buffer = new byte[TransactionKey.Rfc2543KeyLength(request, method)];
            key = buffer.AsSpan(0, TransactionKey.WriteRfc2543Key(request, method, buffer)).ToArray();
            kind = TransactionTableKind.Rfc2543Server;
        }

        ServerTransaction transaction = method == SipMethods.Invite
            ? new ServerInviteTransaction(this, shard, message, vias[0], key, kind)
            : new ServerNonInviteTransaction(this, shard, message, vias[0], key, kind);
        if (!table.TryAdd(transaction))
        {
            // Only an RFC 2543 request can get here: one that differs from a live transaction's only in its To tag.
            // It runs untracked (its retransmissions will not match it) rather than displace the other.
            TransactionLog.KeyTaken(Logger, method);
        }

        TransactionLog.Created(Logger, "server", method, message.Remote.Protocol);
        return transaction;
    }

    private void HandleResponse(Shard shard, InboundMessage message, SipResponse response)
    {
        ReadOnlySpan<byte> branch = response.TopViaBranch;
        string method = response.CSeqMethod;
        int length = TransactionKey.ClientKeyLength(branch, method);
        byte[]? rented = null;
        Span<byte> key = length <= TransactionKey.StackLimit ? stackalloc byte[TransactionKey.StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        length = TransactionKey.WriteClientKey(branch, method, key);
        Transaction? transaction = _tables[shard.Index].FindClient(key[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        switch (transaction)
        {
            case ClientTransaction live:
                live.OnResponse(response, message);
                return;
            case LingeringClientTransaction lingering:
                lingering.OnResponse(response, message);
                return;
        }

        if (response.IsSuccess && method == SipMethods.Invite)
        {
            // RFC 6026 §7.2: a 2xx to INVITE without a transaction is the user's (a dialog may need to ACK it).
            NotifyStrayResponse(shard, message);
            return;
        }

        Interlocked.Increment(ref _responsesWithoutTransaction);
        TransactionLog.ResponseWithoutTransaction(Logger, response.StatusCode, method);
    }

    private static Transaction? FindServer(TransactionTable table, SipRequest request, string matchAs)
    {
        int length = TransactionKey.ServerKeyLength(request, matchAs);
        byte[]? rented = null;
        Span<byte> key = length <= TransactionKey.StackLimit ? stackalloc byte[TransactionKey.StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        length = TransactionKey.WriteServerKey(request, matchAs, key);
        Transaction? transaction = table.FindServer(key[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return transaction;
    }

    /// <summary>
    /// The RFC 2543 fallback of §17.2.3: the key holds Call-ID, CSeq number, From tag, top Via and Request-URI; the
    /// To tag must equal the original request's (INVITE, CANCEL, other methods) or, for an ACK, the To tag of the final
    /// response the transaction sent.
    /// </summary>
    private static Transaction? FindRfc2543Server(TransactionTable table, SipRequest request, string matchAs)
    {
        int length = TransactionKey.Rfc2543KeyLength(request, matchAs);
        byte[]? rented = null;
        Span<byte> key = length <= TransactionKey.StackLimit ? stackalloc byte[TransactionKey.StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        length = TransactionKey.WriteRfc2543Key(request, matchAs, key);
        Transaction? transaction = table.FindRfc2543Server(key[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        if (transaction is null)
        {
            return null;
        }

        bool ack = request.Method == SipMethods.Ack;
        ReadOnlySpan<byte> expectedToTag = transaction switch
        {
            LingeringServerTransaction lingering => ack ? lingering.AckToTag : lingering.RequestToTag,
            ServerTransaction live when !ack => live.Request.ToTag,
            _ => default, // An ACK before the final response: no To tag of ours to carry yet.
        };
        return request.ToTag.SequenceEqual(expectedToTag) ? transaction : null;
    }
}
