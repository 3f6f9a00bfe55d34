using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// The non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8): Trying (retransmissions absorbed), Proceeding
/// (the last provisional response resent), Completed (the final response resent until Timer J).
/// </summary>
internal sealed class ServerNonInviteTransaction : ServerTransaction
{
    private TimerHandle _timerJ;
    private byte[]? _lastProvisional;

    internal ServerNonInviteTransaction(TransactionLayer layer, Shard shard, InboundMessage received, ViaHeader topVia, byte[] key, TransactionTableKind tableKind)
        : base(layer, shard, received, topVia, key, tableKind)
    {
        State = TransactionState.Trying;
    }

    internal override void OnRetransmission(InboundMessage request)
    {
        switch (State)
        {
            case TransactionState.Proceeding:
                SendResponse(_lastProvisional!); // §17.2.2: resend the last provisional response.
                break;
            case TransactionState.Completed:
                SendResponse(LastResponse!); // §17.2.2: resend the final response.
                break;

                // Trying: discarded (§17.2.2).
        }
    }

    internal override void OnTransportError(SipTransportException error)
    {
        if (State is TransactionState.Proceeding or TransactionState.Completed)
        {
            Layer.NotifyTransportError(this, error);
            Terminate();
        }
    }

    private protected override bool OnRespond(byte[] response, int status)
    {
        if (State is not (TransactionState.Trying or TransactionState.Proceeding))
        {
            return false; // §17.2.2: final responses from the user in Completed are discarded.
        }

        LastResponse = response;
        LastStatusCode = status;
        if (status < 200)
        {
            _lastProvisional = response;
            State = TransactionState.Proceeding;
            SendResponse(response);
            return true;
        }

        State = TransactionState.Completed;
        SendResponse(response);
        ReleaseDecodedRequest();
        if (IsReliable)
        {
            Terminate(); // Timer J is zero on a reliable transport.
        }
        else
        {
            _timerJ = StartTimer(TransactionTimer.TimerJ, Timers.SixtyFourT1);
        }

        return true;
    }

    private protected override void OnTimer(TransactionTimer timer)
    {
        if (timer == TransactionTimer.TimerJ && State == TransactionState.Completed)
        {
            _timerJ = default;
            Terminate();
        }
    }

    private protected override void CancelTimers() => StopTimer(ref _timerJ);
}
