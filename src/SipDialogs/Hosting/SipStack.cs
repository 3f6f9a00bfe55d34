using SipDialogs.Auth;
using SipDialogs.Diagnostics;
using SipDialogs.Internal;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Hosting;

/// <summary>
/// A running SIP stack: transports (RFC 3261 §18), shards that own everything of a Call-ID, and the transaction
/// layer (§17) on them, delivering new requests to an <see cref="ISipRequestHandler"/>. Safe to call from any
/// thread; <see cref="DisposeAsync"/> is idempotent and leaves no socket, loop or timer behind.
/// </summary>
/// <remarks>
/// Application code never runs on a shard: the request handler, the calls of an <see cref="IncomingCallUas"/>, every
/// dialog event and every callback (<see cref="InviteOptions.DialogCreated"/>, the <c>prepare</c> of
/// <see cref="IncomingCall.AnswerAsync(string?, Action{Dialog}, string, CancellationToken)"/>) run on the thread
/// pool, in order per dialog and per Call-ID, while the shard carries on with other calls.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "A SIP stack is the protocol's own term (RFC 3261 §5); it is no collection.")]
public sealed class SipStack : IAsyncDisposable, ISipMessageSink, ITransactionUser
{
    private static readonly Action<object?> s_dispatchRequest = static state =>
    {
        var request = (SipServerRequest)state!;
        request.Stack!.DispatchRequest(request);
    };

    private static readonly Action<object?> s_dispatchCancel = static state =>
    {
        var request = (SipServerRequest)state!;
        request.Stack!.DispatchCancel(request);
    };

    private static readonly Action<object?> s_takeRefer = static state =>
    {
        var request = (SipServerRequest)state!;
        request.Stack!.DialogLayer.OnOutOfDialogRefer(request.Transaction);
    };

    private readonly SipStackOptions _options;
    private readonly ISipRequestHandler _handler;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ShardSet _shards;
    private readonly TransactionLayer _transactions;
    private readonly SipTransportLayer _transport;
    private readonly X509Certificate2? _certificate;
    private readonly DisposalLatch _disposal = new();
    private readonly string _retryAfterSeconds;
    private long _handlerFaults;
    private long _strayResponses;
    private long _refusedHandlerBusy;
    private int _draining;
    private readonly int _maxCalls;
    private long _refusedMaxCalls;

    /// <summary>Creates the stack; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The configuration; validated here.</param>
    /// <param name="handler">Receives new requests, off the shards; a <see cref="UasCore"/> (which answers OPTIONS and
    /// refuses the rest) when null.</param>
    /// <param name="loggerFactory">Where logs go; none when null.</param>
    /// <param name="timeProvider">The clock of every timer (tests advance a fake one); the system clock when null.</param>
    /// <param name="remoteCertificateValidation">Validates TLS peers' certificates; the system's rules when null.</param>
    /// <param name="dialogStore">Chooses the dialog store: given the in-memory one, returns it or a store that wraps it; the in-memory one when null.</param>
    /// <param name="meterFactory">Makes the meter <c>SipDialogs</c> the stack's instruments live on (calls, dialogs,
    /// transactions, messages, refusals, shards); no instruments when null.</param>
    /// <exception cref="InvalidOperationException">An option is invalid; the message names it.</exception>
    public SipStack(
        SipStackOptions options,
        ISipRequestHandler? handler = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        System.Net.Security.RemoteCertificateValidationCallback? remoteCertificateValidation = null,
        DialogStoreFactory? dialogStore = null,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _handler = handler ?? new UasCore();
        _retryAfterSeconds = ((long)options.Shards.OverloadRetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _maxCalls = options.Limits.MaxCalls;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<SipStack>();
        _certificate = string.IsNullOrEmpty(options.TlsCertificatePath)
            ? null
            : X509CertificateLoader.LoadPkcs12FromFile(options.TlsCertificatePath, options.TlsCertificatePassword);
        _shards = new ShardSet(options.Shards, timeProvider, _loggerFactory);
        _transport = new SipTransportLayer(
            options.GetListenEndPoints(), options.Limits, this, _loggerFactory, timeProvider, _certificate, remoteCertificateValidation);
        _transactions = new TransactionLayer(_shards, _transport, this, options.Timers, _loggerFactory) { UserAgent = options.UserAgent };
        var inMemory = new ShardedDialogStore(_shards);
        Dialogs = dialogStore is null ? inMemory : dialogStore(inMemory) ?? throw new InvalidOperationException("The dialog store factory returned no store.");
        DialogLayer = new DialogLayer(_transactions, _transport, Dialogs, options.SessionTimers, (_, _) => Interlocked.Increment(ref _handlerFaults), _logger)
        {
            Transfers = options.Transfers,
            Advertised = options.GetAdvertisedEndPoints(),
        };
        DialogLayer.Unmatched = DispatchOutsideDialog;
        if (options.GetNameServers() is { Count: > 0 } nameServers)
        {
            var locator = new Dns.SipServerLocatorOptions();
            foreach (System.Net.IPEndPoint server in nameServers)
            {
                locator.NameServers.Add(server);
            }

            DialogLayer.Locator = new Dns.SipServerLocator(locator, _shards.TimeProvider, System.Security.Cryptography.RandomNumberGenerator.GetInt32);
        }
        if (meterFactory is not null)
        {
            Metrics = new SipDialogsMetrics(meterFactory, new SipDialogsMetrics.MetricSources(
                () => TransactionCount,
                () => SubscriptionCount,
                () => HandlerFaults,
                () => RequestsRefusedOverload,
                () => MessagesDropped,
                () => _transport.Counters,
                _shards.Count,
                index => _shards[index].QueueLength,
                index => _shards[index].BusyTicks,
                index => _shards[index].Turns,
                () => IsDraining,
                options.MetricsMode));
            _transactions.Metrics = Metrics;
            DialogLayer.Metrics = Metrics;
        }
    }

    /// <summary>The end points actually listened on (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<SipEndPoint> LocalEndPoints
    {
        get
        {
            var result = new List<SipEndPoint>(3);
            foreach (SipTransportProtocol protocol in (ReadOnlySpan<SipTransportProtocol>)[SipTransportProtocol.Udp, SipTransportProtocol.Tcp, SipTransportProtocol.Tls])
            {
                if (_transport.GetLocalEndPoint(protocol) is SipEndPoint endPoint)
                {
                    result.Add(endPoint);
                }
            }

            return result;
        }
    }

    /// <summary>Live dialogs over all shards (the leak figure reads it).</summary>
    public int DialogCount => Dialogs.Count;

    /// <summary>Live transactions over all shards (the leak figure reads it).</summary>
    public int TransactionCount => _transactions.TransactionCount;

    /// <summary>Live timers over all shards.</summary>
    public int TimerCount => _shards.TimerCount;

    /// <summary>How many times a request handler threw.</summary>
    public long HandlerFaults => Volatile.Read(ref _handlerFaults) + _shards.HandlerFaults;

    /// <summary>New calls answered 503 because <see cref="SipLimits.MaxCalls"/> calls were up.</summary>
    public long RefusedForMaxCalls => Volatile.Read(ref _refusedMaxCalls);

    /// <summary>Responses that matched no transaction (RFC 3261 §18.1.2: dropped).</summary>
    public long StrayResponses => Volatile.Read(ref _strayResponses) + _transactions.ResponsesWithoutTransaction;

    /// <summary>
    /// Requests answered 503 with Retry-After because their shard's mailbox was full, or because as many requests as
    /// the mailbox holds were still waiting for the request handler.
    /// </summary>
    public long RequestsRefusedOverload => _transactions.RequestsRefusedOverload + Volatile.Read(ref _refusedHandlerBusy);

    /// <summary>Messages dropped because a shard's mailbox was full.</summary>
    public long MessagesDropped => _shards.MessagesDropped;

    /// <summary>
    /// True once <see cref="Drain"/> was called: the stack takes no new calls, and everything inside its dialogs carries on.
    /// </summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    internal SipTransportLayer Transport => _transport;

    /// <summary>The stack's instruments, or null when it was made without a meter factory.</summary>
    internal SipDialogsMetrics? Metrics { get; }

    internal TransactionLayer Transactions => _transactions;

    internal IDialogStore Dialogs { get; }

    internal DialogLayer DialogLayer { get; }

    /// <summary>Binds the listen end points and starts receiving.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when every end point listens.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposal.IsStarted, this);
        await _transport.StartAsync(cancellationToken).ConfigureAwait(false);
        foreach (SipEndPoint endPoint in LocalEndPoints)
        {
            HostingLog.Listening(_logger, endPoint.ToString());
        }
    }

    /// <summary>
    /// Sends a request outside any dialog in a client transaction (RFC 3261 §17.1) and returns its final response.
    /// The stack adds the top Via (sent-by, a fresh branch, rport; §8.1.1.7, §18.1.1, RFC 3581).
    /// </summary>
    /// <param name="request">The request without Via; it must carry To, From, Call-ID, CSeq, Max-Forwards.</param>
    /// <param name="target">The next hop.</param>
    /// <param name="cancellationToken">Ends the wait, not the transaction.</param>
    /// <returns>The final response; a 408 made locally on timeout (§8.1.3.1) and 503 on transport failure (§8.1.3.1).</returns>
    public async Task<SipResponse> SendRequestAsync(SipMessageBuilder request, SipEndPoint target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposal.IsStarted, this);
        // The size decides UDP or TCP (RFC 3261 §18.1.1); the Via is added to it by CreateVia.
        RequestVia via = _transactions.CreateVia(target, request.ToArray().Length);
        request.InsertFirst(SipHeaderKind.Via, via.Value);
        var message = (SipRequest)request.Build();
        ClientTransaction transaction = await _transactions.StartRequestAsync(message, via.Target, cancellationToken).ConfigureAwait(false);
        return await transaction.FinalResponse.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Places a call (RFC 3261 §13.2): sends an INVITE to <paramref name="target"/> and returns the call once the INVITE
    /// is on its way. Its <see cref="OutgoingCall.Progress"/> gives the provisional responses and
    /// <see cref="OutgoingCall.Answered"/> the confirmed dialog.
    /// </summary>
    /// <param name="target">The Request-URI, e.g. <c>sip:bob@192.0.2.4:5060</c> or <c>sip:bob@example.com</c>: a host name (or
    /// that of the first of <see cref="InviteOptions.Routes"/>) is located by RFC 3263 (NAPTR, SRV, A/AAAA) off the shards,
    /// with <see cref="SipStackOptions.NameServers"/>; the next address is tried after a 503, Timer B or a transport error
    /// from one that sent nothing but 100. <see cref="InviteOptions.NextHop"/> names the first hop instead.</param>
    /// <param name="options">From, To, the offer, extra headers; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the call while it has no final response (CANCEL, RFC 3261 §9.1).</param>
    /// <returns>The call.</returns>
    /// <exception cref="ArgumentException">The target is no SIP URI, or names a host this stack cannot resolve.</exception>
    /// <exception cref="SipTransportException">The stack does not listen on the transport the target needs.</exception>
    public async Task<OutgoingCall> InviteAsync(string target, InviteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ObjectDisposedException.ThrowIf(_disposal.IsStarted, this);
        cancellationToken.ThrowIfCancellationRequested();
        return await DialogLayer.InviteAsync(target, options ?? new InviteOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Challenges the requests it guards outside dialogs (RFC 3261 §22.2) before the stack or the handler takes them: a
    /// new INVITE, OPTIONS or SUBSCRIBE reaches the <see cref="ISipRequestHandler"/>, and a REFER outside a dialog the
    /// stack's own notifier (RFC 3515 §4.1, <see cref="ReferReceived"/>), only with right credentials; the gate answers
    /// the others 401, 403 or 400. Checked off the shards, in order with a Call-ID's other requests. Null: none is challenged.
    /// </summary>
    public DigestGate? Gate { get; init; }

    /// <summary>
    /// Raised for a REFER (RFC 3515) received outside any dialog, or in a dialog without its own
    /// <see cref="Dialog.ReferReceived"/> handler: on the thread pool, never on a shard. Without any handler,
    /// <see cref="TransferOptions.AcceptReferrals"/> decides.
    /// </summary>
    public event EventHandler<ReferReceivedEventArgs>? ReferReceived
    {
        add => DialogLayer.ReferReceived += value;
        remove => DialogLayer.ReferReceived -= value;
    }

    /// <summary>The live REFER subscriptions, sent and received (0 once every transfer has ended).</summary>
    public int SubscriptionCount => DialogLayer.SubscriptionCount;

    /// <summary>
    /// Sends a REFER outside any dialog (RFC 3515 §4.1): asks <paramref name="target"/> to send a request to
    /// <paramref name="referTo"/>. The 202 makes a dialog that lasts as long as the subscription.
    /// </summary>
    /// <param name="target">Where the REFER goes (Request-URI and To), a SIP URI with an IP address unless
    /// <see cref="ReferOptions.NextHop"/> is given.</param>
    /// <param name="referTo">The Refer-To URI.</param>
    /// <param name="options">From, Referred-By, norefersub, extra headers (e.g. Target-Dialog, RFC 4538); defaults when null.</param>
    /// <param name="cancellationToken">Ends the wait for the REFER to leave, not the transfer.</param>
    /// <returns>The transfer.</returns>
    /// <exception cref="ArgumentException">A URI is not a SIP URI, or the target names a host this stack cannot resolve.</exception>
    /// <exception cref="SipTransportException">The stack does not listen on the transport the target needs.</exception>
    public async Task<Transfer> ReferAsync(string target, string referTo, ReferOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentException.ThrowIfNullOrEmpty(referTo);
        ObjectDisposedException.ThrowIf(_disposal.IsStarted, this);
        if (!AddrSpec.TryParse(referTo, out AddrSpec? referToUri, out _) || referToUri is not SipUri)
        {
            throw new ArgumentException($"'{referTo}' is not a SIP or SIPS URI.", nameof(referTo));
        }

        options ??= new ReferOptions();
        SipEndPoint nextHop = options.NextHop
            ?? (SipTargets.TryResolve(target, out SipEndPoint resolved)
                ? resolved
                : throw new ArgumentException($"'{target}' is not a SIP URI with an IP address; give ReferOptions.NextHop.", nameof(target)));
        RequestVia via = _transactions.CreateVia(nextHop, 1024);
        SipEndPoint local = _transport.GetLocalEndPoint(via.Target.Protocol)
            ?? throw new SipTransportException($"Not listening on {via.Target.Protocol}.");
        string contact = DialogLayer.LocalContact(local);
        string from = options.From ?? contact;
        SipMessageBuilder refer = SipMessageBuilder.Request(SipMethods.Refer, target)
            .Add(SipHeaderKind.Via, via.Value)
            .Add(SipHeaderKind.MaxForwards, "70")
            .Add(SipHeaderKind.From, from + ";tag=" + SipIds.NewTag())
            .Add(SipHeaderKind.To, "<" + target + ">")
            .Add(SipHeaderKind.CallId, SipIds.NewCallId())
            .Add(SipHeaderKind.CSeq, "1 REFER");
        DialogLayer.AddReferHeaders(refer, referToUri.ToString(), options, options.ReferredBy ?? from, contact);
        var request = (SipRequest)refer.Build();
        Shard shard = _shards.GetShard(request.CallIdBytes);
        return await shard.RunAsync(
            static s => s.layer.StartOutOfDialogRefer(s.shard, s.request, s.referTo, s.subscribe, s.target),
            (layer: DialogLayer, shard, request, referTo: referToUri.ToString(), subscribe: options.Subscribe, target: via.Target),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first dialog of a Call-ID held by this stack, or null (tests and diagnostics). Any thread.</summary>
    internal async ValueTask<Dialog?> FindDialogAsync(string callId, CancellationToken cancellationToken = default)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(callId);
        return await _shards.GetShard(bytes).RunAsync(
            static s =>
            {
                var found = new List<Dialog>(1);
                return s.Dialogs.GetByCallId(s.bytes, found) > 0 ? found[0] : null;
            },
            (Dialogs, bytes),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts and logs a fault of an application's handler that ran outside the stack's own dispatch.</summary>
    internal void ReportHandlerFault(string method, Exception exception)
    {
        Interlocked.Increment(ref _handlerFaults);
        HostingLog.HandlerFault(_logger, method, exception);
    }

    /// <summary>
    /// Takes the stack out of service without ending a call: from now on OPTIONS outside a dialog (a balancer's probe)
    /// and new INVITEs outside a dialog are answered 503 with Retry-After (RFC 3261 §21.5.4), so that a balancer
    /// sends new calls elsewhere, while every request inside an existing dialog, and every call already being set up,
    /// carries on. Idempotent and thread-safe; there is no way back (a drained node is stopped).
    /// </summary>
    public void Drain()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 0)
        {
            HostingLog.Draining(_logger);
        }
    }

    /// <summary>
    /// Completes once every shard has run one item posted to it now: the shards turn (a liveness probe). A shard stuck
    /// in one turn, or a stopped stack, keeps it from completing; the caller bounds the wait with its token.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that completes when every shard has turned.</returns>
    public async Task PingShardsAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposal.IsStarted, this);
        for (int i = 0; i < _shards.Count; i++)
        {
            await _shards[i].RunAsync(static _ => true, 0, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every shard has processed what was posted to it so far (tests use it).</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that completes when the shards are idle.</returns>
    internal ValueTask WhenIdleAsync(CancellationToken cancellationToken = default) => _shards.WhenIdleAsync(cancellationToken);

    /// <summary>Stops receiving, ends the shards and their timers, closes every socket. Idempotent and thread-safe.</summary>
    /// <returns>A task that completes when nothing of the stack runs any more.</returns>
    public ValueTask DisposeAsync() => _disposal.RunOnceAsync(static stack => stack.DisposeCoreAsync(), this);

    /// <summary>Sees every message received, before the shards do (tests that assert a call flow step by step).</summary>
    internal Action<InboundMessage>? Inbound { get; set; }

    void ISipMessageSink.OnMessage(InboundMessage message)
    {
        Inbound?.Invoke(message);
        Metrics?.Received(message.Remote.Protocol, message.Message);
        _transactions.OnMessage(message);
    }

    void ITransactionUser.OnRequest(ServerTransaction transaction)
    {
        if (!DialogLayer.TryHandleInDialog(transaction))
        {
            DispatchOutsideDialog(transaction);
        }
    }

    /// <summary>
    /// Takes a confirmed dialog off this stack, as a value another stack imports to carry the call on
    /// (<see cref="ImportDialogAsync"/>). The store is told (<see cref="DialogChange.Exported"/>), the dialog leaves it, its
    /// timers stop and its subscriptions end here without NOTIFY; nothing more is sent for it from this stack, not even a
    /// BYE on dispose, and a request for it that still arrives here gets 481 (or what the store's miss path finds).
    /// </summary>
    /// <param name="dialog">A dialog of this stack.</param>
    /// <param name="cancellationToken">Ends the wait, not the export.</param>
    /// <returns>The dialog's state.</returns>
    /// <exception cref="ArgumentException">The dialog belongs to another stack.</exception>
    /// <exception cref="InvalidOperationException">The dialog is not confirmed, or waits for an ACK or for the answer to an offer.</exception>
    public async Task<DialogSnapshot> ExportDialogAsync(Dialog dialog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        if (dialog.Shard is not { } shard || !ReferenceEquals(dialog.Layer, DialogLayer))
        {
            throw new ArgumentException("The dialog does not belong to this stack.", nameof(dialog));
        }

        return await shard.RunAsync(static d => d.Export(), dialog, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Holds a named Digest client for the dialogs this stack imports: a snapshot names the client its dialog answered
    /// challenges with (<see cref="DialogSnapshot.DigestClientName"/>), never its password, and the imported dialog
    /// answers with the client of that name held here. Give every node of a cluster a client of the same name with the
    /// same credentials. A later client of the same name replaces the earlier one. Any thread.
    /// </summary>
    /// <param name="client">A client with a <see cref="Auth.DigestClient.Name"/>.</param>
    /// <exception cref="ArgumentException">The client has no name.</exception>
    public void AddDigestClient(Auth.DigestClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrEmpty(client.Name))
        {
            throw new ArgumentException("Only a named Digest client (DigestClient.Name) can be found by the dialogs imported.", nameof(client));
        }

        DialogLayer.DigestClients[client.Name] = client;
    }

    /// <summary>
    /// Carries on a dialog exported from another stack (or read back from a store): it joins this stack's store on the
    /// shard of its Call-ID with its sequence numbers, route set, target, offer/answer and session timer as they were and
    /// its subscriptions live, so the peer's next in-dialog request is answered here, and this stack's own requests take
    /// the next local CSeq. Its Contact becomes this stack's own.
    /// </summary>
    /// <param name="snapshot">The dialog's state.</param>
    /// <param name="cancellationToken">Ends the wait, not the import.</param>
    /// <returns>The running dialog.</returns>
    /// <exception cref="InvalidOperationException">The stack is not started, a dialog with the same identifier is held here,
    /// or no transport of this stack serves the dialog's peer.</exception>
    public async Task<Dialog> ImportDialogAsync(DialogSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Shard shard = _shards[_shards.GetShardIndex(snapshot.Id.CallIdHash)];
        return await shard.RunAsync(
            static s => s.Layer.Import(s.Snapshot, s.Shard, DialogChange.Imported),
            (Layer: DialogLayer, Snapshot: snapshot, Shard: shard),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops a dialog that another node carries on now (a replicating store found that its copy was claimed, RFC 3261
    /// §12 aside): the store is told (<see cref="DialogChange.Exported"/>) and the dialog leaves it, whatever it was
    /// waiting for; its timers stop, its subscriptions end here without NOTIFY, and nothing more is ever sent for it from
    /// this stack.
    /// </summary>
    /// <param name="id">The dialog's identifier as this stack sees it.</param>
    /// <param name="cancellationToken">Ends the wait, not the drop.</param>
    /// <returns>Whether this stack held the dialog.</returns>
    public async Task<bool> ForgetDialogAsync(DialogId id, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposal.IsStarted, this);
        Shard shard = _shards[_shards.GetShardIndex(id.CallIdHash)];
        return await shard.RunAsync(
            static s =>
            {
                if (!s.Dialogs.TryGet(s.id, out Dialog? dialog))
                {
                    return false;
                }

                dialog.Forget();
                return true;
            },
            (Dialogs, id),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A request no dialog took: REFER outside a dialog, an early NOTIFY, or the application's handler.</summary>
    private void DispatchOutsideDialog(ServerTransaction transaction)
    {
        if (transaction.Method == SipMethods.Refer && transaction.Request.ToTag.IsEmpty)
        {
            if (Gate is { } gate && gate.Guards(transaction.Request))
            {
                // Off the shard to the gate, and back here only with right credentials (DispatchRequest).
                PostToApplication(new SipServerRequest(transaction, this));
                return;
            }

            DialogLayer.OnOutOfDialogRefer(transaction); // RFC 3515 §4.1: the stack is the notifier of any REFER it accepts.
            return;
        }

        if (DialogLayer.TryHandleEarlyNotify(transaction))
        {
            return;
        }

        if (transaction.Method == SipMethods.Invite && transaction.Request.ToTag.IsEmpty && DialogLayer.IsLateRetransmission(transaction.Request))
        {
            // The INVITE that made one of our dialogs, again, after its transaction ended (a peer with a longer T1
            // than ours): it must not make a second dialog. RFC 3261 §8.2.2.2 answers a merged request 482.
            transaction.Respond(transaction.CreateResponse(482, "Merged Request"));
            return;
        }

        if (Volatile.Read(ref _draining) != 0 && transaction.Request.ToTag.IsEmpty
            && (transaction.Method == SipMethods.Invite || transaction.Method == SipMethods.Options))
        {
            // Drain: a balancer probing with OPTIONS marks the node down, and a new call is sent elsewhere.
            Metrics?.RefusedForDrain();
            transaction.Respond(transaction.CreateResponse(503).Add(SipHeaderKind.RetryAfter, _retryAfterSeconds));
            return;
        }

        if (_maxCalls > 0 && transaction.Method == SipMethods.Invite && transaction.Request.ToTag.IsEmpty && Dialogs.Count >= _maxCalls)
        {
            // As many calls as allowed are up: a new one is refused, and answered, never dropped (RFC 3261 §21.5.4).
            Interlocked.Increment(ref _refusedMaxCalls);
            Metrics?.RefusedForCapacity();
            transaction.Respond(transaction.CreateResponse(503, "Too Many Calls").Add(SipHeaderKind.RetryAfter, _retryAfterSeconds));
            return;
        }

        // Off the shard, in order with the shard's other requests. An INVITE's transaction keeps the object the
        // handler gets until its final response, so that its CANCEL reaches the same one.
        var request = new SipServerRequest(transaction, this);
        if (transaction.Method == SipMethods.Invite)
        {
            transaction.Owner = request;
            if (transaction.Request.ToTag.IsEmpty)
            {
                Metrics?.CallStarted();
            }
        }

        PostToApplication(request);
    }

    /// <summary>Hands a new request to the gate and the handler, off the shard, in order with the shard's other requests. On the shard.</summary>
    private void PostToApplication(SipServerRequest request)
    {
        ServerTransaction transaction = request.Transaction;
        if (!transaction.Shard.Outbox.TryPostNew(s_dispatchRequest, request))
        {
            // The application is behind by a whole mailbox: shed load as a full mailbox does (RFC 3261 §21.5.4).
            Interlocked.Increment(ref _refusedHandlerBusy);
            transaction.Respond(transaction.CreateResponse(503).Add(SipHeaderKind.RetryAfter, _retryAfterSeconds));
        }
    }

    /// <summary>Passes a new request through the gate, when it guards it, to the handler. Off the shard, in the shard's outbox.</summary>
    private void DispatchRequest(SipServerRequest request)
    {
        if (Gate is { } gate && gate.Guards(request.Request))
        {
            // A secret store that answers at once keeps the order of the shard's requests; one that answers later
            // passes the request on when it does.
            ValueTask<DigestVerdict> verdict = gate.AuthorizeAsync(request);
            if (!verdict.IsCompletedSuccessfully)
            {
                _ = PassWhenAuthorizedAsync(verdict, request);
                return;
            }

            if (verdict.Result.Outcome != DigestOutcome.Authenticated)
            {
                return;
            }
        }

        PassAuthorized(request);
    }

    /// <summary>A request of a secret store that answered later: passed on then, or answered 500 if the store failed.</summary>
    private async Task PassWhenAuthorizedAsync(ValueTask<DigestVerdict> pending, SipServerRequest request)
    {
        try
        {
            if ((await pending.ConfigureAwait(false)).Outcome == DigestOutcome.Authenticated)
            {
                PassAuthorized(request);
            }
        }
#pragma warning disable CA1031 // As for a handler: logged, counted, answered, never thrown into the pool.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            AnswerFault(request, exception);
        }
    }

    /// <summary>A request the gate let through, or did not guard: a REFER outside a dialog back to its shard, the rest to the handler.</summary>
    private void PassAuthorized(SipServerRequest request)
    {
        if (request.Request.Method == SipMethods.Refer && request.Request.ToTag.IsEmpty)
        {
            _ = request.Transaction.Shard.Post(s_takeRefer, request); // False only when the stack stops: nothing to answer then.
            return;
        }

        try
        {
            _handler.OnRequest(request);
        }
#pragma warning disable CA1031 // A handler's fault must never reach the stack: it is logged, counted, answered.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            AnswerFault(request, exception);
        }
    }

    /// <summary>The gate's store or the handler threw for a new request: logged, counted, and answered 500 unless it was answered.</summary>
    private void AnswerFault(SipServerRequest request, Exception exception)
    {
        ReportHandlerFault(request.Request.Method, exception);
        if (!request.HasFinalResponse)
        {
            request.Respond(500);
        }
    }

    /// <summary>Tells the call or the handler of a CANCEL. Off the shard, in the shard's outbox, after the INVITE's own call.</summary>
    private void DispatchCancel(SipServerRequest invite)
    {
        if (invite.Call is { } call)
        {
            call.OnCancelled();
            return;
        }

        try
        {
            _handler.OnCancel(invite);
        }
#pragma warning disable CA1031 // As for OnRequest.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            ReportHandlerFault(SipMethods.Cancel, exception);
            if (!invite.HasFinalResponse)
            {
                invite.Respond(487);
            }
        }
    }

    void ITransactionUser.OnAck(InboundMessage ack, Transaction? transaction)
    {
        // ACKs for 2xx belong to the dialog layer (RFC 3261 §13.3.1.4).
        DialogLayer.OnAck(ack);
    }

    void ITransactionUser.OnCancel(ServerInviteTransaction invite, InboundMessage cancel)
    {
        // The INVITE's own request object (its owner) when the handler had it; a re-INVITE of a dialog gets one now.
        if (invite.Owner is { } owner)
        {
            owner.OnCancelled(invite);
        }
        else
        {
            PostCancel(new SipServerRequest(invite, this));
        }
    }

    /// <summary>Hands a CANCEL of <paramref name="invite"/> to the call or the handler, off the shard. On the shard.</summary>
    internal static void PostCancel(SipServerRequest invite)
    {
        if (!invite.Transaction.Shard.Outbox.Post(s_dispatchCancel, invite))
        {
            invite.Transaction.Respond(invite.Transaction.CreateResponse(487)); // The stack is stopping: RFC 3261 §9.2 all the same.
        }
    }

    void ITransactionUser.OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received) =>
        DialogLayer.OnResponse(transaction, response, received); // SendRequestAsync awaits transaction.FinalResponse.

    void ITransactionUser.OnStrayResponse(InboundMessage response)
    {
        if (!DialogLayer.OnStrayResponse(response))
        {
            Interlocked.Increment(ref _strayResponses);
        }
    }

    void ITransactionUser.OnTimeout(Transaction transaction)
    {
        HostingLog.TransactionTimeout(_logger, transaction.Method);
        Metrics?.TimedOut(transaction switch
        {
            ClientInviteTransaction => 0, // Timer B
            ClientTransaction => 1, // Timer F
            _ => 2, // Timer H: no ACK for a non-2xx final response.
        });
        DialogLayer.OnTimeout(transaction);
    }

    void ITransactionUser.OnTransportError(Transaction transaction, SipTransportException error)
    {
        HostingLog.TransportError(_logger, transaction.Method, error.Message);
        DialogLayer.OnTransportError(transaction);
    }

    void ITransactionUser.OnTerminated(Transaction transaction) => DialogLayer.OnTerminated(transaction);

    private async Task DisposeCoreAsync()
    {
        HostingLog.Stopping(_logger);
        await _transport.DisposeAsync().ConfigureAwait(false);
        await _shards.DisposeAsync().ConfigureAwait(false);
        _certificate?.Dispose();
        Metrics?.Dispose();
        HostingLog.Stopped(_logger);
    }
}
