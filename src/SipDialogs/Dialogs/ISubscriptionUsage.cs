using SipDialogs.Transactions;

namespace SipDialogs.Dialogs;

/// <summary>
/// A subscription usage of a dialog (RFC 5057 §3, RFC 6665): one event package, one id, one side. The dialog matches
/// a NOTIFY (to the subscriber) or a SUBSCRIBE (to the notifier) by package and id, after the §12.2.2 checks, and
/// passes it here to be answered; the usage tells the dialog when it ends. REFER's implicit subscription is the one
/// package served today: <see cref="Transfer"/> subscribes, <see cref="ReferNotifier"/> notifies.
/// </summary>
/// <remarks>Lives on the shard of its dialog, like the dialog: no lock, nothing volatile.</remarks>
internal interface ISubscriptionUsage
{
    /// <summary>The event package, e.g. <c>refer</c> (RFC 6665 §7.2).</summary>
    string EventPackage { get; }

    /// <summary>The <c>id</c> of its Event header: for REFER, the REFER's CSeq number (RFC 3515 §2.4.6).</summary>
    uint EventId { get; }

    /// <summary>Which side of the subscription this end is.</summary>
    SubscriptionRole Role { get; }

    /// <summary>A NOTIFY of this subscription (subscriber side), matched by the dialog: checked and answered here. On the shard.</summary>
    /// <param name="transaction">The NOTIFY's transaction.</param>
    void OnNotify(ServerTransaction transaction);

    /// <summary>A SUBSCRIBE refreshing this subscription (notifier side), matched by the dialog: answered here. On the shard.</summary>
    /// <param name="transaction">The SUBSCRIBE's transaction.</param>
    void OnSubscribe(ServerTransaction transaction);

    /// <summary>The subscription as a value, for the dialog's snapshot. On the shard.</summary>
    /// <param name="clock">The shard's clock.</param>
    /// <returns>The snapshot.</returns>
    SubscriptionSnapshot Capture(TimeProvider clock);

    /// <summary>The dialog ended (or moved away): the subscription is freed, without NOTIFY. On the shard.</summary>
    void EndWithDialog();
}
