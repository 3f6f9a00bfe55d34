namespace SipDialogs.Bridging;

/// <summary>How one attempt to reach a target ended.</summary>
public enum BridgeAttemptOutcome : byte
{
    /// <summary>The target answered with a 2xx and the caller was answered: the call is bridged.</summary>
    Answered,

    /// <summary>The target refused the call, or could not be reached; the caller has no final response yet.</summary>
    Failed,

    /// <summary>The caller cancelled (the stack answered it 487) and the B leg was cancelled with it.</summary>
    Cancelled,
}
