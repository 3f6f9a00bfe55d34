using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using SipDialogs.Internal;
using SipDialogs.Messages;
using SipDialogs.Refer;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// The running side of a dialog: its requests and responses on the shard, the 2xx it retransmits until the ACK
/// (RFC 3261 §13.3.1.4), the ACK it repeats for every 2xx retransmission (§13.2.2.4), offers and glare (§14), and its
/// events, raised on the thread pool in order, never on the shard.
/// </summary>
/// <remarks>
/// Every method that changes the dialog runs on the shard of its Call-ID, one at a time; the public methods post to
/// it and may be called from any thread, by any number of callers. Public properties read fields written with
/// volatile semantics, so a reader on another thread sees a consistent value.
/// </remarks>
public sealed partial class Dialog : IAsyncDisposable, ITimerTarget
{
    private const int TimerRetransmit2xx = 1;
    private const int TimerNoAck = 2;
    private const int TimerHangUp = 3;
    private const int TimerGlareRetry = 4;

    /// <summary>How often an offer refused 491 is tried again before its caller sees the 491 (RFC 3261 §14.1).</summary>
    private const int MaxGlareAttempts = 3;

    private DialogLayer? _layer;
    private Shard? _shard;
    private SipEndPoint _peer;
    private byte[]? _localBody;
    private string? _localBodyType;
    private ReliableAnswer? _answer;
    private SentAck? _ack;
    private PendingOffer? _offer;
    private uint _incomingInviteCSeq;
    private TimeSpan _hangUpAfter;
    private TimerHandle _retransmitTimer;
    private TimerHandle _noAckTimer;
    private TimerHandle _otherTimer;
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
    public ReadOnlyMemory<byte> LocalSessionDescription => Volatile.Read(ref _localBody);

    /// <summary>
    /// True while a 2xx this end sent to an INVITE waits for its ACK and is being retransmitted (RFC 3261 §13.3.1.4);
    /// when none comes within 64*T1, the dialog ends with BYE.
    /// </summary>
    public bool IsAwaitingAck => Volatile.Read(ref _answer) is not null;

    internal Shard? Shard => _shard;

    internal bool IsInStore => _inStore;

    /// <summary>The call this dialog came from (an <see cref="OutgoingCall"/> or <see cref="IncomingCall"/>), for graceful ending.</summary>
    internal object? Call { get; set; }

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
        return await transaction.FinalResponse.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        return await transaction.FinalResponse.WaitAsync(cancellationToken).ConfigureAwait(false);
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
    internal bool Attach(DialogLayer layer, Shard shard, SipEndPoint peer, bool store)
    {
        _layer = layer;
        _shard = shard;
        _peer = peer;
        if (store)
        {
            _inStore = layer.Store.TryAdd(this);
            return _inStore;
        }

        return true;
    }

    /// <summary>Records the session description this end sent (an offer in a request, an answer in a 2xx).</summary>
    internal void SetLocalBody(ReadOnlyMemory<byte> body, string? contentType)
    {
        if (!body.IsEmpty)
        {
            Volatile.Write(ref _localBody, body.ToArray());
            _localBodyType = contentType;
        }
    }

    internal void SetHangUpAfterAck(TimeSpan after) => _hangUpAfter = after;

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

        SipRequest request = transaction.Request;
        ResponseSent(status, request.CSeqMethod);
        if (status is >= 200 and < 300 && request.Method is SipMethods.Invite or SipMethods.Update)
        {
            RestartSessionTimer(); // The peer's session request refreshed the session (RFC 4028 §10).
        }
        if (request.Method == SipMethods.Invite && status >= 200 && request.CSeqNumber == _incomingInviteCSeq)
        {
            // RFC 3261 §14.2 refuses a second INVITE only while the first has no final response: UDP may deliver the
            // next re-INVITE before the ACK of this one's 2xx, and that is no error.
            _incomingInviteCSeq = 0;
        }

        if (request.Method != SipMethods.Invite || status is < 200 or >= 300)
        {
            return true;
        }

        // The server transaction sent the 2xx once and passed retransmission to us (RFC 6026 §7.1).
        StopTimer(ref _retransmitTimer);
        StopTimer(ref _noAckTimer);
        Volatile.Write(ref _answer, new ReliableAnswer(bytes, transaction.TopVia, transaction.Received, (uint)request.CSeqNumber, layer.Timers.T1));
        if (!transaction.Received.Remote.IsReliable)
        {
            _retransmitTimer = _shard!.Timers.Schedule(layer.Timers.T1, this, TimerRetransmit2xx);
        }

        _noAckTimer = _shard!.Timers.Schedule(layer.Timers.SixtyFourT1, this, TimerNoAck);
        return true;
    }

    /// <summary>An ACK for a 2xx of ours (RFC 3261 §13.3.1.4): ends that 2xx's retransmissions. On the shard.</summary>
    internal void OnAck(SipRequest ack)
    {
        // Not through ReceiveRequest's §12.2.2 ordering: the ACK carries its INVITE's CSeq (§13.2.2.4), which a later
        // request the peer sent while that INVITE was pending (an INFO, say) may have passed. Dropping the ACK as out of
        // order would keep the 2xx going and end the call with BYE after 64*T1. The CSeq matches it to our 2xx instead.
        if (_answer is not { } answer || answer.CSeq != ack.CSeqNumber)
        {
            return;
        }

        StopTimer(ref _retransmitTimer);
        StopTimer(ref _noAckTimer);
        Volatile.Write(ref _answer, null);
        _incomingInviteCSeq = 0;
        if (_hangUpAfter > TimeSpan.Zero && !_otherTimer.IsSet)
        {
            _otherTimer = _shard!.Timers.Schedule(_hangUpAfter, this, TimerHangUp);
            _hangUpAfter = TimeSpan.Zero;
        }
    }

    /// <summary>A request received within the dialog, other than ACK (RFC 3261 §12.2.2). On the shard.</summary>
    internal void OnRequest(ServerTransaction transaction)
    {
        SipRequest request = transaction.Request;
        if (!request.TryValidate(out SipParseError error))
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

        bool offer = !request.Body.IsEmpty;
        if (method == SipMethods.Invite || (method == SipMethods.Update && offer))
        {
            if (_offer is { Sent: true })
            {
                Respond(transaction, 491); // RFC 3261 §14.2, RFC 3311 §5.2: our offer is outstanding.
                return;
            }

            if (method == SipMethods.Invite && _incomingInviteCSeq != 0)
            {
                // RFC 3261 §14.2: a re-INVITE while an earlier one is unanswered or unacknowledged.
                transaction.Respond(transaction.CreateResponse(500)
                    .Add(SipHeaderKind.RetryAfter, RandomNumberGenerator.GetInt32(0, 11).ToString(CultureInfo.InvariantCulture)));
                return;
            }

            if (method == SipMethods.Invite)
            {
                _incomingInviteCSeq = (uint)request.CSeqNumber;
            }
        }

        if (method is SipMethods.Invite or SipMethods.Update && _layer is { } layer)
        {
            if (AsksTooShortASession(request, layer.SessionTimers))
            {
                _incomingInviteCSeq = method == SipMethods.Invite ? 0 : _incomingInviteCSeq;
                transaction.Respond(IntervalTooSmall(transaction, layer.SessionTimers)); // RFC 4028 §9
                return;
            }

            TakeSessionRequest(request, creating: false); // A session refresh (RFC 4028 §9).
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
                        .Add(SipHeaderKind.Supported, "timer, " + DialogLayer.ReplacesOption);
                }

                if (!transaction.Request.Body.IsEmpty && _localBody is { } body)
                {
                    ok.WithBody(_localBodyType ?? "application/sdp", body);
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
        string method = response.CSeqMethod;
        if (method == SipMethods.Invite && status is >= 200 and < 300)
        {
            SendAck(response); // Every 2xx, retransmissions included (RFC 3261 §13.2.2.4).
        }

        if (status < 200 || transaction.UserState is not Dialog)
        {
            return;
        }

        if (ReferenceEquals(_offer?.Transaction, transaction) || !IsRetransmitted2xx(transaction, status))
        {
            ReceiveResponse(response);
            if (status < 300 && method is SipMethods.Invite or SipMethods.Update && _state == DialogState.Confirmed)
            {
                TakeSessionResponse(response);
            }

            if (ReferenceEquals(_refresh, transaction))
            {
                OnRefreshResponse(transaction, response);
            }

            CompleteOffer(transaction, response);
        }
    }

    /// <summary>A request of this dialog got no response (a local 408 or 503, RFC 3261 §8.1.3.1). On the shard.</summary>
    internal void OnNoResponse(ClientTransaction transaction, int status)
    {
        SipResponse local = TransactionLayer.MakeLocalResponse(transaction.Request, status);
        if (status == 408)
        {
            ReceiveResponse(local); // §12.2.1.2: a 408 ends the dialog.
        }

        if (ReferenceEquals(_refresh, transaction))
        {
            OnRefreshResponse(transaction, local);
        }

        CompleteOffer(transaction, local);
    }

    /// <summary>A retransmitted 2xx to a request of ours that arrived after its transaction ended: ACK it again.</summary>
    internal void OnStray2xx(SipResponse response) => SendAck(response);

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

        SipMessageBuilder bye = CreateRequest(SipMethods.Bye);
        Terminate();
        return StartRequest(bye, null);
    }

    /// <summary>Starts a client transaction for a request of this dialog: adds the Via and sends to the next hop. On the shard.</summary>
    internal ClientTransaction StartRequest(SipMessageBuilder request, object? userState)
    {
        DialogLayer layer = _layer ?? throw new InvalidOperationException("The dialog is not attached to a running stack.");
        RequestVia via = layer.Transactions.CreateVia(NextHop(), 700 + (_localBody?.Length ?? 0));
        request.InsertFirst(SipHeaderKind.Via, via.Value);
        ClientTransaction transaction = layer.Transactions.StartRequest((SipRequest)request.Build(), via.Target);
        transaction.UserState = userState;
        return transaction;
    }

    /// <summary>
    /// Where the dialog's requests go: the first route's address, else the remote target's, when it is an IP address
    /// (this stack resolves no names yet); else the address the peer's messages came from.
    /// </summary>
    internal SipEndPoint NextHop()
    {
        string[] routeSet = _routeSet;
        return SipTargets.TryResolve(routeSet.Length > 0 ? routeSet[0] : _remoteTarget, out SipEndPoint endPoint) ? endPoint : _peer;
    }

    /// <summary>Marks the dialog ended: timers stop, it leaves the store, pending offers complete. On the shard.</summary>
    private void OnTerminated()
    {
        StopTimer(ref _retransmitTimer);
        StopTimer(ref _noAckTimer);
        StopTimer(ref _otherTimer);
        StopTimer(ref _sessionTimer);
        Volatile.Write(ref _answer, null);
        if (_inStore)
        {
            _inStore = false;
            _layer!.Store.Remove(Id);
        }

        if (_offer is { } offer && !offer.Sent)
        {
            _offer = null;
            offer.Completion.TrySetException(new InvalidOperationException("The dialog ended before the offer could be sent."));
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

        if (state == DialogState.Terminated)
        {
            OnTerminated();
        }

        if (StateChanged is not null || HasPendingEvents)
        {
            Raise(new DialogStateChangedEventArgs(this, old, state), static d => d.StateChanged);
        }
    }

    void ITimerTarget.OnTimer(int timer)
    {
        switch (timer)
        {
            case TimerRetransmit2xx:
                _retransmitTimer = default;
                if (_answer is { } answer)
                {
                    // RFC 3261 §13.3.1.4: T1, doubling up to T2, until the ACK.
                    _layer!.SendResponse(answer.Bytes, answer.TopVia, answer.Request);
                    answer.Interval = answer.Interval * 2 < _layer.Timers.T2 ? answer.Interval * 2 : _layer.Timers.T2;
                    _retransmitTimer = _shard!.Timers.Schedule(answer.Interval, this, TimerRetransmit2xx);
                }

                break;
            case TimerNoAck:
                // No ACK within 64*T1: end the dialog with BYE (§13.3.1.4).
                _noAckTimer = default;
                Volatile.Write(ref _answer, null);
                HangUp();
                break;
            case TimerHangUp:
                _otherTimer = default;
                HangUp();
                break;
            case TimerSessionRefresh:
            case TimerSessionExpiry:
                OnSessionTimer(timer);
                break;
            case TimerGlareRetry:
                _otherTimer = default;
                if (_offer is { Sent: false } offer)
                {
                    SendOffer(offer);
                }

                break;
        }
    }

    private void HangUp()
    {
        if (_state != DialogState.Confirmed)
        {
            return;
        }

        try
        {
            StartBye();
        }
        catch (SipTransportException)
        {
            // The peer cannot be reached; the dialog is ended here all the same.
        }
    }

    private async Task<SipResponse> SendOfferAsync(string method, string? body, string contentType, CancellationToken cancellationToken)
    {
        PendingOffer offer = await OnShardAsync(static (d, s) => d.StartOffer(s.method, s.body, s.contentType), (method, body, contentType), cancellationToken)
            .ConfigureAwait(false);
        return await offer.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private PendingOffer StartOffer(string method, string? body, string contentType)
    {
        if (_state != DialogState.Confirmed && !(method == SipMethods.Update && _state == DialogState.Early))
        {
            throw new InvalidOperationException($"A {method} is sent in a confirmed dialog; this one is {_state}.");
        }

        if (_offer is not null)
        {
            throw new InvalidOperationException($"A {_offer.Method} of this end is still pending; RFC 3261 §14.1 allows one at a time.");
        }

        var offer = new PendingOffer(method, body, contentType);
        _offer = offer;
        SendOffer(offer);
        return offer;
    }

    private void SendOffer(PendingOffer offer)
    {
        SipMessageBuilder request = CreateRequestWithBody(offer.Method, offer.Body, offer.ContentType);
        try
        {
            offer.Transaction = StartRequest(request, this);
        }
        catch (Exception ex) when (ex is SipTransportException or InvalidOperationException)
        {
            _offer = null;
            offer.Completion.TrySetException(ex);
            return;
        }

        offer.Sent = true;
        offer.Attempts++;
        if (offer.Body is not null)
        {
            SetLocalBody(System.Text.Encoding.UTF8.GetBytes(offer.Body), offer.ContentType);
        }
    }

    private void CompleteOffer(ClientTransaction transaction, SipResponse response)
    {
        if (_offer is not { } offer || !ReferenceEquals(offer.Transaction, transaction))
        {
            return;
        }

        if (response.StatusCode == 491 && offer.Attempts < MaxGlareAttempts && _state == DialogState.Confirmed)
        {
            // RFC 3261 §14.1: the owner of the Call-ID (the dialog's UAC) waits 2.1–4 s, the other 0–2 s, in 10 ms steps.
            offer.Sent = false;
            offer.Transaction = null;
            int steps = IsUac ? RandomNumberGenerator.GetInt32(210, 401) : RandomNumberGenerator.GetInt32(0, 201);
            StopTimer(ref _otherTimer);
            _otherTimer = _shard!.Timers.Schedule(TimeSpan.FromMilliseconds(steps * 10), this, TimerGlareRetry);
            return;
        }

        _offer = null;
        offer.Completion.TrySetResult(response);
    }

    private bool IsRetransmitted2xx(ClientTransaction transaction, int status) =>
        status is >= 200 and < 300 && transaction.State == TransactionState.Accepted && _ack is { } ack && ack.CSeq == transaction.Request.CSeqNumber;

    private void SendAck(SipResponse response)
    {
        uint cseq = (uint)response.CSeqNumber;
        SentAck? ack = _ack;
        if (ack is null || ack.CSeq != cseq)
        {
            SipMessageBuilder builder = CreateAck(cseq);
            SipEndPoint target = NextHop();
            RequestVia via = _layer!.Transactions.CreateVia(target, 600);
            builder.InsertFirst(SipHeaderKind.Via, via.Value);
            ack = new SentAck(cseq, builder.ToArray(), via.Target);
            _ack = ack;
        }

        _layer!.SendAck(ack.Bytes, ack.Target);
    }

    private SipMessageBuilder CreateRequestWithBody(string method, string? body, string? contentType)
    {
        SipMessageBuilder request = CreateRequest(method);
        if (method is SipMethods.Invite or SipMethods.Update)
        {
            request.Add(SipHeaderKind.Allow, DialogLayer.Allow);
            AddSessionRequestHeaders(request);
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
            AddSessionHeaders(response);
        }

        return response;
    }

    private void Respond(ServerTransaction transaction, int status, string? reason = null) =>
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
        if (_subscriptionOnly)
        {
            Terminate(); // A dialog made by REFER has no session to end (RFC 6665 §4.1.2.4); its subscriptions end with it.
            return null;
        }

        switch (_state)
        {
            case DialogState.Confirmed:
                try
                {
                    return StartBye().FinalResponse;
                }
                catch (SipTransportException)
                {
                    return null;
                }

            case DialogState.Early when Call is OutgoingCall outgoing:
                return outgoing.CancelOnShard();
            case DialogState.Early when Call is IncomingCall incoming:
                incoming.RejectOnShard(480, null);
                return null;
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
        return await shard.RunAsync(work, this, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<T> OnShardAsync<TState, T>(Func<Dialog, TState, T> work, TState state, CancellationToken cancellationToken)
    {
        Shard shard = _shard ?? throw new InvalidOperationException("The dialog is not attached to a running stack.");
        return await shard.RunAsync(static s => s.work(s.dialog, s.state), (work, dialog: this, state), cancellationToken).ConfigureAwait(false);
    }

    private void StopTimer(ref TimerHandle handle)
    {
        if (handle.IsSet)
        {
            _shard!.Timers.Cancel(ref handle);
        }
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

    /// <summary>A 2xx this end retransmits until its ACK.</summary>
    private sealed class ReliableAnswer(byte[] bytes, ViaHeader topVia, InboundMessage request, uint cseq, TimeSpan interval)
    {
        public byte[] Bytes { get; } = bytes;

        public ViaHeader TopVia { get; } = topVia;

        public InboundMessage Request { get; } = request;

        public uint CSeq { get; } = cseq;

        public TimeSpan Interval { get; set; } = interval;
    }

    /// <summary>The ACK sent for the 2xx to an INVITE of this end, sent again for each retransmission of that 2xx.</summary>
    private sealed record SentAck(uint CSeq, byte[] Bytes, SipEndPoint Target);

    /// <summary>A re-INVITE or UPDATE of this end: one at a time (RFC 3261 §14.1), tried again after 491.</summary>
    private sealed class PendingOffer(string method, string? body, string contentType)
    {
        public string Method { get; } = method;

        public string? Body { get; } = body;

        public string ContentType { get; } = contentType;

        public TaskCompletionSource<SipResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ClientTransaction? Transaction { get; set; }

        public bool Sent { get; set; }

        public int Attempts { get; set; }
    }

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
