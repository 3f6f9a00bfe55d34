namespace SipDialogs.Redis;

/// <summary>One change of a held dialog queued for Redis, in the order its shard made it.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Held">The dialog's record as this node knows it.</param>
/// <param name="Snapshot">The state to write (writes), else null; serialized by the writer, off the shard, and only when it is
/// the last of its dialog in a batch.</param>
/// <param name="Version">The dialog's <see cref="HeldDialog.Version"/> the state was captured at.</param>
/// <param name="PreviousOwner">For the first write after a claim, the node whose set of owned dialogs loses the key.</param>
/// <param name="Barrier">For <see cref="ReplicationWriteKind.Barrier"/>, completed once everything before it is written.</param>
internal readonly record struct ReplicationWrite(
    ReplicationWriteKind Kind, HeldDialog Held, Dialogs.DialogSnapshot? Snapshot, long Version, string? PreviousOwner = null,
    TaskCompletionSource? Barrier = null);
