using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// The non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6): Trying, Proceeding, Completed, with Timer E
/// retransmitting over UDP (T1 doubling up to T2, T2 once a provisional response came), Timer F timing out and
/// Timer K absorbing retransmitted responses.
/// </summary>
internal sealed class ClientNonInviteTransaction : ClientTransaction
{
    private TimerHandle _timerE;
    private TimerHandle _timerF;
    private TimeSpan _intervalE;

    internal ClientNonInviteTransaction(TransactionLayer layer, Shard shard, SipRequest request, SipEndPoint target, byte[] key)
        : base(layer, shard, request, target, key)
    {
        State = TransactionState.Trying;
    }

    internal override void Start()
    {
        SendRequest();
        if (!IsReliable)
        {
            _intervalE = Timers.T1;
            _timerE = StartTimer(TransactionTimer.TimerE, _intervalE);
        }

        _timerF = StartTimer(TransactionTimer.TimerF, Timers.SixtyFourT1);
    }

    internal override void OnResponse(SipResponse response, InboundMessage received)
    {
        if (State is not (TransactionState.Trying or TransactionState.Proceeding))
        {
            return; // Completed absorbs retransmitted responses (§17.1.2.2); what lingers does so after.
        }

        if (response.StatusCode < 200)
        {
            State = TransactionState.Proceeding;
            PassUp(response, received);
            return;
        }

        StopTimer(ref _timerE);
        StopTimer(ref _timerF);
        State = TransactionState.Completed;
        SetFinal(response);
        PassUp(response, received);
        if (State != TransactionState.Completed)
        {
            return;
        }

        Linger(null); // Timer K; zero on a reliable transport.
    }

    internal override void OnTransportError(SipTransportException error)
    {
        if (!ForwardTransportError(error) && State is TransactionState.Trying or TransactionState.Proceeding)
        {
            FailTransport(error);
        }
    }

    private protected override void OnTimer(TransactionTimer timer)
    {
        switch (timer)
        {
            case TransactionTimer.TimerE when State is TransactionState.Trying or TransactionState.Proceeding:
                Layer.Metrics?.Retransmitted();
                SendRequest();

                // §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is T2.
                _intervalE = State == TransactionState.Proceeding ? Timers.T2 : Min(_intervalE + _intervalE, Timers.T2);
                _timerE = StartTimer(TransactionTimer.TimerE, _intervalE);
                break;
            case TransactionTimer.TimerF when State is TransactionState.Trying or TransactionState.Proceeding:
                _timerF = default;
                StopTimer(ref _timerE);
                TimeOut();
                break;
        }
    }

    private protected override void CancelTimers()
    {
        StopTimer(ref _timerE);
        StopTimer(ref _timerF);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
