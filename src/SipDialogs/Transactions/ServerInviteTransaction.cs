using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// The INVITE server transaction (RFC 3261 §17.2.1, Figure 7, as RFC 6026 §7.1 corrects it) up to its final response:
/// Proceeding, with a 100 Trying sent for a slow user and the last provisional response resent. Its Completed,
/// Confirmed and Accepted states are run by the <see cref="LingeringServerTransaction"/> that takes its place.
/// </summary>
internal sealed class ServerInviteTransaction : ServerTransaction
{
    private TimerHandle _timerTrying;
    private byte[]? _lastProvisional;

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

    /// <summary>
    /// A CANCEL was answered 200 while this INVITE had no final response: RFC 3261 §9.2 wants it answered 487, so an
    /// answer the application sends after this point is turned into that 487. On the shard.
    /// </summary>
    internal bool CancelAccepted { get; private set; }

    /// <summary>Records that a CANCEL of this INVITE was answered 200 before its final response. On the shard.</summary>
    internal void AcceptCancel() => CancelAccepted = true;

    internal override void OnRetransmission()
    {
        // §17.2.1: resend the most recent provisional response. With none yet, a 100 Trying now stops the client
        // retransmitting rather than waiting out the 200 ms.
        if (_lastProvisional is not null)
        {
            SendResponse(_lastProvisional);
        }
        else
        {
            SendTrying();
        }
    }

    private protected override void OnTransportErrorBeforeFinal(SipTransportException error)
    {
        if (State == TransactionState.Proceeding)
        {
            Layer.NotifyTransportError(this, error);
            Terminate();
        }
    }

    private protected override bool OnRespond(byte[] response, int status)
    {
        if (State != TransactionState.Proceeding)
        {
            return false;
        }

        StopTimer(ref _timerTrying);
        LastStatusCode = status;
        SendResponse(response);
        if (status < 200)
        {
            _lastProvisional = response;
        }
        else
        {
            // 2xx: Accepted, Timer L; the user retransmits the 2xx (RFC 6026 §7.1, RFC 3261 §13.3.1.4). Non-2xx:
            // Completed, Timer G retransmits over UDP and Timer H waits for the ACK (§17.2.1).
            _lastProvisional = null;
            Owner?.OnFinalResponse(status);
            Linger(response, status);
        }

        return true;
    }

    private protected override void OnTimer(TransactionTimer timer)
    {
        if (timer == TransactionTimer.Trying && State == TransactionState.Proceeding)
        {
            _timerTrying = default;
            if (LastStatusCode == 0)
            {
                SendTrying();
            }
        }
    }

    private protected override void CancelTimers() => StopTimer(ref _timerTrying);

    private void SendTrying()
    {
        StopTimer(ref _timerTrying);
        byte[] trying = Layer.MakeTrying(this);
        _lastProvisional = trying;
        LastStatusCode = 100;
        SendResponse(trying);
    }
}
