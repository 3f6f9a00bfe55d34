using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Dialogs;

/// <summary>
/// Where a stack keeps its live dialogs, and the seam through which the dialog layer creates, finds, changes and removes
/// every one of them (RFC 3261 §12). The default keeps them in memory, one partition per shard; a replicated store
/// wraps it (see <see cref="DialogStoreFactory"/>), writes each change elsewhere and finds there what it does not hold.
/// </summary>
/// <remarks>
/// <para>
/// Every member but the counts is called on the shard that owns the dialog's Call-ID, and only there, one call at a
/// time per shard: an implementation may keep each shard's dialogs unsynchronized, and sees each dialog's changes in
/// the order they happen. It must not block: work that waits (a network round trip) goes behind
/// <see cref="TryFindMissing"/>, or is queued and done off the shard.
/// </para>
/// <para>
/// A dialog is added (<see cref="TryAdd"/>, after which <see cref="OnChanged"/> tells <see cref="DialogChange.Created"/>
/// or <see cref="DialogChange.Imported"/>), changed (each change told once), and removed after
/// <see cref="DialogChange.Terminated"/> or <see cref="DialogChange.Exported"/>.
/// </para>
/// </remarks>
public interface IDialogStore
{
    /// <summary>Live dialogs over all shards; readable from any thread.</summary>
    int Count { get; }

    /// <summary>Adds a dialog.</summary>
    /// <param name="dialog">The dialog.</param>
    /// <returns>False when a dialog with the same identifier is already held.</returns>
    bool TryAdd(Dialog dialog);

    /// <summary>Finds the dialog with this identifier among those held here.</summary>
    /// <param name="id">The identifier as this end sees it.</param>
    /// <param name="dialog">The dialog, when found.</param>
    /// <returns>Whether it was found.</returns>
    bool TryGet(in DialogId id, [NotNullWhen(true)] out Dialog? dialog);

    /// <summary>
    /// Finds a dialog held here by the parts of its identifier as they are in a message, without allocating: for a
    /// request received, local = To tag and remote = From tag (RFC 3261 §12.2.2).
    /// </summary>
    /// <param name="callId">The Call-ID.</param>
    /// <param name="localTag">The local tag.</param>
    /// <param name="remoteTag">The remote tag.</param>
    /// <param name="dialog">The dialog, when found.</param>
    /// <returns>Whether it was found.</returns>
    bool TryGet(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [NotNullWhen(true)] out Dialog? dialog);

    /// <summary>Appends every dialog held here under a Call-ID (the forks of one INVITE, RFC 3261 §12.1.2) to <paramref name="into"/>.</summary>
    /// <param name="callId">The Call-ID.</param>
    /// <param name="into">Where they are appended; reuse one list to allocate nothing.</param>
    /// <returns>How many were appended.</returns>
    int GetByCallId(ReadOnlySpan<byte> callId, List<Dialog> into);

    /// <summary>
    /// The miss path: a request came for a dialog this store does not hold. A replicated store starts looking for it
    /// elsewhere (and claims it) and answers its state, which the stack then imports; the shard serves other calls
    /// meanwhile. The in-memory store answers false at once.
    /// </summary>
    /// <param name="id">The identifier as this end would see it.</param>
    /// <param name="pending">The lookup, when one was started: the dialog's state, or null when it is nowhere.</param>
    /// <returns>False when the store knows at once that the dialog is nowhere (the request then gets 481, RFC 3261 §12.2.2).</returns>
    bool TryFindMissing(in DialogId id, out ValueTask<DialogSnapshot?> pending);

    /// <summary>
    /// A held dialog changed. A replicated store may read the new state with <see cref="Dialog.CaptureSnapshot"/>, here
    /// and only here on the shard, and write it elsewhere (queued, never waited for on the shard).
    /// </summary>
    /// <param name="dialog">The dialog.</param>
    /// <param name="change">What changed.</param>
    void OnChanged(Dialog dialog, DialogChange change);

    /// <summary>
    /// Asked before a timer makes a held dialog send a request of its own (a session refresh, or the BYE of an expired
    /// session, RFC 4028 §10): whether the store must first make sure the dialog is still this stack's. A replicated
    /// store says yes when another stack may have claimed the dialog meanwhile (this one was frozen or cut off), so that
    /// an overdue timer never sends for a call that moved. The default says no: the request goes at once.
    /// </summary>
    /// <param name="dialog">The dialog whose timer fired.</param>
    /// <param name="pending">The check, when one was started: true when the dialog is still this stack's. It may complete
    /// off the shard; the stack then goes on on the shard, and when it is false sends nothing and forgets the dialog
    /// without a word to the peer (<see cref="DialogChange.Exported"/>).</param>
    /// <returns>True when the request must wait for <paramref name="pending"/>.</returns>
    bool TryCheckOwner(Dialog dialog, out ValueTask<bool> pending)
    {
        pending = default;
        return false;
    }

    /// <summary>Removes a dialog after its <see cref="DialogChange.Terminated"/> or <see cref="DialogChange.Exported"/>.</summary>
    /// <param name="id">The identifier.</param>
    /// <returns>Whether it was held.</returns>
    bool Remove(in DialogId id);
}
