using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// A SIP transaction (RFC 3261 §17): one request and its responses, with the state machine and timers of its kind.
/// A transaction lives on the shard that owns its Call-ID; its state is read and changed only on that shard's thread.
/// </summary>
internal abstract class Transaction : ITimerTarget
{
    private protected Transaction(TransactionLayer layer, Shard shard, string method, bool reliable, byte[] key, TransactionTableKind tableKind)
    {
        Layer = layer;
        Shard = shard;
        Method = method;
        IsReliable = reliable;
        Key = key;
        TableKind = tableKind;
    }

    /// <summary>The shard that owns the transaction; its members are used on this shard's thread.</summary>
    public Shard Shard { get; }

    /// <summary>The method of the request that created the transaction.</summary>
    public string Method { get; }

    /// <summary>The current state (RFC 3261 §17 Figures 5–8, RFC 6026 Figures 3 and 5).</summary>
    public virtual TransactionState State { get; private protected set; }

    /// <summary>
    /// True over a reliable transport (TCP, TLS): nothing is retransmitted and the Completed-state timers are zero
    /// (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
    /// </summary>
    public bool IsReliable { get; }

    /// <summary>True for a client transaction.</summary>
    public abstract bool IsClient { get; }

    /// <summary>The key the transaction is matched by in its table.</summary>
    internal byte[] Key { get; }

    /// <summary>Which table holds it.</summary>
    internal TransactionTableKind TableKind { get; }

    internal TransactionLayer Layer { get; }

    private protected SipTimerOptions Timers => Layer.TimerOptions;

    /// <summary>The transaction the user is told of: this one, unless it stands in for one the user knows.</summary>
    private protected virtual Transaction Reported => this;

    void ITimerTarget.OnTimer(int timer)
    {
        if (State != TransactionState.Terminated)
        {
            OnTimer((TransactionTimer)timer);
        }
    }

    /// <summary>The transport failed to send for this transaction (RFC 3261 §17.1.4, §17.2.4); on the shard.</summary>
    internal abstract void OnTransportError(SipTransportException error);

    private protected abstract void OnTimer(TransactionTimer timer);

    /// <summary>Cancels every timer the transaction holds.</summary>
    private protected abstract void CancelTimers();

    /// <summary>Starts a timer on the shard's wheel.</summary>
    private protected TimerHandle StartTimer(TransactionTimer timer, TimeSpan delay) => Shard.Timers.Schedule(delay, this, (int)timer);

    /// <summary>Cancels a timer and clears its handle.</summary>
    private protected void StopTimer(ref TimerHandle handle) => Shard.Timers.Cancel(ref handle);

    /// <summary>
    /// Enters Terminated: the transaction leaves its table and its timers stop at once (RFC 3261 §17.1.1.2: "destroyed
    /// the instant it enters the Terminated state"), then the transaction user is told.
    /// </summary>
    private protected void Terminate()
    {
        if (State == TransactionState.Terminated)
        {
            return;
        }

        State = TransactionState.Terminated;
        CancelTimers();
        Layer.Remove(this);
        OnTerminated();
        Layer.NotifyTerminated(Reported);
    }

    /// <summary>Called once on entering Terminated, before the user is told.</summary>
    private protected virtual void OnTerminated()
    {
    }
}
