namespace SipDialogs.Bridging;

/// <summary>
/// What a bridged call was, once it has ended: the call detail record an operator keeps (both legs' Call-IDs, the
/// parties, the target used, the times, the final status, who hung up and why). It carries no Via, Contact or tag.
/// </summary>
public sealed record CallRecord
{
    /// <summary>The A leg's Call-ID (the call received).</summary>
    public required string CallerCallId { get; init; }

    /// <summary>The B leg's Call-ID, or null when no B leg was placed.</summary>
    public string? CalleeCallId { get; init; }

    /// <summary>The caller: the URI of the A leg's From.</summary>
    public required string Caller { get; init; }

    /// <summary>The callee: the A leg's Request-URI.</summary>
    public required string Callee { get; init; }

    /// <summary>The last target tried (the B leg's Request-URI and next hop), or null when none was.</summary>
    public string? Target { get; init; }

    /// <summary>When the INVITE of the A leg was taken.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When both legs were answered, or null when the call never was.</summary>
    public DateTimeOffset? AnsweredAt { get; init; }

    /// <summary>When the call ended.</summary>
    public required DateTimeOffset EndedAt { get; init; }

    /// <summary>How long the call was up: answer to end, zero when it was never answered.</summary>
    public TimeSpan Duration => AnsweredAt is { } answered ? EndedAt - answered : TimeSpan.Zero;

    /// <summary>The final status the caller got (200 for a call answered, 487 cancelled, the refusal otherwise).</summary>
    public required int FinalStatus { get; init; }

    /// <summary>Who ended the call.</summary>
    public required BridgeSide HungUpBy { get; init; }

    /// <summary>Why it ended.</summary>
    public required CallEndCause Cause { get; init; }
}
