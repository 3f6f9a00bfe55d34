namespace SipDialogs.Bridging;

/// <summary>The outcome of <see cref="CallBridge.ConnectAsync"/>: answered, cancelled, or failed with a status.</summary>
/// <param name="Outcome">How the attempt ended.</param>
/// <param name="StatusCode">The final status of the B leg's INVITE (a local 408 for Timer B, 503 for a transport error).</param>
/// <param name="ReasonPhrase">Its reason phrase.</param>
public readonly record struct BridgeAttempt(BridgeAttemptOutcome Outcome, int StatusCode, string? ReasonPhrase)
{
    /// <summary>
    /// Whether another target should be tried: the target timed out (408, Timer B) or was unavailable (503, a transport
    /// error), as carriers route in sequence. Any other refusal is the callee's answer and goes back to the caller.
    /// </summary>
    public bool TryNextTarget => Outcome == BridgeAttemptOutcome.Failed && StatusCode is 408 or 503;
}
