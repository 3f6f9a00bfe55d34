namespace SipDialogs.Dialogs;

/// <summary>The end of a transfer: how it ended and the last status the transferee reported.</summary>
public sealed class TransferOutcome
{
    internal TransferOutcome(TransferResult result, int statusCode, string? reasonPhrase, string? subscriptionReason)
    {
        Result = result;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        SubscriptionReason = subscriptionReason;
    }

    /// <summary>How the transfer ended.</summary>
    public TransferResult Result { get; }

    /// <summary>
    /// The referred request's last reported status (from the last NOTIFY's sipfrag), or, when the REFER was declined,
    /// the REFER's own final status; 0 when none is known.
    /// </summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase that went with <see cref="StatusCode"/>, when there was one.</summary>
    public string? ReasonPhrase { get; }

    /// <summary>
    /// Why the subscription ended (the reason of <c>Subscription-State: terminated</c>, RFC 6665 §4.1.3: noresource,
    /// timeout, rejected…), or the stack's own word when it ended it: "dialog-ended", "no-notify".
    /// </summary>
    public string? SubscriptionReason { get; }

    /// <summary>True when the referred request succeeded.</summary>
    public bool Succeeded => Result == TransferResult.Succeeded;

    /// <inheritdoc/>
    public override string ToString() => $"{Result} ({StatusCode} {ReasonPhrase}; subscription {SubscriptionReason ?? "-"})";
}
