namespace SipDialogs.Dialogs;

/// <summary>
/// A change of a dialog that a replica must see, told to the <see cref="IDialogStore"/> on the dialog's shard, in the
/// order the changes happen.
/// </summary>
public enum DialogChange : byte
{
    /// <summary>The dialog was made and added (early or confirmed, RFC 3261 §12.1).</summary>
    Created = 1,

    /// <summary>A dialog moved here from another stack (<see cref="Hosting.SipStack.ImportDialogAsync"/>) or from the store's own copy.</summary>
    Imported,

    /// <summary>An early dialog became confirmed (a 2xx, RFC 3261 §12.1, §13.2.2.4).</summary>
    Confirmed,

    /// <summary>The remote target changed (a target refresh request or its 2xx, RFC 3261 §12.2).</summary>
    TargetRefreshed,

    /// <summary>This end sent a request in the dialog: the local CSeq went up (RFC 3261 §12.2.1.1).</summary>
    LocalCSeqUsed,

    /// <summary>The peer sent a request in the dialog: the remote CSeq changed (RFC 3261 §12.2.2).</summary>
    RemoteCSeqChanged,

    /// <summary>The session was refreshed or its timer renegotiated (RFC 4028), or a new session description was exchanged.</summary>
    SessionRefreshed,

    /// <summary>A subscription usage began (an accepted or sent REFER, RFC 3515).</summary>
    SubscriptionAdded,

    /// <summary>A subscription usage ended.</summary>
    SubscriptionEnded,

    /// <summary>The application changed <see cref="Dialog.ApplicationData"/>.</summary>
    ApplicationDataChanged,

    /// <summary>The dialog ended (RFC 3261 §12.3); it is removed next.</summary>
    Terminated,

    /// <summary>
    /// The dialog left this stack without ending (<see cref="Hosting.SipStack.ExportDialogAsync"/>); it is removed next
    /// and carries on elsewhere, so a replica keeps it.
    /// </summary>
    Exported,
}
