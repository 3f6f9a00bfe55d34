namespace SipDialogs.Dialogs;

/// <summary>What a dialog makes of a request received within it (RFC 3261 §12.2.2).</summary>
internal enum InDialogRequestResult : byte
{
    /// <summary>In order: the remote CSeq was set from it (and the remote target, for a target refresh).</summary>
    Accepted,

    /// <summary>
    /// Its CSeq is lower than the remote CSeq: out of order, to be answered 500 (Server Internal Error,
    /// RFC 3261 §12.2.2). The dialog is unchanged.
    /// </summary>
    OutOfOrder,
}
