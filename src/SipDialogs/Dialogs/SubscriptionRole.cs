namespace SipDialogs.Dialogs;

/// <summary>Which end of a subscription usage (RFC 6665) this end is.</summary>
public enum SubscriptionRole : byte
{
    /// <summary>This end subscribed: it sent the REFER and receives the NOTIFYs (RFC 3515 §2.4.4).</summary>
    Subscriber = 1,

    /// <summary>This end notifies: it accepted the REFER and sends the NOTIFYs.</summary>
    Notifier = 2,
}
