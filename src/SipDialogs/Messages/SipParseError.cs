namespace SipDialogs.Messages;

/// <summary>
/// Why input was refused: the reason, the header it concerns (if any) and the byte offset in the message where
/// the fault was found. <see cref="SipRejectReasons"/> turns it into a status code and reason phrase.
/// </summary>
/// <param name="Reason">What was wrong.</param>
/// <param name="Header">The header concerned, or <see cref="SipHeaderKind.Unknown"/> when none or not a known one.</param>
/// <param name="Offset">The byte offset in the input where the fault was found, or -1 when not tied to one place.</param>
/// <param name="HeaderName">The header's name as written when it is not a known header, else null.</param>
public readonly record struct SipParseError(SipRejectReason Reason, SipHeaderKind Header = SipHeaderKind.Unknown, int Offset = -1, string? HeaderName = null)
{
    /// <summary>The name of the header concerned (canonical for known headers), or null when none.</summary>
    public string? HeaderDisplayName => Header != SipHeaderKind.Unknown ? SipHeaderNames.GetCanonicalName(Header) : HeaderName;

    /// <summary>The reason phrase a 4xx/5xx answer to the request should carry, e.g. "Malformed Via".</summary>
    public string ReasonPhrase => SipRejectReasons.GetReasonPhrase(this);

    /// <summary>The status code a request refused for this reason should be answered with.</summary>
    public int StatusCode => SipRejectReasons.GetStatusCode(Reason);

    /// <inheritdoc/>
    public override string ToString() =>
        Offset >= 0 ? $"{ReasonPhrase} (at byte {Offset})" : ReasonPhrase;
}
