namespace SipDialogs.Dialogs;

/// <summary>One side of a REFER's implicit subscription, found in its dialog by the id of its Event header.</summary>
internal interface IReferSubscription
{
    /// <summary>The REFER's CSeq number (RFC 3515 §2.4.6).</summary>
    uint EventId { get; }
}
