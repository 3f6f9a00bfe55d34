using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// The INVITE usage of a dialog (RFC 5057 §3): the session its INVITE made. Offer and answer (RFC 3264), the 2xx it
/// retransmits until the ACK (RFC 3261 §13.3.1.4), the ACK it repeats for every 2xx retransmission (§13.2.2.4), offers
/// one at a time and glare (§14), and the session timer (RFC 4028).
/// </summary>
/// <remarks>
/// It keeps no reference to its dialog, since a server holds a million of them: the dialog passes itself to every
/// call, and the usage's timers target the dialog, which hands their ids back here. On the dialog's shard only.
/// </remarks>
internal sealed partial class InviteUsage
{
    internal const int TimerRetransmit2xx = 1;
    internal const int TimerNoAck = 2;
    internal const int TimerGlareRetry = 4;

    /// <summary>How often an offer refused 491 is tried again before its caller sees the 491 (RFC 3261 §14.1).</summary>
    private const int MaxGlareAttempts = 3;

    private byte[]? _localBody;
    private string? _localBodyType;
    private byte[]? _remoteBody;
    private string? _remoteBodyType;
    private ReliableAnswer? _answer;
    private SentAck? _ack;

    /// <summary>True while the ACK of the answering 2xx waits for the application's answer (a delayed offer).</summary>
    private bool _holdAck;

    /// <summary>The CSeq of the 2xx whose ACK is held, once it came; 0 before.</summary>
    private uint _heldAckCSeq;
    private PendingOffer? _offer;
    private uint _incomingInviteCSeq;
    private bool _peerAllowsUpdate;
    private TimerHandle _otherTimer;

    /// <summary>The call this early dialog came from (an <see cref="OutgoingCall"/> or <see cref="IncomingCall"/>), for graceful ending.</summary>
    public IEarlyDialogOwner? Call { get; set; }

    /// <summary>The first ACK of this end's 2xx goes to it, when set (<see cref="Dialog.AckObserver"/>).</summary>
    public Action<Dialog, object?>? AckObserver { get; set; }

    /// <summary>The application object the dialog is part of (<see cref="Dialog.Owner"/>).</summary>
    public object? Owner { get; set; }

    /// <summary>The session description this end last sent (an offer in a request, an answer in a 2xx); empty when none.</summary>
    public ReadOnlyMemory<byte> LocalBody => Volatile.Read(ref _localBody);

    /// <summary>The session description the peer sent last (its offer or answer, RFC 3264); empty when none.</summary>
    public ReadOnlyMemory<byte> RemoteBody => Volatile.Read(ref _remoteBody);

    /// <summary>True while a 2xx this end sent to an INVITE waits for its ACK (RFC 3261 §13.3.1.4).</summary>
    public bool IsAwaitingAck => Volatile.Read(ref _answer) is not null;

    /// <summary>Whether the usage waits for an ACK, for the answer to an offer or a refresh: not a state to move.</summary>
    public bool IsUnsettled => _answer is not null || _offer is not null || _refresh is not null || _incomingInviteCSeq != 0;

    /// <summary>Records the session description this end sent (an offer in a request, an answer in a 2xx).</summary>
    public void SetLocalBody(Dialog dialog, ReadOnlyMemory<byte> body, string? contentType)
    {
        if (!body.IsEmpty)
        {
            Volatile.Write(ref _localBody, body.ToArray());
            _localBodyType = contentType;
            dialog.Changed(DialogChange.SessionRefreshed);
        }
    }

    /// <summary>Records the session description the peer sent (an offer, or the answer to ours). On the shard.</summary>
    public void SetRemoteBody(SipMessage message)
    {
        ReadOnlyMemory<byte> body = message.Body;
        if (body.IsEmpty)
        {
            return;
        }

        int index = message.IndexOfHeader(SipHeaderKind.ContentType);
        ReadOnlySpan<byte> type = index < 0 ? default : message.GetHeaderValueBytes(index);
        _remoteBodyType = type.IsEmpty || Ascii.EqualsIgnoreCase(type, "application/sdp"u8) ? null : Encoding.UTF8.GetString(type);
        Volatile.Write(ref _remoteBody, body.ToArray());
    }

    /// <summary>This end's current description as the answer of a 200 to an offer, when no handler gave one (RFC 3264).</summary>
    public void AddCurrentAnswer(SipMessageBuilder ok)
    {
        if (_localBody is { } body)
        {
            ok.WithBody(_localBodyType ?? "application/sdp", body);
        }
    }

    /// <summary>
    /// A final response the dialog sent to a request: a 2xx to an INVITE is retransmitted (T1 doubling to T2, on UDP)
    /// until its ACK, and the dialog ends with BYE when none comes within 64*T1 (RFC 3261 §13.3.1.4). On the shard.
    /// </summary>
    public void OnFinalSent(Dialog dialog, ServerTransaction transaction, byte[] bytes, int status)
    {
        SipRequest request = transaction.Request;
        if (status is >= 200 and < 300 && request.Method is SipMethods.Invite or SipMethods.Update)
        {
            RestartSessionTimer(dialog); // The peer's session request refreshed the session (RFC 4028 §10).
        }
        if (request.Method == SipMethods.Invite && status >= 200 && request.CSeqNumber == _incomingInviteCSeq)
        {
            // RFC 3261 §14.2 refuses a second INVITE only while the first has no final response: UDP may deliver the
            // next re-INVITE before the ACK of this one's 2xx, and that is no error.
            _incomingInviteCSeq = 0;
        }

        if (request.Method != SipMethods.Invite || status is < 200 or >= 300)
        {
            return;
        }

        // The server transaction sent the 2xx once and passed retransmission to us (RFC 6026 §7.1).
        DialogLayer layer = dialog.Layer;
        Shard shard = dialog.Shard!;
        StopAnswer(shard);
        var answer = new ReliableAnswer(bytes, transaction.TopVia, transaction.Received, (uint)request.CSeqNumber, layer.Timers.T1);
        Volatile.Write(ref _answer, answer);
        if (!transaction.Received.Remote.IsReliable)
        {
            answer.Retransmit = shard.Timers.Schedule(layer.Timers.T1, dialog, TimerRetransmit2xx);
        }

        answer.NoAck = shard.Timers.Schedule(layer.Timers.SixtyFourT1, dialog, TimerNoAck);
    }

    /// <summary>An ACK for a 2xx of ours (RFC 3261 §13.3.1.4): ends that 2xx's retransmissions. On the shard.</summary>
    public void OnAck(Dialog dialog, SipRequest ack)
    {
        // Not through the dialog's §12.2.2 ordering: the ACK carries its INVITE's CSeq (§13.2.2.4), which a later
        // request the peer sent while that INVITE was pending (an INFO, say) may have passed. Dropping the ACK as out of
        // order would keep the 2xx going and end the call with BYE after 64*T1. The CSeq matches it to our 2xx instead.
        if (_answer is not { } answer || answer.CSeq != ack.CSeqNumber)
        {
            return;
        }

        StopAnswer(dialog.Shard!);
        _incomingInviteCSeq = 0;
        SetRemoteBody(ack); // The answer to an offer our 2xx made (RFC 3264 §5, late offer).
        if (dialog.AckObserver is { } observer)
        {
            dialog.AckObserver = null; // The first ACK only: the one of the call's 2xx.
            dialog.QueueCallback(observer, ack);
        }
    }

    /// <summary>
    /// Takes an INVITE or UPDATE received in the dialog, already in order (RFC 3261 §12.2.2): its offer, glare (§14.2,
    /// RFC 3311 §5.2) and the session it asks for (RFC 4028 §9). On the shard.
    /// </summary>
    /// <returns>False when it was answered here; true when it goes on to the application or the default answer.</returns>
    public bool OnRequest(Dialog dialog, ServerTransaction transaction)
    {
        SipRequest request = transaction.Request;
        string method = request.Method;
        SetRemoteBody(request); // An offer (RFC 3264 §8); a request without a body changes nothing.
        bool offer = !request.Body.IsEmpty;
        if (method == SipMethods.Invite || offer)
        {
            if (_offer is { Sent: true })
            {
                dialog.Respond(transaction, 491); // RFC 3261 §14.2, RFC 3311 §5.2: our offer is outstanding.
                return false;
            }

            if (method == SipMethods.Invite && _incomingInviteCSeq != 0)
            {
                // RFC 3261 §14.2: a re-INVITE while an earlier one is unanswered or unacknowledged.
                transaction.Respond(transaction.CreateResponse(500)
                    .Add(SipHeaderKind.RetryAfter, RandomNumberGenerator.GetInt32(0, 11).ToString(CultureInfo.InvariantCulture)));
                return false;
            }

            if (method == SipMethods.Invite)
            {
                _incomingInviteCSeq = (uint)request.CSeqNumber;
            }
        }

        if (dialog.AttachedLayer is { } layer)
        {
            if (AsksTooShortASession(request, layer.SessionTimers))
            {
                _incomingInviteCSeq = method == SipMethods.Invite ? 0 : _incomingInviteCSeq;
                transaction.Respond(IntervalTooSmall(transaction, layer.SessionTimers)); // RFC 4028 §9
                return false;
            }

            TakeSessionRequest(dialog, request, creating: false); // A session refresh (RFC 4028 §9).
        }

        return true;
    }

    /// <summary>
    /// Whether a final response is a retransmission of a 2xx to a re-INVITE of ours, already taken and ACKed, which
    /// changes nothing more; a response to a pending offer never is.
    /// </summary>
    public bool IsRetransmitted2xx(ClientTransaction transaction, int status) =>
        !ReferenceEquals(_offer?.Transaction, transaction) &&
        status is >= 200 and < 300 && transaction.State == TransactionState.Accepted && _ack is { } ack && ack.CSeq == transaction.Request.CSeqNumber;

    /// <summary>A final response to a request of the dialog, after the dialog took it (RFC 3261 §12.2.1.2). On the shard.</summary>
    public void OnResponse(Dialog dialog, ClientTransaction transaction, SipResponse response)
    {
        int status = response.StatusCode;
        if (status < 300 && response.CSeqMethod is SipMethods.Invite or SipMethods.Update && dialog.State == DialogState.Confirmed)
        {
            TakeSessionResponse(dialog, response);
        }

        OnNoResponse(dialog, transaction, response);
    }

    /// <summary>A final response, or a local 408 or 503 (RFC 3261 §8.1.3.1): ends a refresh or an offer it answers. On the shard.</summary>
    public void OnNoResponse(Dialog dialog, ClientTransaction transaction, SipResponse response)
    {
        if (ReferenceEquals(_refresh, transaction))
        {
            OnRefreshResponse(dialog, transaction, response);
        }

        CompleteOffer(dialog, transaction, response);
    }

    /// <summary>ACKs a 2xx to an INVITE of ours, every one of them, retransmissions included (RFC 3261 §13.2.2.4).</summary>
    public void SendAck(Dialog dialog, SipResponse response)
    {
        uint cseq = (uint)response.CSeqNumber;
        if (_holdAck && (_heldAckCSeq == 0 || _heldAckCSeq == cseq))
        {
            _heldAckCSeq = cseq; // The application gives the answer the ACK carries; the 2xx comes again meanwhile.
            return;
        }

        SentAck? ack = _ack;
        if (ack is null || ack.CSeq != cseq)
        {
            ack = BuildAck(dialog, cseq, null, null);
        }

        dialog.Layer.SendAck(ack.Bytes, ack.Target);
    }

    /// <summary>Holds the ACK of the answering 2xx until <see cref="ReleaseAck"/> (a delayed offer, RFC 3264 §5).</summary>
    public void HoldAck() => _holdAck = true;

    /// <summary>Sends the held ACK, with the answer when given. False when none was held. On the shard.</summary>
    public bool ReleaseAck(Dialog dialog, byte[]? body, string? contentType)
    {
        if (!_holdAck || _heldAckCSeq == 0)
        {
            return false;
        }

        _holdAck = false;
        SentAck ack = BuildAck(dialog, _heldAckCSeq, body, contentType);
        if (body is not null)
        {
            SetLocalBody(dialog, body, contentType);
        }

        dialog.Layer.SendAck(ack.Bytes, ack.Target);
        return true;
    }

    /// <summary>Builds the ACK of the 2xx of CSeq <paramref name="cseq"/> and keeps it for the 2xx's retransmissions.</summary>
    private SentAck BuildAck(Dialog dialog, uint cseq, byte[]? body, string? contentType)
    {
        SipMessageBuilder builder = dialog.CreateAck(cseq);
        if (body is not null)
        {
            builder.WithBody(contentType ?? "application/sdp", body);
        }

        SipEndPoint target = dialog.NextHop();
        RequestVia via = dialog.Layer.Transactions.CreateVia(target, 600 + (body?.Length ?? 0));
        builder.InsertFirst(SipHeaderKind.Via, via.Value);
        var ack = new SentAck(cseq, builder.ToArray(), via.Target);
        _ack = ack;
        return ack;
    }

    /// <summary>A re-INVITE or UPDATE of this end (RFC 3261 §14.1, RFC 3311): one at a time. On the shard.</summary>
    /// <returns>The offer, whose completion gives the final response.</returns>
    public TaskCompletionSource<SipResponse> StartOffer(Dialog dialog, string method, string? body, string contentType)
    {
        DialogState state = dialog.State;
        if (state != DialogState.Confirmed && !(method == SipMethods.Update && state == DialogState.Early))
        {
            throw new InvalidOperationException($"A {method} is sent in a confirmed dialog; this one is {state}.");
        }

        if (_offer is not null)
        {
            throw new InvalidOperationException($"A {_offer.Method} of this end is still pending; RFC 3261 §14.1 allows one at a time.");
        }

        var offer = new PendingOffer(method, body, contentType);
        _offer = offer;
        SendOffer(dialog, offer);
        return offer.Completion;
    }

    /// <summary>The dialog ended: timers stop, a pending offer that was not sent fails. On the shard.</summary>
    public void OnTerminated(Dialog dialog)
    {
        Shard shard = dialog.Shard!;
        StopAnswer(shard);
        Stop(shard, ref _otherTimer);
        Stop(shard, ref _sessionTimer);
        if (_offer is { } offer && !offer.Sent)
        {
            _offer = null;
            offer.Completion.TrySetException(new InvalidOperationException("The dialog ended before the offer could be sent."));
        }
    }

    /// <summary>A timer of this usage, which the dialog hands on. On the shard.</summary>
    public void OnTimer(Dialog dialog, int timer)
    {
        switch (timer)
        {
            case TimerRetransmit2xx:
                if (_answer is { } answer)
                {
                    // RFC 3261 §13.3.1.4: T1, doubling up to T2, until the ACK.
                    answer.Retransmit = default;
                    DialogLayer layer = dialog.Layer;
                    layer.SendResponse(answer.Bytes, answer.TopVia, answer.Request);
                    answer.Interval = answer.Interval * 2 < layer.Timers.T2 ? answer.Interval * 2 : layer.Timers.T2;
                    answer.Retransmit = dialog.Shard!.Timers.Schedule(answer.Interval, dialog, TimerRetransmit2xx);
                }

                break;
            case TimerNoAck:
                // No ACK within 64*T1: end the dialog with BYE (§13.3.1.4).
                if (_answer is { } unacknowledged)
                {
                    unacknowledged.NoAck = default;
                    StopAnswer(dialog.Shard!);
                }

                dialog.HangUp(DialogEndReason.AckTimeout);
                break;
            case TimerSessionRefresh:
            case TimerSessionExpiry:
                OnSessionTimer(dialog, timer);
                break;
            case TimerGlareRetry:
                _otherTimer = default;
                if (_offer is { Sent: false } offer)
                {
                    SendOffer(dialog, offer);
                }

                break;
        }
    }

    private void SendOffer(Dialog dialog, PendingOffer offer)
    {
        SipMessageBuilder request = dialog.CreateRequestWithBody(offer.Method, offer.Body, offer.ContentType);
        try
        {
            offer.Transaction = dialog.StartRequest(request, dialog);
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
            SetLocalBody(dialog, Encoding.UTF8.GetBytes(offer.Body), offer.ContentType);
        }
    }

    private void CompleteOffer(Dialog dialog, ClientTransaction transaction, SipResponse response)
    {
        if (_offer is not { } offer || !ReferenceEquals(offer.Transaction, transaction))
        {
            return;
        }

        if (response.StatusCode is 401 or 407 && dialog.TryResendWithCredentials(transaction, response, offer.Challenges, dialog, out ClientTransaction? retry))
        {
            offer.Challenges++; // RFC 3261 §22.2: the same offer again, with credentials and the next CSeq.
            offer.Transaction = retry;
            return;
        }

        if (response.StatusCode == 491 && offer.Attempts < MaxGlareAttempts && dialog.State == DialogState.Confirmed)
        {
            // RFC 3261 §14.1: the owner of the Call-ID (the dialog's UAC) waits 2.1–4 s, the other 0–2 s, in 10 ms steps.
            offer.Sent = false;
            offer.Transaction = null;
            int steps = dialog.IsUac ? RandomNumberGenerator.GetInt32(210, 401) : RandomNumberGenerator.GetInt32(0, 201);
            Shard shard = dialog.Shard!;
            Stop(shard, ref _otherTimer);
            _otherTimer = shard.Timers.Schedule(TimeSpan.FromMilliseconds(steps * 10), dialog, TimerGlareRetry);
            return;
        }

        _offer = null;
        offer.Completion.TrySetResult(response);
    }

    /// <summary>Ends the 2xx this end retransmits, if any: its timers stop. On the shard.</summary>
    private void StopAnswer(Shard shard)
    {
        if (_answer is { } answer)
        {
            Stop(shard, ref answer.Retransmit);
            Stop(shard, ref answer.NoAck);
            Volatile.Write(ref _answer, null);
        }
    }

    private static void Stop(Shard shard, ref TimerHandle handle)
    {
        if (handle.IsSet)
        {
            shard.Timers.Cancel(ref handle);
        }
    }

    /// <summary>
    /// A 2xx this end retransmits until its ACK, with its two timers: they live only as long as it does, so an idle
    /// dialog does not carry them.
    /// </summary>
    private sealed class ReliableAnswer(byte[] bytes, ViaHeader topVia, InboundMessage request, uint cseq, TimeSpan interval)
    {
#pragma warning disable SA1401, CA1051 // Fields, so that the timing wheel can cancel them by reference.
        public TimerHandle Retransmit;
        public TimerHandle NoAck;
#pragma warning restore SA1401, CA1051

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

        public int Challenges { get; set; }
    }
}
