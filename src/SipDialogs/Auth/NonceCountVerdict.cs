namespace SipDialogs.Auth;

/// <summary>What <see cref="NonceCountTracker.TryUse"/> says of a nonce count.</summary>
internal enum NonceCountVerdict
{
    /// <summary>A first use, or a higher count than any before: recorded.</summary>
    Accepted = 0,

    /// <summary>This count (or a higher one) was used before with this nonce.</summary>
    Replayed,

    /// <summary>The nonce was dropped under memory pressure; whether it was used is unknown, so it counts as stale.</summary>
    Forgotten,
}
