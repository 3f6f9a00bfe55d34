using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using SipDialogs.Internal;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// The running side of a dialog: its requests and responses on the shard, handed to its usages (RFC 5057): INVITE,
/// UPDATE, ACK and 2xx to its <see cref="InviteUsage"/> (offer/answer, 2xx reliability, glare, session timer), REFER,
/// NOTIFY and SUBSCRIBE to its subscription usages; and its events, raised on the thread pool in order, never on the
/// shard.
/// </summary>
/// <remarks>
/// Every method that changes the dialog runs on the shard of its Call-ID, one at a time; the public methods post to
/// it and may be called from any thread, by any number of callers. Public properties read fields written with
/// volatile semantics, so a reader on another thread sees a consistent value.
/// </remarks>
public sealed partial class Dialog : IAsyncDisposable, ITimerTarget, IClientTransactionOwner
{
    private DialogLayer? _layer;
    private Shard? _shard;
    private SipEndPoint _peer;

    /// <summary>The INVITE usage (RFC 5057): null for a dialog made by REFER, which only its subscriptions keep.</summary>
    private InviteUsage? _invite;
    private Task? _eventTail;
    private DisposalLatch? _disposal;
    private bool _inStore;

    /// <summary>
    /// Raised after the state changed (early to confirmed, or to terminated), on the thread pool, in order, never while
    /// the stack waits for it. A handler that throws is caught, logged and counted; the dialog carries on.
    /// </summary>
    public event EventHandler<DialogStateChangedEventArgs>? StateChanged;

    /// <summary>
    /// Raised for each request received in the dialog other than ACK and BYE (re-INVITE, UPDATE, INFO, OPTIONS and the
    /// rest), on the thread pool, in order. The handler answers with the methods of
    /// <see cref="DialogRequestEventArgs"/>; when it returns without answering (and without
    /// <see cref="DialogRequestEventArgs.Defer"/>), the stack answers as it does with no handler: 200, with this end's
    /// current session description for an offer (RFC 3264), 405 for a method it does not serve. A handler that
    /// throws is caught, logged and counted, and the request gets 500.
    /// </summary>
    public event EventHandler<DialogRequestEventArgs>? RequestReceived;

    /// <summary>
    /// The body this end last sent as its session description (the offer of its INVITE or the answer of its 2xx),
    /// which answers a peer's refresh offer when no handler answers. Null when none was sent.
    /// </summary>
    public ReadOnlyMemory<byte> LocalSessionDescription => Volatile.Read(ref _invite)?.LocalBody ?? default;

    /// <summary>
    /// True while a 2xx this end sent to an INVITE waits for its ACK and is being retransmitted (RFC 3261 §13.3.1.4);
    /// when none comes within 64*T1, the dialog ends with BYE.
    /// </summary>
    public bool IsAwaitingAck => Volatile.Read(ref _invite)?.IsAwaitingAck ?? false;

    /// <summary>The negotiated session interval (RFC 4028), or null when the dialog has no session timer.</summary>
    public TimeSpan? SessionInterval => Volatile.Read(ref _invite)?.SessionInterval;

    /// <summary>Whether this end refreshes the session (RFC 4028 §9, §7.2); false when the peer does or there is no timer.</summary>
    public bool IsSessionRefresher => Volatile.Read(ref _invite)?.IsSessionRefresher ?? false;

    internal Shard? Shard => _shard;

    internal bool IsInStore => _inStore;

    /// <summary>The layer of the running stack, or null while the dialog is not attached.</summary>
    internal DialogLayer? AttachedLayer => _layer;

    /// <summary>The call this early dialog came from (an <see cref="OutgoingCall"/> or <see cref="IncomingCall"/>), for graceful ending.</summary>
    internal IEarlyDialogOwner? Call
    {
        get => _invite?.Call;
        set
        {
            if (_invite is { } invite)
            {
                invite.Call = value;
            }
        }
    }

    /// <summary>
    /// Sends BYE (RFC 3261 §15.1.1) and waits for its final response. The dialog is terminated as the BYE leaves, so
    /// nothing more is sent in it and a request that comes after gets 481.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait, not the BYE.</param>
    /// <returns>The final response to the BYE (a local 408 or 503 when none came, RFC 3261 §8.1.3.1).</returns>
    /// <exception cref="InvalidOperationException">The dialog is not confirmed (end an early one with <see cref="DisposeAsync"/>).</exception>
    public async Task<SipResponse> ByeAsync(CancellationToken cancellationToken = default)
    {
        ClientTransaction transaction = await OnShardAsync(static d => d.StartBye(), cancellationToken).ConfigureAwait(false);
        return await FinalResponseOf(transaction, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the ACK of the 2xx that answered a call placed with <see cref="InviteOptions.AnswerInAck"/>, carrying the
    /// answer to the offer that 2xx made (RFC 3264 §5, RFC 3261 §13.2.2.4); retransmissions of the 2xx get the same ACK.
    /// </summary>
    /// <param name="answer">The answer, or null for an ACK without a body.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait, not the ACK.</param>
    /// <returns>True when the ACK was sent; false when there was none held (sent already, or the call was not placed so).</returns>
    public async Task<bool> AckAsync(string? answer, string contentType = "application/sdp", CancellationToken cancellationToken = default)
    {
        byte[]? body = answer is null ? null : System.Text.Encoding.UTF8.GetBytes(answer);
        return await OnShardAsync(static (d, s) => d._invite?.ReleaseAck(d, s.body, s.contentType) == true, (body, contentType), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Holds the ACK of the 2xx until <see cref="AckAsync"/>. On the shard, as the dialog is made.</summary>
    internal void HoldAck() => _invite?.HoldAck();

    /// <summary>
    /// Run on the thread pool with the ACK of this end's 2xx, the first that comes, when set: how a bridge carries the
    /// answer of a delayed offer across. Set before the 2xx leaves.
    /// </summary>
    internal Action<Dialog, object?>? AckObserver
    {
        get => _invite?.AckObserver;
        set
        {
            if (_invite is { } invite)
            {
                invite.AckObserver = value;
            }
        }
    }

    /// <summary>The application object this call's dialog is part of (a bridge whose leg it is), or null.</summary>
    internal object? Owner
    {
        get => _invite?.Owner;
        set
        {
            if (_invite is { } invite)
            {
                invite.Owner = value;
            }
        }
    }

    /// <summary>
    /// Sends a re-INVITE (RFC 3261 §14.1) with a new offer, a target refresh carrying this end's Contact, and ACKs its
    /// 2xx. A 491 (the peer's offer crossed ours, §14.2) is retried after the §14.1 delay, up to three times.
    /// </summary>
    /// <param name="sessionDescription">The offer, or null for a re-INVITE without a body.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait, not the request.</param>
    /// <returns>The final response.</returns>
    /// <exception cref="InvalidOperationException">The dialog is not confirmed, or an offer of this end is still pending (§14.1).</exception>
    public Task<SipResponse> ReInviteAsync(string? sessionDescription, string contentType = "application/sdp", CancellationToken cancellationToken = default) =>
        SendOfferAsync(SipMethods.Invite, sessionDescription, contentType, cancellationToken);

    /// <summary>
    /// Sends UPDATE (RFC 3311), a target refresh; with a body it is an offer, retried after a 491 as a re-INVITE is.
    /// </summary>
    /// <param name="sessionDescription">The offer, or null for an UPDATE that only refreshes.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait, not the request.</param>
    /// <returns>The final response.</returns>
    /// <exception cref="InvalidOperationException">The dialog is terminated, or an offer of this end is still pending.</exception>
    public Task<SipResponse> UpdateAsync(string? sessionDescription, string contentType = "application/sdp", CancellationToken cancellationToken = default) =>
        SendOfferAsync(SipMethods.Update, sessionDescription, contentType, cancellationToken);

    /// <summary>Sends INFO (RFC 6086) with a body, e.g. DTMF as <c>application/dtmf-relay</c>.</summary>
    /// <param name="body">The body, or null.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait, not the request.</param>
    /// <returns>The final response.</returns>
    public Task<SipResponse> InfoAsync(string? body, string contentType = "application/info", CancellationToken cancellationToken = default) =>
        SendRequestAsync(SipMethods.Info, body, contentType, cancellationToken);

    /// <summary>
    /// Sends a request within the dialog (RFC 3261 §12.2.1.1) in a client transaction: any method but INVITE (use
    /// <see cref="ReInviteAsync"/>), ACK, CANCEL (the stack sends those) and BYE (use <see cref="ByeAsync"/>).
    /// </summary>
    /// <param name="method">The method, e.g. INFO, OPTIONS, MESSAGE, NOTIFY.</param>
    /// <param name="body">The body, or null.</param>
    /// <param name="contentType">The body's type, when there is one.</param>
    /// <param name="cancellationToken">Ends the wait, not the request.</param>
    /// <returns>The final response (a local 408 or 503 when none came).</returns>
    /// <exception cref="ArgumentException">The method is one the stack sends itself.</exception>
    /// <exception cref="InvalidOperationException">The dialog is terminated.</exception>
    public async Task<SipResponse> SendRequestAsync(string method, string? body = null, string? contentType = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (method is SipMethods.Invite or SipMethods.Ack or SipMethods.Cancel or SipMethods.Bye)
        {
            throw new ArgumentException($"{method} is sent by the stack or by its own method of Dialog.", nameof(method));
        }

        ClientTransaction transaction = await OnShardAsync(
            static (d, s) => d.StartRequest(d.CreateRequestWithBody(s.method, s.body, s.contentType), d),
            (method, body, contentType), cancellationToken).ConfigureAwait(false);
        return await FinalResponseOf(transaction, this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the dialog gracefully and waits for it: BYE when confirmed, CANCEL for an early dialog this end called
    /// from, 480 for an early dialog it was called in. Idempotent and safe from any thread and any number of callers at
    /// once: every caller waits for the same one ending; a failure of the peer to answer is not an error here.
    /// </summary>
    /// <returns>A task that completes when the dialog has ended.</returns>
    public ValueTask DisposeAsync()
    {
        DisposalLatch latch = Volatile.Read(ref _disposal) ?? InterlockedInit(ref _disposal);
        return latch.RunOnceAsync(static d => d.DisposeCoreAsync(), this);

        static DisposalLatch InterlockedInit(ref DisposalLatch? field)
        {
            var mine = new DisposalLatch();
            return Interlocked.CompareExchange(ref field, mine, null) ?? mine;
        }
    }

    /// <summary>Joins the dialog to the running stack and, when asked, to the shard's store. On the shard.</summary>
    internal bool Attach(DialogLayer layer, Shard shard, SipEndPoint peer, bool store, DialogChange change = DialogChange.Created)
    {
        _layer = layer;
        _shard = shard;
        _peer = peer;
        if (store)
        {
            _inStore = layer.Store.TryAdd(this);
            Changed(change);
            return _inStore;
        }

        return true;
    }

    /// <summary>Records the session description this end sent (an offer in a request, an answer in a 2xx).</summary>
    internal void SetLocalBody(ReadOnlyMemory<byte> body, string? contentType) => _invite?.SetLocalBody(this, body, contentType);


    /// <summary>Takes the session the INVITE that makes the dialog asks for (RFC 4028 §9). On the shard.</summary>
    internal void TakeSessionRequest(SipRequest request, bool creating) => _invite?.TakeSessionRequest(this, request, creating);

    /// <summary>Takes the session of a 2xx to the INVITE that made the dialog (RFC 4028 §7.2). On the shard.</summary>
    internal void TakeSessionResponse(SipResponse response) => _invite?.TakeSessionResponse(this, response);

    /// <summary>Session-Expires (and Require: timer when the peer supports it) in a 2xx this end sends to a session request.</summary>
    internal void AddSessionHeaders(SipMessageBuilder response) => _invite?.AddSessionHeaders(response);

    /// <summary>
    /// Sends a final response to a request received in (or creating) this dialog. A 2xx to an INVITE is retransmitted
    /// by the dialog (T1 doubling to T2, on UDP) until its ACK, and the dialog ends with BYE when none comes within 64*T1
    /// (RFC 3261 §13.3.1.4). On the shard.
    /// </summary>
    internal bool SendFinal(ServerTransaction transaction, SipMessageBuilder response, int status)
    {
        DialogLayer layer = _layer!;
        ArrayBufferWriter<byte> writer = layer.Transactions.ScratchFor(_shard!); // The shard's own: no other user now.
        writer.ResetWrittenCount();
        response.WriteTo(writer);
        byte[] bytes = writer.WrittenSpan.ToArray();
        if (!transaction.Respond(bytes))
        {
            return false;
        }

        ResponseSent(status, transaction.Request.CSeqMethod);
        _invite?.OnFinalSent(this, transaction, bytes, status);
        return true;
    }

    /// <summary>An ACK for a 2xx of ours (RFC 3261 §13.3.1.4): ends that 2xx's retransmissions. On the shard.</summary>
    internal void OnAck(SipRequest ack) => _invite?.OnAck(this, ack);

    /// <summary>A request received within the dialog, other than ACK (RFC 3261 §12.2.2). On the shard.</summary>
    internal void OnRequest(ServerTransaction transaction)
    {
        SipRequest request = transaction.Request;
        if (!request.TryValidateAsUas(out SipParseError error))
        {
            transaction.Respond(transaction.CreateResponse(error.StatusCode, error.ReasonPhrase));
            return;
        }

        if (ReceiveRequest(request) == InDialogRequestResult.OutOfOrder)
        {
            Respond(transaction, 500, "Request Out Of Order"); // RFC 3261 §12.2.2; no "CSeq" in the phrase, which some tools take for the header.
            return;
        }

        string method = request.Method;
        if (method == SipMethods.Bye)
        {
            Respond(transaction, 200); // RFC 3261 §15.1.2; ReceiveRequest terminated the dialog.
            return;
        }

        switch (method)
        {
            case SipMethods.Refer:
                OnRefer(transaction);
                return;
            case SipMethods.Notify:
                OnNotify(transaction);
                return;
            case SipMethods.Subscribe:
                OnSubscribe(transaction);
                return;
        }

        // An INVITE in a dialog made by REFER adds an INVITE usage to it (RFC 5057 §3).
        if (method is SipMethods.Invite or SipMethods.Update && !InviteUsageFor(method).OnRequest(this, transaction))
        {
            return;
        }

        if (RequestReceived is not null || HasPendingEvents)
        {
            Raise(new DialogRequestEventArgs(this, transaction), static d => d.RequestReceived);
            return;
        }

        AnswerByDefault(transaction);
    }

    /// <summary>The answer when no handler gave one: 200 (with this end's description to an offer), 405 for what is not served.</summary>
    internal void AnswerByDefault(ServerTransaction transaction)
    {
        if (transaction.LastStatusCode >= 200 || transaction.State == TransactionState.Terminated)
        {
            return;
        }

        string method = transaction.Request.Method;
        switch (method)
        {
            case SipMethods.Invite:
            case SipMethods.Update:
            case SipMethods.Info:
            case SipMethods.Options:
                SipMessageBuilder ok = CreateResponse(transaction, 200);
                if (method == SipMethods.Options)
                {
                    // RFC 3261 §11.2, as outside a dialog.
                    ok.Add(SipHeaderKind.Allow, DialogLayer.Allow)
                        .Add(SipHeaderKind.Accept, "application/sdp")
                        .Add(SipHeaderKind.Supported, DialogLayer.SupportedHeader);
                }

                // Offer/answer is INVITE's and UPDATE's only (RFC 3264, RFC 3311): the current description answers an
                // offer, and a re-INVITE without one gets it as the offer (RFC 3261 §14.2); INFO and OPTIONS get none.
                if (method == SipMethods.Invite || (method == SipMethods.Update && !transaction.Request.Body.IsEmpty))
                {
                    _invite?.AddCurrentAnswer(ok);
                }

                SendFinal(transaction, ok, 200);
                break;
            default:
                transaction.Respond(CreateResponse(transaction, 405).Add(SipHeaderKind.Allow, DialogLayer.Allow));
                break;
        }
    }

    /// <summary>Answers a request of the dialog 200, with an answer body when given. On the shard.</summary>
    internal bool AcceptRequest(ServerTransaction transaction, string? body, string contentType)
    {
        if (transaction.LastStatusCode >= 200 || transaction.State == TransactionState.Terminated)
        {
            return false;
        }

        SipMessageBuilder ok = CreateResponse(transaction, 200);
        if (body is not null)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(body);
            ok.WithBody(contentType, bytes);
            SetLocalBody(bytes, contentType);
        }

        return SendFinal(transaction, ok, 200);
    }

    /// <summary>Answers a request of the dialog with a status and no body. On the shard.</summary>
    internal bool RespondToRequest(ServerTransaction transaction, int status, string? reason) =>
        transaction.LastStatusCode < 200 && transaction.State != TransactionState.Terminated &&
        SendFinal(transaction, CreateResponse(transaction, status, reason), status);

    /// <summary>A response to a request this dialog sent (not its creating INVITE, which its call handles). On the shard.</summary>
    internal void OnResponse(ClientTransaction transaction, SipResponse response)
    {
        int status = response.StatusCode;
        InviteUsage? invite = _invite;
        if (response.CSeqMethod == SipMethods.Invite && status is >= 200 and < 300)
        {
            invite?.SendAck(this, response); // Every 2xx, retransmissions included (RFC 3261 §13.2.2.4).
        }

        if (status < 200)
        {
            return;
        }

        if (invite is null || !invite.IsRetransmitted2xx(transaction, status))
        {
            ReceiveResponse(response);
            invite?.OnResponse(this, transaction, response);
        }
    }

    void IClientTransactionOwner.OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received) =>
        OnResponse(transaction, response);

    void IClientTransactionOwner.OnNoResponse(ClientTransaction transaction, int status) => OnNoResponse(transaction, status);

    void IClientTransactionOwner.OnTerminated(ClientTransaction transaction)
    {
    }

    /// <summary>A request of this dialog got no response (a local 408 or 503, RFC 3261 §8.1.3.1). On the shard.</summary>
    internal void OnNoResponse(ClientTransaction transaction, int status)
    {
        SipResponse local = TransactionLayer.MakeLocalResponse(transaction.Request, status);
        if (status == 408)
        {
            ReceiveResponse(local); // §12.2.1.2: a 408 ends the dialog.
        }

        _invite?.OnNoResponse(this, transaction, local);
    }

    /// <summary>A retransmitted 2xx to a request of ours that arrived after its transaction ended: ACK it again.</summary>
    internal void OnStray2xx(SipResponse response) => _invite?.SendAck(this, response);

    /// <summary>
    /// Sends BYE and terminates the dialog: the hang-up of a UAS whose 2xx never got its ACK, of a configured call
    /// length, or of <see cref="ByeAsync"/>. On the shard.
    /// </summary>
    internal ClientTransaction StartBye()
    {
        if (_state != DialogState.Confirmed)
        {
            throw new InvalidOperationException($"BYE is sent in a confirmed dialog (RFC 3261 §15); this one is {_state}. End an early dialog with DisposeAsync.");
        }

        _invite?.ReleaseAck(this, null, null); // RFC 3261 §13.2.2.4: the 2xx is acknowledged before the call ends.
        SipMessageBuilder bye = CreateRequest(SipMethods.Bye);
        MarkEnd(DialogEndReason.ByeSent);
        Terminate();
        return StartRequest(bye, null);
    }

    /// <summary>Starts a client transaction for a request of this dialog: adds the Via and sends to the next hop. On the shard.</summary>
    internal ClientTransaction StartRequest(SipMessageBuilder request, IClientTransactionOwner? owner)
    {
        DialogLayer layer = _layer ?? throw new InvalidOperationException("The dialog is not attached to a running stack.");
        RequestVia via = layer.Transactions.CreateVia(NextHop(), 700 + (_invite?.LocalBody.Length ?? 0));
        request.InsertFirst(SipHeaderKind.Via, via.Value);
        return layer.Transactions.StartRequest((SipRequest)request.Build(), via.Target, owner);
    }

    /// <summary>
    /// Where the dialog's requests go: the first route's address, else the remote target's; when it names a host, the
    /// address RFC 3263 located for it (<see cref="NamedHop"/>), else the address the peer's messages came from.
    /// </summary>
    internal SipEndPoint NextHop()
    {
        string[] routeSet = _routeSet;
        string destination = routeSet.Length > 0 ? routeSet[0] : _remoteTarget;
        if (!SipTargets.TryResolve(destination, out SipEndPoint endPoint))
        {
            return NamedHop(destination);
        }

        if (!ReferenceEquals(destination, _hopFor))
        {
            _namedHop = null;
            Volatile.Write(ref _hopFor, destination); // An address: nothing to locate before the application's requests.
        }

        return endPoint;
    }

    /// <summary>Marks the dialog ended: timers stop, it leaves the store, pending offers complete. On the shard.</summary>
    private void OnTerminated()
    {
        _invite?.OnTerminated(this);
        if (_inStore)
        {
            Changed(DialogChange.Terminated);
            _inStore = false;
            _layer!.Store.Remove(Id);
        }

        EndSubscriptions();
    }

    /// <summary>Every state change goes through here: written for readers on any thread, announced, cleaned up.</summary>
    private void SetState(DialogState state)
    {
        DialogState old = _state;
        if (old == state || old == DialogState.Terminated)
        {
            return;
        }

        Volatile.Write(ref Unsafe.As<DialogState, byte>(ref _state), (byte)state);
        Call = null; // Only an early dialog needs its call (to end gracefully); it holds the INVITE, a confirmed one need not.
        if (_layer is null)
        {
            return;
        }

        if (state == DialogState.Confirmed)
        {
            Changed(DialogChange.Confirmed);
        }

        if (state == DialogState.Terminated)
        {
            if (_inStore)
            {
                _layer.Metrics?.DialogRemoved(confirmed: old == DialogState.Confirmed);
            }

            OnTerminated();
        }

        if (StateChanged is not null || HasPendingEvents)
        {
            Raise(new DialogStateChangedEventArgs(this, old, state), static d => d.StateChanged);
        }
    }

    /// <summary>
    /// Every timer of the dialog is its INVITE usage's, which holds no reference back: handed on with the dialog. One that
    /// makes the dialog send on its own (a session refresh, an expired session's BYE) goes on once the store says the
    /// dialog is still this stack's, when the store wants to be asked (<see cref="IDialogStore.TryCheckOwner"/>).
    /// </summary>
    void ITimerTarget.OnTimer(int timer)
    {
        if (_invite is not { } invite)
        {
            return;
        }

        if (timer is InviteUsage.TimerSessionRefresh or InviteUsage.TimerSessionExpiry && _state == DialogState.Confirmed &&
            _layer is { } layer && layer.Store.TryCheckOwner(this, out ValueTask<bool> owned))
        {
            _ = OnTimerOnceCheckedAsync(owned, timer, _shard!, invite.SessionRefreshedAtMs);
            return;
        }

        invite.OnTimer(this, timer);
    }

    /// <summary>Waits for the store's answer off the shard, then goes on on the shard.</summary>
    private async Task OnTimerOnceCheckedAsync(ValueTask<bool> pending, int timer, Shard shard, long refreshedAtMs)
    {
        bool owned = true;
        try
        {
            owned = await pending.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A store that cannot tell leaves the dialog as it is: the call goes on here.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _layer?.ReportOwnerCheckFailed(exception);
        }

        try
        {
            shard.Post(static state =>
            {
                var (dialog, owned, timer, refreshedAtMs) = ((Dialog, bool, int, long))state!;
                dialog.OnTimerChecked(owned, timer, refreshedAtMs);
            }, (this, owned, timer, refreshedAtMs));
        }
        catch (ObjectDisposedException)
        {
            // The stack stopped meanwhile: it sends nothing any more.
        }
    }

    /// <summary>The store answered: the timer goes on, unless the dialog ended, was refreshed meanwhile, or moved. On the shard.</summary>
    private void OnTimerChecked(bool owned, int timer, long refreshedAtMs)
    {
        if (_state != DialogState.Confirmed || _invite is not { } invite || invite.SessionRefreshedAtMs != refreshedAtMs)
        {
            return; // Ended, or a refresh restarted the session timer while the store was asked.
        }

        if (!owned)
        {
            Forget(); // Another stack carries the call on: nothing more is sent for it from here.
            return;
        }

        invite.OnTimer(this, timer);
    }

    /// <summary>Ends a confirmed dialog with BYE, whether or not the peer can be reached. On the shard.</summary>
    /// <param name="reason">Why the stack ends it.</param>
    internal void HangUp(DialogEndReason reason)
    {
        if (_state != DialogState.Confirmed)
        {
            return;
        }

        MarkEnd(reason);
        try
        {
            StartOwnBye();
        }
        catch (SipTransportException)
        {
            // The peer cannot be reached; the dialog is ended here all the same.
        }
    }

    private async Task<SipResponse> SendOfferAsync(string method, string? body, string contentType, CancellationToken cancellationToken)
    {
        TaskCompletionSource<SipResponse> offer = await OnShardAsync(
            static (d, s) => d.InviteUsageFor(s.method).StartOffer(d, s.method, s.body, s.contentType), (method, body, contentType), cancellationToken)
            .ConfigureAwait(false);
        return await offer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The INVITE usage, which a re-INVITE or UPDATE in a dialog made by REFER adds (RFC 5057 §3: any usage may share a
    /// dialog). On the shard.
    /// </summary>
    private InviteUsage InviteUsageFor(string method)
    {
        Debug.Assert(method is SipMethods.Invite or SipMethods.Update, "Only INVITE and UPDATE belong to the INVITE usage.");
        if (_invite is not { } invite)
        {
            invite = new InviteUsage();
            Volatile.Write(ref _invite, invite);
        }

        return invite;
    }

    internal SipMessageBuilder CreateRequestWithBody(string method, string? body, string? contentType)
    {
        SipMessageBuilder request = CreateRequest(method);
        if (method is SipMethods.Invite or SipMethods.Update)
        {
            request.Add(SipHeaderKind.Allow, DialogLayer.Allow);
            _invite?.AddSessionRequestHeaders(this, request);
        }

        if (body is not null)
        {
            request.WithBody(contentType ?? "text/plain", System.Text.Encoding.UTF8.GetBytes(body));
        }

        return request;
    }

    private SipMessageBuilder CreateResponse(ServerTransaction transaction, int status, string? reason = null)
    {
        SipMessageBuilder response = transaction.CreateResponse(status, reason);
        if (status is >= 200 and < 300 && transaction.Request.Method is SipMethods.Invite or SipMethods.Update)
        {
            response.Add(SipHeaderKind.Contact, _localContact); // RFC 3261 §12.2.2 and RFC 3311 §5.2: target refresh.
            _invite?.AddSessionHeaders(response);
        }

        return response;
    }

    internal void Respond(ServerTransaction transaction, int status, string? reason = null) =>
        transaction.Respond(CreateResponse(transaction, status, reason));

    /// <summary>
    /// Runs application code about this dialog (<see cref="InviteOptions.DialogCreated"/>, the <c>prepare</c> of an
    /// answer) on the thread pool, outside the shard, after the events and callbacks queued before it and before those
    /// queued after it, which read their handlers only when they run: what it subscribes sees every later event. On
    /// the shard, or before the dialog is attached to it.
    /// </summary>
    internal void QueueCallback(Action<Dialog, object?> callback, object? state) => Enqueue(new CallbackWork(this, callback, state));

    /// <summary>
    /// True while events or callbacks of this dialog wait to run: a new event is then queued behind them even when no
    /// handler is subscribed now, since one of them may subscribe. On the shard.
    /// </summary>
    private bool HasPendingEvents => _eventTail is { IsCompleted: false };

    /// <summary>
    /// Queues an event after the ones before it, to run on the thread pool, outside the shard; its handlers are read
    /// when it runs.
    /// </summary>
    private void Raise<TArgs>(TArgs args, Func<Dialog, EventHandler<TArgs>?> handlers)
        where TArgs : DialogEventArgs =>
        Enqueue(new EventWork<TArgs>(this, args, handlers));

    private void Enqueue(DialogWork work) => _eventTail = RunAfterAsync(_eventTail, work);

    /// <summary>Runs the work on the thread pool once the work queued before it has run; never inline on the shard.</summary>
    private static async Task RunAfterAsync(Task? tail, DialogWork work)
    {
        if (tail is null || tail.IsCompleted)
        {
            await Task.Yield(); // Off the shard's thread: the shard has no synchronization context, so to the pool.
        }
        else
        {
            await tail.ConfigureAwait(false); // Never faults: the work catches what application code throws.
        }

        work.Run();
    }

    private async Task DisposeCoreAsync()
    {
        if (_shard is null)
        {
            Terminate();
            return;
        }

        Task? ending;
        try
        {
            ending = await _shard.RunAsync(static d => d.EndGracefully(), this).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return; // The stack is gone, and its dialogs with it.
        }

        if (ending is not null)
        {
            try
            {
                await ending.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SipTransportException or OperationCanceledException or SipCallFailedException)
            {
                // Ending is best effort: an unreachable peer does not keep the dialog.
            }
        }
    }

    private Task? EndGracefully()
    {
        if (_invite is null)
        {
            Terminate(); // A dialog made by REFER has no session to end (RFC 6665 §4.1.2.4); its subscriptions end with it.
            return null;
        }

        switch (_state)
        {
            case DialogState.Confirmed:
                try
                {
                    return FinalResponseOf(StartBye(), null, CancellationToken.None);
                }
                catch (SipTransportException)
                {
                    return null;
                }

            case DialogState.Early when Call is { } call:
                return call.EndEarly();
            case DialogState.Early:
                Terminate();
                return null;
            default:
                return null;
        }
    }

    private async ValueTask<T> OnShardAsync<T>(Func<Dialog, T> work, CancellationToken cancellationToken)
    {
        Shard shard = _shard ?? throw new InvalidOperationException("The dialog is not attached to a running stack.");
        await LocateDestinationAsync(shard, cancellationToken).ConfigureAwait(false); // A named target is located here, off the shard.
        return await shard.RunAsync(work, this, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<T> OnShardAsync<TState, T>(Func<Dialog, TState, T> work, TState state, CancellationToken cancellationToken)
    {
        Shard shard = _shard ?? throw new InvalidOperationException("The dialog is not attached to a running stack.");
        await LocateDestinationAsync(shard, cancellationToken).ConfigureAwait(false);
        return await shard.RunAsync(static s => s.work(s.dialog, s.state), (work, dialog: this, state), cancellationToken).ConfigureAwait(false);
    }

    internal void ReportHandlerFault(string name, Exception exception) => _layer?.ReportHandlerFault(name, exception);

    internal void PostDefaultAnswer(ServerTransaction transaction, bool fault)
    {
        if (_shard is not { } shard)
        {
            return;
        }

        shard.Post(
            static state =>
            {
                var (dialog, transaction, fault) = ((Dialog, ServerTransaction, bool))state!;
                if (fault)
                {
                    if (transaction.LastStatusCode < 200 && transaction.State != TransactionState.Terminated)
                    {
                        dialog.Respond(transaction, 500);
                    }
                }
                else
                {
                    dialog.AnswerByDefault(transaction);
                }
            },
            (this, transaction, fault));
    }

    internal void PostDefaultReferAnswer(ReferReceivedEventArgs refer, bool fault) =>
        _shard?.Post(
            static state =>
            {
                var (dialog, refer, fault) = ((Dialog, ReferReceivedEventArgs, bool))state!;
                dialog.AnswerReferByDefault(refer, fault);
            },
            (this, refer, fault));

    /// <summary>Application code queued on the dialog's event chain, run on the thread pool.</summary>
    private abstract class DialogWork
    {
        public abstract void Run();
    }

    /// <summary>A callback of the application about the dialog.</summary>
    private sealed class CallbackWork(Dialog dialog, Action<Dialog, object?> callback, object? state) : DialogWork
    {
        public override void Run() => callback(dialog, state); // Catches what the application throws itself.
    }

    /// <summary>One event for the handlers subscribed when it runs.</summary>
    private sealed class EventWork<TArgs>(Dialog dialog, TArgs args, Func<Dialog, EventHandler<TArgs>?> handlers) : DialogWork
        where TArgs : DialogEventArgs
    {
        public override void Run()
        {
            bool fault = false;
            try
            {
                handlers(dialog)?.Invoke(dialog, args);
            }
#pragma warning disable CA1031 // An application's handler must never hurt the stack: caught, logged, counted.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                fault = true;
                dialog.ReportHandlerFault(typeof(TArgs).Name, exception);
            }

            if (args is DialogRequestEventArgs request && (fault || !request.IsDeferred))
            {
                dialog.PostDefaultAnswer(request.Transaction, fault);
            }
            else if (args is ReferReceivedEventArgs refer && (fault || !refer.IsDeferred))
            {
                dialog.PostDefaultReferAnswer(refer, fault);
            }
        }
    }
}
