using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// The non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8) up to its final response: Trying (retransmissions
/// absorbed) and Proceeding (the last provisional response resent). Its Completed state (the final response resent
/// until Timer J) is run by the <see cref="LingeringServerTransaction"/> that takes its place.
/// </summary>
internal sealed class ServerNonInviteTransaction : ServerTransaction
{
    private byte[]? _lastProvisional;

    internal ServerNonInviteTransaction(TransactionLayer layer, Shard shard, InboundMessage received, ViaHeader topVia, byte[] key, TransactionTableKind tableKind)
        : base(layer, shard, received, topVia, key, tableKind)
    {
        State = TransactionState.Trying;
    }

    internal override void OnRetransmission()
    {
        if (State == TransactionState.Proceeding)
        {
            SendResponse(_lastProvisional!); // §17.2.2: resend the last provisional response; Trying discards.
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
        if (State is not (TransactionState.Trying or TransactionState.Proceeding))
        {
            return false;
        }

        LastStatusCode = status;
        SendResponse(response);
        if (status < 200)
        {
            _lastProvisional = response;
            State = TransactionState.Proceeding;
        }
        else
        {
            _lastProvisional = null;
            Linger(response, status); // §17.2.2: Completed, Timer J (zero over a reliable transport).
        }

        return true;
    }

    private protected override void OnTimer(TransactionTimer timer)
    {
        // No timers before the final response.
    }

    private protected override void CancelTimers()
    {
    }
}
