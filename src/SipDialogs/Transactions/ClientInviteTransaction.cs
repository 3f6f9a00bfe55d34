using System.Globalization;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// The INVITE client transaction (RFC 3261 §17.1.1, Figure 5, as RFC 6026 §7.2 corrects it): Calling, Proceeding,
/// Completed (a non-2xx answered, ACKed by the transaction itself) and Accepted (a 2xx answered; the user sends
/// the ACK and sees every further 2xx until Timer M).
/// </summary>
internal sealed class ClientInviteTransaction : ClientTransaction
{
    private TimerHandle _timerA;
    private TimerHandle _timerB;
    private TimerHandle _cancelTimeout;
    private TimeSpan _intervalA;
    private bool _cancelRequested;

    internal ClientInviteTransaction(TransactionLayer layer, Shard shard, SipRequest request, SipEndPoint target, byte[] key)
        : base(layer, shard, request, target, key)
    {
        State = TransactionState.Calling;
    }

    /// <summary>The CANCEL's own client transaction, once it has been sent (RFC 3261 §9.1).</summary>
    public ClientTransaction? CancelTransaction { get; private set; }

    /// <summary>
    /// Cancels the INVITE (RFC 3261 §9.1): sends a CANCEL now if a provisional response has come, or as soon as one
    /// does (a CANCEL must not be sent before); nothing once a final response has come. If the INVITE still has no
    /// final response 64*T1 after the CANCEL went, the transaction gives up and terminates. On the shard.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called off the shard.</exception>
    public void Cancel()
    {
        if (!Shard.IsCurrent)
        {
            throw new InvalidOperationException("A transaction is used on its shard's thread; from elsewhere post to it with Shard.RunAsync.");
        }

        if (_cancelRequested || State is not (TransactionState.Calling or TransactionState.Proceeding))
        {
            return;
        }

        _cancelRequested = true;
        if (State == TransactionState.Proceeding)
        {
            SendCancel();
        }
    }

    /// <summary>
    /// Builds the CANCEL for this INVITE (RFC 3261 §9.1): the same Request-URI, Call-ID, To, From, CSeq number and top
    /// Via (so the same branch) and the INVITE's Route headers, with method CANCEL.
    /// </summary>
    /// <returns>The CANCEL.</returns>
    public SipRequest CreateCancel()
    {
        SipRequest invite = Request;
        SipMessageBuilder builder = SipMessageBuilder.Request(SipMethods.Cancel, invite.RequestUriText)
            .CopyHeader(invite, invite.ViaIndex);
        builder.Add(SipHeaderKind.MaxForwards, "70");
        CopyFirst(builder, invite, SipHeaderKind.To);
        CopyFirst(builder, invite, SipHeaderKind.From);
        CopyFirst(builder, invite, SipHeaderKind.CallId);
        builder.Add(SipHeaderKind.CSeq, string.Create(CultureInfo.InvariantCulture, $"{invite.CSeqNumber} CANCEL"));
        builder.CopyHeaders(invite, SipHeaderKind.Route);
        return (SipRequest)builder.Build();
    }

    internal override void Start()
    {
        SendRequest();
        if (!IsReliable)
        {
            _intervalA = Timers.T1;
            _timerA = StartTimer(TransactionTimer.TimerA, _intervalA);
        }

        _timerB = StartTimer(TransactionTimer.TimerB, Timers.SixtyFourT1);
    }

    internal override void OnResponse(SipResponse response, InboundMessage received)
    {
        int status = response.StatusCode;
        switch (State)
        {
            case TransactionState.Calling:
            case TransactionState.Proceeding:
                if (status < 200)
                {
                    if (State == TransactionState.Calling)
                    {
                        // §17.1.1.2: a provisional response stops retransmission; Timer B only runs in Calling.
                        StopTimer(ref _timerA);
                        StopTimer(ref _timerB);
                        State = TransactionState.Proceeding;
                        if (_cancelRequested)
                        {
                            SendCancel();
                        }
                    }

                    PassUp(response, received);
                }
                else if (status < 300)
                {
                    // RFC 6026 §8.4: a 2xx moves to Accepted for Timer M; its ACK is the user's (§13.2.2.4).
                    StopTimer(ref _timerA);
                    StopTimer(ref _timerB);
                    StopTimer(ref _cancelTimeout);
                    State = TransactionState.Accepted;
                    SetFinal(response);
                    PassUp(response, received);
                    if (State == TransactionState.Accepted)
                    {
                        Linger(null); // Timer M; further 2xx go to the user from what lingers.
                    }
                }
                else
                {
                    // §17.1.1.2: ACK the non-2xx ourselves, pass the response up, wait Timer D for retransmissions.
                    StopTimer(ref _timerA);
                    StopTimer(ref _timerB);
                    StopTimer(ref _cancelTimeout);
                    State = TransactionState.Completed;
                    byte[] ack = CreateAck(response);
                    Layer.SendRequest(this, ack, Target);
                    SetFinal(response);
                    PassUp(response, received);
                    if (State == TransactionState.Completed)
                    {
                        Linger(ack); // Timer D, resending this ACK; zero on a reliable transport.
                    }
                }

                break;

                // Completed and Accepted: what lingers in this transaction's place takes the responses.
        }
    }

    internal override void OnTransportError(SipTransportException error)
    {
        // Figure 5: Calling, Proceeding and Completed go to Terminated on a transport error; Accepted sends nothing.
        if (!ForwardTransportError(error) && State is TransactionState.Calling or TransactionState.Proceeding or TransactionState.Completed)
        {
            FailTransport(error);
        }
    }

    private protected override void OnTimer(TransactionTimer timer)
    {
        switch (timer)
        {
            case TransactionTimer.TimerA when State == TransactionState.Calling:
                _timerA = default;
                Layer.Metrics?.Retransmitted();
                SendRequest();
                _intervalA += _intervalA; // §17.1.1.2: doubled each time, no cap.
                _timerA = StartTimer(TransactionTimer.TimerA, _intervalA);
                break;
            case TransactionTimer.TimerB when State == TransactionState.Calling:
                _timerB = default;
                TimeOut();
                break;
            case TransactionTimer.CancelTimeout when State == TransactionState.Proceeding:
                // §9.1: no final response 64*T1 after the CANCEL: consider the INVITE cancelled and destroy it.
                _cancelTimeout = default;
                TimedOut = true;
                Layer.NotifyTimeout(this);
                Terminate();
                break;
        }
    }

    private protected override void CancelTimers()
    {
        StopTimer(ref _timerA);
        StopTimer(ref _timerB);
        StopTimer(ref _cancelTimeout);
    }

    private static void CopyFirst(SipMessageBuilder builder, SipMessage source, SipHeaderKind kind)
    {
        int index = source.IndexOfHeader(kind);
        if (index >= 0)
        {
            builder.CopyHeader(source, index);
        }
    }

    private void SendCancel()
    {
        CancelTransaction = Layer.StartRequest(CreateCancel(), Target);
        _cancelTimeout = StartTimer(TransactionTimer.CancelTimeout, Timers.SixtyFourT1);
    }

    /// <summary>
    /// The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): the INVITE's Request-URI, Call-ID, From, CSeq number
    /// and top Via (so the same branch) and Route headers, the response's To (with its tag), method ACK.
    /// </summary>
    private byte[] CreateAck(SipResponse response)
    {
        SipRequest invite = Request;
        SipMessageBuilder builder = SipMessageBuilder.Request(SipMethods.Ack, invite.RequestUriText)
            .CopyHeader(invite, invite.ViaIndex);
        builder.Add(SipHeaderKind.MaxForwards, "70");
        CopyFirst(builder, response, SipHeaderKind.To);
        CopyFirst(builder, invite, SipHeaderKind.From);
        CopyFirst(builder, invite, SipHeaderKind.CallId);
        builder.Add(SipHeaderKind.CSeq, string.Create(CultureInfo.InvariantCulture, $"{invite.CSeqNumber} ACK"));
        builder.CopyHeaders(invite, SipHeaderKind.Route);
        return builder.ToArray();
    }
}
