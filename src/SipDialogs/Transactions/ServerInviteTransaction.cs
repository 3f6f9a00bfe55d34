using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// The INVITE server transaction (RFC 3261 §17.2.1, Figure 7, as RFC 6026 §7.1 corrects it): Proceeding (100 Trying
/// sent for a slow user), Completed (a non-2xx retransmitted by Timer G until the ACK or Timer H), Confirmed (Timer I
/// absorbs ACKs) and Accepted (a 2xx sent: retransmitted INVITEs absorbed, ACKs and the user's 2xx retransmissions
/// passed through, until Timer L).
/// </summary>
internal sealed class ServerInviteTransaction : ServerTransaction
{
    private TimerHandle _timerTrying;
    private TimerHandle _timerG;
    private TimerHandle _timerH;
    private TimerHandle _timerEnd;
    private TimeSpan _intervalG;
    private byte[]? _lastProvisional;
    private byte[]? _finalToTag;

    internal ServerInviteTransaction(TransactionLayer layer, Shard shard, InboundMessage received, ViaHeader topVia, byte[] key, TransactionTableKind tableKind)
        : base(layer, shard, received, topVia, key, tableKind)
    {
        State = TransactionState.Proceeding;
    }

    /// <summary>
    /// Starts the 100 Trying timer (§17.2.1: sent unless the user answers within 200 ms). Called on creation, before
    /// the user sees the request, so an answer from its handler cancels it.
    /// </summary>
    internal void Start()
    {
        TimeSpan delay = Timers.TryingDelay;
        if (delay == TimeSpan.Zero)
        {
            SendTrying();
        }
        else if (delay != Timeout.InfiniteTimeSpan)
        {
            _timerTrying = StartTimer(TransactionTimer.Trying, delay);
        }
    }

    /// <summary>
    /// A CANCEL matched this transaction (§9.2); its 200 has been sent. True when the user should be told: the INVITE
    /// has no final response yet.
    /// </summary>
    internal bool IsCancellable => State == TransactionState.Proceeding;

    internal override void OnRetransmission(InboundMessage request)
    {
        switch (State)
        {
            case TransactionState.Proceeding:
                // §17.2.1: resend the most recent provisional response. With none yet, a 100 Trying now stops the
                // client retransmitting rather than waiting out the 200 ms.
                if (_lastProvisional is not null)
                {
                    SendResponse(_lastProvisional);
                }
                else
                {
                    SendTrying();
                }

                break;
            case TransactionState.Completed:
                SendResponse(LastResponse!); // §17.2.1: resend the final response.
                break;

                // Confirmed absorbs (§17.2.1); Accepted absorbs and does not pass it up (RFC 6026 §7.1).
        }
    }

    /// <summary>An ACK matched the transaction (§17.2.3: same branch and sent-by, method INVITE).</summary>
    internal void OnAck(InboundMessage ack)
    {
        switch (State)
        {
            case TransactionState.Completed:
                StopTimer(ref _timerG);
                StopTimer(ref _timerH);
                State = TransactionState.Confirmed;
                if (IsReliable)
                {
                    Terminate(); // Timer I is zero on a reliable transport.
                }
                else
                {
                    _timerEnd = StartTimer(TransactionTimer.TimerI, Timers.T4);
                }

                break;
            case TransactionState.Accepted:
                Layer.NotifyAck(Shard, ack, this); // RFC 6026 §7.1: an ACK in Accepted goes to the user.
                break;

                // Confirmed absorbs retransmitted ACKs; an ACK before any final response matches nothing sent.
        }
    }

    /// <summary>
    /// For RFC 2543 ACK matching (§17.2.3): the To tag of the final response sent, read from its bytes once.
    /// </summary>
    internal ReadOnlySpan<byte> FinalResponseToTag
    {
        get
        {
            if (_finalToTag is null && LastResponse is not null && LastStatusCode >= 200
                && SipMessageParser.TryParse(LastResponse, out SipMessage? parsed, out _))
            {
                _finalToTag = parsed!.ToTag.ToArray();
            }

            return _finalToTag;
        }
    }

    internal override void OnTransportError(SipTransportException error)
    {
        switch (State)
        {
            case TransactionState.Proceeding:
            case TransactionState.Completed:
                Layer.NotifyTransportError(this, error);
                Terminate();
                break;
            case TransactionState.Accepted:
                // The 2xx and its retransmissions are the user's (RFC 6026 §7.1): tell it, keep absorbing INVITEs.
                Layer.NotifyTransportError(this, error);
                break;
        }
    }

    private protected override bool OnRespond(byte[] response, int status)
    {
        switch (State)
        {
            case TransactionState.Proceeding:
                StopTimer(ref _timerTrying);
                LastResponse = response;
                LastStatusCode = status;
                if (status >= 200)
                {
                    Owner?.OnFinalResponse(status);
                }
                if (status < 200)
                {
                    _lastProvisional = response;
                    SendResponse(response);
                }
                else if (status < 300)
                {
                    // RFC 6026 §7.1: Accepted, Timer L; the user retransmits the 2xx (§13.3.1.4).
                    State = TransactionState.Accepted;
                    SendResponse(response);
                    _timerEnd = StartTimer(TransactionTimer.TimerL, Timers.SixtyFourT1);
                    ReleaseDecodedRequest();
                }
                else
                {
                    // §17.2.1: Completed; Timer G retransmits over UDP, Timer H waits for the ACK.
                    State = TransactionState.Completed;
                    SendResponse(response);
                    if (!IsReliable)
                    {
                        _intervalG = Timers.T1;
                        _timerG = StartTimer(TransactionTimer.TimerG, _intervalG);
                    }

                    _timerH = StartTimer(TransactionTimer.TimerH, Timers.SixtyFourT1);
                    ReleaseDecodedRequest();
                }

                return true;
            case TransactionState.Accepted when status is >= 200 and < 300:
                LastResponse = response;
                SendResponse(response); // RFC 6026 §7.1: 2xx from the user in Accepted is sent.
                return true;
            default:
                return false;
        }
    }

    private protected override void OnTimer(TransactionTimer timer)
    {
        switch (timer)
        {
            case TransactionTimer.Trying when State == TransactionState.Proceeding:
                _timerTrying = default;
                if (LastStatusCode == 0)
                {
                    SendTrying();
                }

                break;
            case TransactionTimer.TimerG when State == TransactionState.Completed:
                Layer.Metrics?.Retransmitted();
                SendResponse(LastResponse!);
                _intervalG = _intervalG + _intervalG < Timers.T2 ? _intervalG + _intervalG : Timers.T2;
                _timerG = StartTimer(TransactionTimer.TimerG, _intervalG);
                break;
            case TransactionTimer.TimerH when State == TransactionState.Completed:
                // §17.2.1: no ACK within 64*T1; tell the user and end.
                _timerH = default;
                StopTimer(ref _timerG);
                Layer.NotifyTimeout(this);
                Terminate();
                break;
            case TransactionTimer.TimerI when State == TransactionState.Confirmed:
            case TransactionTimer.TimerL when State == TransactionState.Accepted:
                _timerEnd = default;
                Terminate();
                break;
        }
    }

    private protected override void CancelTimers()
    {
        StopTimer(ref _timerTrying);
        StopTimer(ref _timerG);
        StopTimer(ref _timerH);
        StopTimer(ref _timerEnd);
    }

    private void SendTrying()
    {
        StopTimer(ref _timerTrying);
        byte[] trying = Layer.MakeTrying(this);
        _lastProvisional = trying;
        LastResponse = trying;
        LastStatusCode = 100;
        SendResponse(trying);
    }
}
