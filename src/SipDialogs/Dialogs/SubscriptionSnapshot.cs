namespace SipDialogs.Dialogs;

/// <summary>
/// One live subscription usage of a dialog (RFC 5057, RFC 6665) as a value: today the implicit subscription of a REFER
/// (RFC 3515), sent or accepted.
/// </summary>
public sealed class SubscriptionSnapshot : IEquatable<SubscriptionSnapshot>
{
    /// <summary>The event package, e.g. <c>refer</c>.</summary>
    public required string EventPackage { get; init; }

    /// <summary>The id of the Event header: for REFER, the CSeq number of the REFER (RFC 3515 §2.4.6).</summary>
    public required uint EventId { get; init; }

    /// <summary>Whether this end subscribes or notifies.</summary>
    public required SubscriptionRole Role { get; init; }

    /// <summary>
    /// When the subscription expires unless refreshed (RFC 6665 §4.1.2.3, §4.2.2), or null while not yet known (a
    /// subscriber that has had no NOTIFY).
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Subscriber: the Refer-To URI this end sent. Notifier: the URI it was asked to call.</summary>
    public string ReferTo { get; init; } = string.Empty;

    /// <summary>The last status reported by NOTIFY (a sipfrag status line's code), 0 when none yet.</summary>
    public int LastStatus { get; init; }

    /// <summary>The reason phrase of <see cref="LastStatus"/>, empty when none.</summary>
    public string LastReason { get; init; } = string.Empty;

    /// <inheritdoc/>
    public bool Equals(SubscriptionSnapshot? other) =>
        other is not null && EventPackage == other.EventPackage && EventId == other.EventId && Role == other.Role &&
        ExpiresAt == other.ExpiresAt && ReferTo == other.ReferTo && LastStatus == other.LastStatus && LastReason == other.LastReason;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SubscriptionSnapshot);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(EventPackage, EventId, Role, ExpiresAt, LastStatus);
}
