namespace SipDialogs.Dialogs;

/// <summary>Why a dialog ended (RFC 3261 §12.3, §15; RFC 4028 §10): what a call record says about its hang-up.</summary>
public enum DialogEndReason : byte
{
    /// <summary>Not ended, or ended without one of the causes below (an early dialog that never got its 2xx, say).</summary>
    None,

    /// <summary>The peer sent BYE (RFC 3261 §15.1.2).</summary>
    ByeReceived,

    /// <summary>This end sent BYE (RFC 3261 §15.1.1), as the application or the stack's drain asked.</summary>
    ByeSent,

    /// <summary>No session refresh came in time, or none could be made (RFC 4028 §10): this end sent BYE.</summary>
    SessionExpired,

    /// <summary>The ACK of this end's 2xx never came (RFC 3261 §13.3.1.4): this end sent BYE.</summary>
    AckTimeout,

    /// <summary>A request in the dialog got 481 or 408, or none (RFC 3261 §12.2.1.2).</summary>
    RequestFailed,
}
