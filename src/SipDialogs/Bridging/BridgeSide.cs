namespace SipDialogs.Bridging;

/// <summary>Who ended a bridged call: one of its two parties, or the bridge itself.</summary>
public enum BridgeSide : byte
{
    /// <summary>The call has not ended.</summary>
    None,

    /// <summary>The caller, on the A leg (the call received).</summary>
    Caller,

    /// <summary>The callee, on the B leg (the call placed).</summary>
    Callee,

    /// <summary>The bridge: a refusal before any B leg, a leg's session timer or missing ACK, or the application.</summary>
    Bridge,
}
