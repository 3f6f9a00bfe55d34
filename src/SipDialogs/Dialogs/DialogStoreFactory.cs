namespace SipDialogs.Dialogs;

/// <summary>
/// Chooses the dialog store of a <see cref="Hosting.SipStack"/>: given the default in-memory store (one partition per
/// shard), returns it, or a store that wraps it (to replicate each change and find elsewhere what it lacks).
/// </summary>
/// <param name="inMemory">The stack's in-memory store, already sized to its shards.</param>
/// <returns>The store the stack uses.</returns>
public delegate IDialogStore DialogStoreFactory(IDialogStore inMemory);
