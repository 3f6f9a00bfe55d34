using System.Diagnostics.CodeAnalysis;
using SipDialogs.Dialogs;

namespace SipDialogs.Redis;

/// <summary>
/// The dialog store of a node that replicates in Redis: the in-memory store holds the live dialogs, and every change of
/// a confirmed one is queued for <see cref="RedisDialogReplication"/> to write (never waited for on the shard); a request
/// for a dialog not held here claims it from Redis through the miss path.
/// </summary>
/// <remarks>Early dialogs are not written: a call is replicated from its 2xx on (an early dialog is lost on failover).</remarks>
internal sealed class RedisDialogStore : IDialogStore
{
    private readonly IDialogStore _inner;
    private readonly RedisDialogReplication _replication;

    public RedisDialogStore(IDialogStore inner, RedisDialogReplication replication)
    {
        _inner = inner;
        _replication = replication;
    }

    /// <inheritdoc/>
    public int Count => _inner.Count;

    /// <inheritdoc/>
    public bool TryAdd(Dialog dialog) => _inner.TryAdd(dialog);

    /// <inheritdoc/>
    public bool TryGet(in DialogId id, [NotNullWhen(true)] out Dialog? dialog) => _inner.TryGet(id, out dialog);

    /// <inheritdoc/>
    public bool TryGet(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [NotNullWhen(true)] out Dialog? dialog) =>
        _inner.TryGet(callId, localTag, remoteTag, out dialog);

    /// <inheritdoc/>
    public int GetByCallId(ReadOnlySpan<byte> callId, List<Dialog> into) => _inner.GetByCallId(callId, into);

    /// <inheritdoc/>
    public bool TryFindMissing(in DialogId id, out ValueTask<DialogSnapshot?> pending)
    {
        pending = _replication.ClaimForRequestAsync(id);
        return true;
    }

    /// <inheritdoc/>
    public void OnChanged(Dialog dialog, DialogChange change)
    {
        _inner.OnChanged(dialog, change);
        _replication.OnChanged(dialog, change);
    }

    /// <inheritdoc/>
    public bool TryCheckOwner(Dialog dialog, out ValueTask<bool> pending) => _replication.TryCheckOwner(dialog, out pending);

    /// <inheritdoc/>
    public bool Remove(in DialogId id) => _inner.Remove(id);
}
