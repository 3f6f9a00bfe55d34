namespace SipDialogs.Dialogs;

/// <summary>The states of a dialog (RFC 3261 §12).</summary>
public enum DialogState : byte
{
    /// <summary>Made by a provisional response with a To tag (RFC 3261 §12.1); no 2xx yet.</summary>
    Early,

    /// <summary>Made or confirmed by a 2xx (RFC 3261 §12.1, §13.2.2.4).</summary>
    Confirmed,

    /// <summary>Ended: by BYE (RFC 3261 §15), by a non-2xx final response to the creating INVITE, or by 481/408 (§12.2.1.2).</summary>
    Terminated,
}
