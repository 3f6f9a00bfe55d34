using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using SipDialogs.Messages;
using SipDialogs.Runtime;

namespace SipDialogs.Dialogs;

/// <summary>
/// The in-memory dialog store: one <see cref="DialogPartition"/> (an open-addressing table keyed by the Call-ID's
/// hash) per shard, each read and written only by its shard's thread, so no lock is taken and none is shared between
/// shards.
/// </summary>
/// <remarks>
/// <para>
/// The Call-ID is hashed once (<see cref="CallIdHash"/>; an identifier carries its hash from when it was made) and
/// that hash picks both the shard, as <see cref="ShardSet"/> routes messages, and the slot in the shard's table.
/// One entry per Call-ID, which also holds the dialogs of an INVITE that forked, so a lookup by Call-ID needs no second
/// index. It keeps nothing elsewhere: <see cref="TryFindMissing"/> answers false at once and changes are not recorded.
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
    private readonly DialogPartition[] _partitions;
    private readonly int[] _counts;

    /// <summary>Creates an empty store with one partition per shard of <paramref name="shards"/>.</summary>
    /// <param name="shards">The shards whose Call-ID routing the store follows.</param>
    /// <param name="capacityPerShard">Call-IDs each partition holds before it grows.</param>
    public ShardedDialogStore(ShardSet shards, int capacityPerShard = 0)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentOutOfRangeException.ThrowIfNegative(capacityPerShard);
        _shards = shards;
        _partitions = new DialogPartition[shards.Count];
        for (int i = 0; i < _partitions.Length; i++)
        {
            _partitions[i] = new DialogPartition(capacityPerShard);
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

    /// <summary>Live dialogs of one shard; readable from any thread.</summary>
    /// <param name="shardIndex">The shard.</param>
    /// <returns>The count.</returns>
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
        ulong hash = dialog.Id.CallIdHash;
        int shard = Owner(hash);
        if (!_partitions[shard].TryAdd(hash, dialog))
        {
            return false;
        }

        ref int count = ref _counts[(shard + 1) * Stride];
        Volatile.Write(ref count, count + 1);
        return true;
    }

    /// <inheritdoc/>
    public bool TryGet(in DialogId id, [NotNullWhen(true)] out Dialog? dialog)
    {
        ulong hash = id.CallIdHash;
        return _partitions[Owner(hash)].TryGet(hash, id, out dialog);
    }

    /// <inheritdoc/>
    public bool TryGet(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [NotNullWhen(true)] out Dialog? dialog)
    {
        ulong hash = CallIdHash.Of(callId);
        return _partitions[Owner(hash)].TryGet(hash, callId, localTag, remoteTag, out dialog);
    }

    /// <inheritdoc/>
    public int GetByCallId(ReadOnlySpan<byte> callId, List<Dialog> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        ulong hash = CallIdHash.Of(callId);
        return _partitions[Owner(hash)].GetAll(hash, callId, into);
    }

    /// <inheritdoc/>
    public bool TryFindMissing(in DialogId id, out ValueTask<DialogSnapshot?> pending)
    {
        pending = default;
        return false;
    }

    /// <inheritdoc/>
    public void OnChanged(Dialog dialog, DialogChange change)
    {
        // Memory is the only copy: the dialog object itself is the state.
    }

    /// <inheritdoc/>
    public bool Remove(in DialogId id)
    {
        ulong hash = id.CallIdHash;
        int shard = Owner(hash);
        if (!_partitions[shard].Remove(hash, id))
        {
            return false;
        }

        ref int count = ref _counts[(shard + 1) * Stride];
        Volatile.Write(ref count, count - 1);
        return true;
    }

    /// <summary>The shard that owns a Call-ID's hash; in debug builds, checks that the caller is on it or on no shard.</summary>
    private int Owner(ulong callIdHash)
    {
        int index = _shards.GetShardIndex(callIdHash);
        Debug.Assert(Shard.Current is null || Shard.Current == _shards[index], "A dialog was touched from a shard that does not own its Call-ID.");
        return index;
    }
}
