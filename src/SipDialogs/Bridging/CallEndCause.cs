namespace SipDialogs.Bridging;

/// <summary>Why a bridged call ended, as its <see cref="CallRecord"/> says.</summary>
public enum CallEndCause : byte
{
    /// <summary>The call has not ended.</summary>
    None,

    /// <summary>A party hung up with BYE (RFC 3261 §15).</summary>
    Bye,

    /// <summary>The caller cancelled before the call was answered (RFC 3261 §9).</summary>
    Cancelled,

    /// <summary>The call was not answered: the callee, or every target tried, refused it, or none answered in time.</summary>
    Rejected,

    /// <summary>The bridge refused the call before placing any B leg (not allowed, a loop, Max-Forwards, capacity, no route).</summary>
    Refused,

    /// <summary>A leg's session was not refreshed in time (RFC 4028 §10).</summary>
    SessionExpired,

    /// <summary>A 2xx never got its ACK (RFC 3261 §13.3.1.4).</summary>
    AckTimeout,

    /// <summary>A request in a leg got 481 or 408, or no answer (RFC 3261 §12.2.1.2).</summary>
    RequestFailed,

    /// <summary>The application ended the call (<see cref="CallBridge.DisposeAsync"/>), e.g. a drain.</summary>
    Ended,
}
