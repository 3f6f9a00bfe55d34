using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// A client transaction after its final response, for the time it waits out (RFC 3261 §17.1.1.2 Completed and Timer
/// D, §17.1.2.2 Completed and Timer K, RFC 6026 §7.2 Accepted and Timer M): it keeps the key it is matched by, the
/// ACK's bytes and where they go in Completed of an INVITE, and its timer; nothing of the request, the final response
/// or the awaiters' completion. It takes the <see cref="ClientTransaction"/>'s place in the table and on the timing
/// wheel, so that object is its awaiters' and owner's alone and goes when they let go of it.
/// </summary>
/// <remarks>
/// An owner (<see cref="IClientTransactionOwner"/>) knows its transaction by the object it started, and in Accepted
/// reads it for each further 2xx; so for a transaction with an owner that object stays reachable from here until the
/// end, and the user is told of it, not of this one. The owner holds it for that long anyway.
/// </remarks>
internal sealed class LingeringClientTransaction : Transaction
{
    private readonly SipEndPoint _target;
    private readonly ClientTransaction? _owned;
    private byte[]? _ack;
    private TimerHandle _timer; // D in Completed of an INVITE, K of a non-INVITE, M in Accepted.

    /// <summary>Takes over from <paramref name="transaction"/>, which has just passed its final response up.</summary>
    /// <param name="transaction">The transaction; referred to afterwards only when it has an owner.</param>
    /// <param name="ack">In Completed of an INVITE, the ACK sent for the non-2xx final response; null otherwise.</param>
    /// <param name="state">Completed or Accepted.</param>
    internal LingeringClientTransaction(ClientTransaction transaction, byte[]? ack, TransactionState state)
        : base(transaction.Layer, transaction.Shard, transaction.Method, transaction.IsReliable, transaction.Key, transaction.TableKind)
    {
        _target = transaction.Target;
        _owned = transaction.Owner is null ? null : transaction;
        _ack = ack;
        State = state;
    }

    /// <inheritdoc/>
    public override bool IsClient => true;

    /// <summary>The transaction the user and owner know, when it has an owner; this one otherwise.</summary>
    private protected override Transaction Reported => _owned ?? (Transaction)this;

    /// <summary>Starts the timer of the state entered. On the shard.</summary>
    internal void Start()
    {
        _timer = State == TransactionState.Accepted
            ? StartTimer(TransactionTimer.TimerM, Timers.SixtyFourT1) // RFC 6026 §8.4
            : Method == SipMethods.Invite
                ? StartTimer(TransactionTimer.TimerD, Timers.EffectiveTimerD) // §17.1.1.2
                : StartTimer(TransactionTimer.TimerK, Timers.T4); // §17.1.2.2; UDP only, see ClientTransaction.Linger.
    }

    /// <summary>
    /// A response matched: in Completed of an INVITE a retransmitted non-2xx gets the same ACK and is not passed up
    /// (§17.1.1.2); other responses in Completed are absorbed (§17.1.2.2); in Accepted every 2xx goes to the user
    /// (RFC 6026 §7.2), with the transaction the owner knows, or, without an owner, as a 2xx no transaction waits for.
    /// On the shard.
    /// </summary>
    /// <param name="response">The response.</param>
    /// <param name="received">The response as received.</param>
    internal void OnResponse(SipResponse response, InboundMessage received)
    {
        int status = response.StatusCode;
        if (State == TransactionState.Completed)
        {
            if (status >= 300 && _ack is { } ack)
            {
                Layer.SendRequest(this, ack, _target);
            }
        }
        else if (State == TransactionState.Accepted && status is >= 200 and < 300)
        {
            if (_owned is { } owned)
            {
                Layer.NotifyResponse(owned, response, received);
            }
            else
            {
                Layer.NotifyStrayResponse(Shard, received);
            }
        }
    }

    internal override void OnTransportError(SipTransportException error)
    {
        // Figure 5: Completed of an INVITE ends on a transport error (its ACK could not go); Accepted sends nothing,
        // and Completed of a non-INVITE neither (Figure 6).
        if (State == TransactionState.Completed && _ack is not null)
        {
            Layer.NotifyTransportError(Reported, error);
            Terminate();
        }
    }

    private protected override void OnTimer(TransactionTimer timer)
    {
        switch (timer)
        {
            case TransactionTimer.TimerD when State == TransactionState.Completed:
            case TransactionTimer.TimerK when State == TransactionState.Completed:
            case TransactionTimer.TimerM when State == TransactionState.Accepted:
                _timer = default;
                Terminate();
                break;
        }
    }

    private protected override void CancelTimers() => StopTimer(ref _timer);

    private protected override void OnTerminated() => _ack = null;
}
