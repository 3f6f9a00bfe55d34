using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using SipDialogs.Runtime;

namespace SipDialogs.Dialogs;

/// <summary>
/// The in-memory dialog store: one plain <see cref="Dictionary{TKey, TValue}"/> per shard, keyed by Call-ID, each read
/// and written only by its shard's thread, so no lock is taken and none is shared between shards.
/// </summary>
/// <remarks>
/// <para>
/// One entry per Call-ID: the dialogs of an INVITE that forked (same Call-ID and local tag, one remote tag each) hang
/// off it in a short chain through <see cref="Dialog.NextWithSameCallId"/>, so a lookup by identifier is one hash of
/// the Call-ID and a compare of the tags, and a lookup by Call-ID needs no second index.
/// </para>
/// <para>
/// Ownership is checked in debug builds: code running on one shard must not touch another's partition. Callers on no
/// shard at all (start-up, tests, tools) are let through; they must not run concurrently with the shard.
/// </para>
/// <para>
/// The per-shard counts are written by their shard with <c>Volatile.Write</c> and read from any
/// thread with <c>Volatile.Read</c>; each sits on its own cache line so that one shard's adds do not
/// slow another's reads.
/// </para>
/// </remarks>
internal sealed class ShardedDialogStore : IDialogStore
{
    // Ints per cache line (64 bytes), and again as padding: counts[(i + 1) * Stride] stays clear of the array header
    // and of its neighbours' lines.
    private const int Stride = 16;

    private readonly ShardSet _shards;
    private readonly Dictionary<DialogId, Dialog>[] _partitions;
    private readonly int[] _counts;

    /// <summary>Creates an empty store with one partition per shard of <paramref name="shards"/>.</summary>
    /// <param name="shards">The shards whose Call-ID routing the store follows.</param>
    /// <param name="capacityPerShard">Dialogs each partition holds before it grows.</param>
    public ShardedDialogStore(ShardSet shards, int capacityPerShard = 0)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentOutOfRangeException.ThrowIfNegative(capacityPerShard);
        _shards = shards;
        _partitions = new Dictionary<DialogId, Dialog>[shards.Count];
        for (int i = 0; i < _partitions.Length; i++)
        {
            _partitions[i] = new Dictionary<DialogId, Dialog>(capacityPerShard, DialogCallIdComparer.Instance);
        }

        _counts = new int[(shards.Count + 2) * Stride];
    }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            int total = 0;
            for (int i = 0; i < _partitions.Length; i++)
            {
                total += Volatile.Read(ref _counts[(i + 1) * Stride]);
            }

            return total;
        }
    }

    /// <inheritdoc/>
    public int GetCount(int shardIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shardIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shardIndex, _partitions.Length);
        return Volatile.Read(ref _counts[(shardIndex + 1) * Stride]);
    }

    /// <inheritdoc/>
    public bool TryAdd(Dialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        DialogId id = dialog.Id;
        int shard = Owner(id.CallIdBytes);
        Dictionary<DialogId, Dialog> partition = _partitions[shard];
        if (partition.TryGetValue(id, out Dialog? head))
        {
            for (Dialog? d = head; d is not null; d = d.NextWithSameCallId)
            {
                if (d.Id.TagsMatch(id.LocalTagBytes, id.RemoteTagBytes))
                {
                    return false;
                }
            }

            // A fork: second in the chain, so the entry's key (the head's identifier) stays as it is.
            dialog.NextWithSameCallId = head.NextWithSameCallId;
            head.NextWithSameCallId = dialog;
        }
        else
        {
            dialog.NextWithSameCallId = null;
            partition.Add(id, dialog);
        }

        ref int count = ref _counts[(shard + 1) * Stride];
        Volatile.Write(ref count, count + 1);
        return true;
    }

    /// <inheritdoc/>
    public bool TryGet(in DialogId id, [NotNullWhen(true)] out Dialog? dialog) =>
        TryGet(id.CallIdBytes, id.LocalTagBytes, id.RemoteTagBytes, out dialog);

    /// <inheritdoc/>
    public bool TryGet(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [NotNullWhen(true)] out Dialog? dialog)
    {
        Dictionary<DialogId, Dialog>.AlternateLookup<ReadOnlySpan<byte>> lookup =
            _partitions[Owner(callId)].GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(callId, out DialogId headId, out Dialog? head))
        {
            // The entry's key is the head's identifier, whose bytes the Call-ID compare has just read: checking its
            // tags there saves a cache miss on the dialog object in the usual case of one dialog per Call-ID.
            if (headId.TagsMatch(localTag, remoteTag))
            {
                dialog = head;
                return true;
            }

            for (Dialog? d = head.NextWithSameCallId; d is not null; d = d.NextWithSameCallId)
            {
                if (d.Id.TagsMatch(localTag, remoteTag))
                {
                    dialog = d;
                    return true;
                }
            }
        }

        dialog = null;
        return false;
    }

    /// <inheritdoc/>
    public int GetByCallId(ReadOnlySpan<byte> callId, List<Dialog> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        Dictionary<DialogId, Dialog>.AlternateLookup<ReadOnlySpan<byte>> lookup =
            _partitions[Owner(callId)].GetAlternateLookup<ReadOnlySpan<byte>>();
        int found = 0;
        if (lookup.TryGetValue(callId, out Dialog? head))
        {
            for (Dialog? d = head; d is not null; d = d.NextWithSameCallId)
            {
                into.Add(d);
                found++;
            }
        }

        return found;
    }

    /// <inheritdoc/>
    public bool Remove(in DialogId id)
    {
        int shard = Owner(id.CallIdBytes);
        Dictionary<DialogId, Dialog> partition = _partitions[shard];
        if (!partition.TryGetValue(id, out Dialog? head))
        {
            return false;
        }

        ReadOnlySpan<byte> localTag = id.LocalTagBytes;
        ReadOnlySpan<byte> remoteTag = id.RemoteTagBytes;
        if (head.Id.TagsMatch(localTag, remoteTag))
        {
            // The entry is keyed by the head's identifier: re-key it by the next fork's, if any.
            partition.Remove(id);
            Dialog? next = head.NextWithSameCallId;
            head.NextWithSameCallId = null;
            if (next is not null)
            {
                partition.Add(next.Id, next);
            }
        }
        else
        {
            Dialog previous = head;
            Dialog? d = head.NextWithSameCallId;
            while (d is not null && !d.Id.TagsMatch(localTag, remoteTag))
            {
                previous = d;
                d = d.NextWithSameCallId;
            }

            if (d is null)
            {
                return false;
            }

            previous.NextWithSameCallId = d.NextWithSameCallId;
            d.NextWithSameCallId = null;
        }

        ref int count = ref _counts[(shard + 1) * Stride];
        Volatile.Write(ref count, count - 1);
        return true;
    }

    /// <summary>The shard that owns a Call-ID; in debug builds, checks that the caller is on it or on no shard.</summary>
    private int Owner(ReadOnlySpan<byte> callId)
    {
        int index = _shards.GetShardIndex(callId);
        Debug.Assert(Shard.Current is null || Shard.Current == _shards[index], "A dialog was touched from a shard that does not own its Call-ID.");
        return index;
    }
}
