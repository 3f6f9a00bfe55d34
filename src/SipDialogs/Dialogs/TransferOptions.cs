namespace SipDialogs.Dialogs;

/// <summary>
/// How the stack answers REFER (RFC 3515) when no handler does: whether it acts as a transferee, and how long the
/// implicit subscription of an accepted REFER lasts.
/// </summary>
public sealed class TransferOptions
{
    /// <summary>
    /// Accept a REFER that no <see cref="Dialogs.Dialog.ReferReceived"/> or <see cref="Hosting.SipStack.ReferReceived"/>
    /// handler answers: 202, then the stack calls the Refer-To target and reports the call's progress by NOTIFY.
    /// Default false: such a REFER is declined 603, since a server should not call where a peer tells it to unless it
    /// was set up to.
    /// </summary>
    public bool AcceptReferrals { get; set; }

    /// <summary>
    /// How long the implicit subscription of an accepted REFER lasts (Subscription-State expires, RFC 6665 §4.2.1):
    /// when the referred call has no final response by then, a last NOTIFY says terminated;reason=timeout and the
    /// subscription is freed. Default 60 s; between 1 s and one hour.
    /// </summary>
    public TimeSpan SubscriptionDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks the values.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (SubscriptionDuration < TimeSpan.FromSeconds(1) || SubscriptionDuration > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException($"{nameof(SubscriptionDuration)} must be between 1 s and one hour; it is {SubscriptionDuration}.");
        }
    }
}
