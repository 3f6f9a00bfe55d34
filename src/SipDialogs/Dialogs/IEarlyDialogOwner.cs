namespace SipDialogs.Dialogs;

/// <summary>
/// The call an early dialog came from, which alone can end it gracefully: CANCEL for a call this end placed, 480 for a
/// call it was offered (RFC 3261 §9.1, §13.3.1.3). A confirmed dialog has no such owner; it ends with BYE.
/// </summary>
internal interface IEarlyDialogOwner
{
    /// <summary>Ends the call the early dialog belongs to. On the shard.</summary>
    /// <returns>What to wait for until the call has ended, or null when it ended at once.</returns>
    Task? EndEarly();
}
