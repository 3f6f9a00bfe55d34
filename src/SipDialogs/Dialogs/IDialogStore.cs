using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Dialogs;

/// <summary>
/// Where a stack keeps its live dialogs (RFC 3261 §12), found by identifier or by Call-ID (an INVITE that forks makes
/// several early dialogs under one Call-ID, §12.1.2, §13.2.2.4).
/// </summary>
/// <remarks>
/// Every method but the counts is called on the shard that owns the dialog's Call-ID, and only there: an
/// implementation may keep each shard's dialogs unsynchronized. The counts may be read from any thread.
/// </remarks>
internal interface IDialogStore
{
    /// <summary>Live dialogs over all shards; readable from any thread, a sum of per-shard counts taken one by one.</summary>
    int Count { get; }

    /// <summary>Live dialogs of one shard; readable from any thread.</summary>
    /// <param name="shardIndex">The shard.</param>
    /// <returns>The count.</returns>
    int GetCount(int shardIndex);

    /// <summary>Adds a dialog.</summary>
    /// <param name="dialog">The dialog.</param>
    /// <returns>False when a dialog with the same identifier is already held.</returns>
    bool TryAdd(Dialog dialog);

    /// <summary>Finds the dialog with this identifier.</summary>
    /// <param name="id">The identifier as this end sees it.</param>
    /// <param name="dialog">The dialog, when found.</param>
    /// <returns>Whether it was found.</returns>
    bool TryGet(in DialogId id, [NotNullWhen(true)] out Dialog? dialog);

    /// <summary>
    /// Finds a dialog by the parts of its identifier as they are in a message, without allocating: for a request
    /// received, local = To tag and remote = From tag (RFC 3261 §12.2.2).
    /// </summary>
    /// <param name="callId">The Call-ID.</param>
    /// <param name="localTag">The local tag.</param>
    /// <param name="remoteTag">The remote tag.</param>
    /// <param name="dialog">The dialog, when found.</param>
    /// <returns>Whether it was found.</returns>
    bool TryGet(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [NotNullWhen(true)] out Dialog? dialog);

    /// <summary>Appends every dialog of a Call-ID to <paramref name="into"/>.</summary>
    /// <param name="callId">The Call-ID.</param>
    /// <param name="into">Where they are appended; reuse one list to allocate nothing.</param>
    /// <returns>How many were appended.</returns>
    int GetByCallId(ReadOnlySpan<byte> callId, List<Dialog> into);

    /// <summary>Removes the dialog with this identifier.</summary>
    /// <param name="id">The identifier.</param>
    /// <returns>Whether it was held.</returns>
    bool Remove(in DialogId id);
}
