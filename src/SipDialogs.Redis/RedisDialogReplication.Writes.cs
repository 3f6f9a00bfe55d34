using SipDialogs.Dialogs;
using StackExchange.Redis;

namespace SipDialogs.Redis;

/// <summary>
/// The write path: changes queued on the shards, written by one loop in pipelined batches (one round trip per batch, the
/// last state of each dialog in a batch only), and the write-back of every live dialog after Redis lost them.
/// </summary>
public sealed partial class RedisDialogReplication
{
    // Past this many, the deletes of calls that ended while Redis was away are left to their records' lifetimes.
    private const int MostDeferredDeletes = 100_000;

    private readonly Dictionary<HeldDialog, int> _lastInBatch = new(ReferenceEqualityComparer.Instance);
    private readonly List<HeldDialog> _deferredDeletes = [];
    private readonly List<Task> _sent = [];
    private readonly List<(int Index, Task<RedisResult> Result)> _checked = [];
    private int _writeBackNeeded;
    private long _roundTrips;
    private long _commands;
    private long _bytesWritten;

    /// <summary>Pipelined batches sent to Redis (each one round trip).</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>Commands sent to Redis by the writer.</summary>
    public long Commands => Interlocked.Read(ref _commands);

    /// <summary>Bytes of dialog state written to Redis.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>A held dialog changed: its new state is queued. On the dialog's shard; never waits.</summary>
    internal void OnChanged(Dialog dialog, DialogChange change)
    {
        switch (change)
        {
            case DialogChange.Terminated:
                if (_held.TryRemove(dialog.Id, out HeldDialog? ended))
                {
                    ended.MarkRemoved();
                    Enqueue(new ReplicationWrite(ReplicationWriteKind.Delete, ended, null, ended.NextVersion()));
                }

                return;
            case DialogChange.Exported:
                if (_held.TryRemove(dialog.Id, out HeldDialog? left))
                {
                    left.MarkRemoved();
                    if (!left.IsFenced)
                    {
                        // Left without ending (a hand-over): its last state stays, with no owner, for the next to claim.
                        Enqueue(new ReplicationWrite(ReplicationWriteKind.Release, left, dialog.CaptureSnapshot(), left.NextVersion()));
                    }
                }

                return;
        }

        if (dialog.State != DialogState.Confirmed)
        {
            return; // An early dialog is not replicated: it is lost on failover, as its INVITE transaction is.
        }

        string? previousOwner = null;
        if (!_held.TryGetValue(dialog.Id, out HeldDialog? held))
        {
            long epoch = 1;
            if (change == DialogChange.Imported)
            {
                // Claimed first (a request, a takeover), or imported by the application: claimed by the writer then.
                epoch = _claimed.TryRemove(dialog.Id, out ReplicationClaim claim) ? claim.Epoch : 0;
                previousOwner = claim.PreviousOwner;
            }

            held = new HeldDialog(dialog, RedisKeys.Dialog(dialog.Id), epoch);
            _held[dialog.Id] = held;
        }

        Enqueue(new ReplicationWrite(ReplicationWriteKind.Write, held, dialog.CaptureSnapshot(), held.NextVersion(), previousOwner));
    }

    /// <summary>
    /// A record lives until the call can no longer be alive: its session's expiry (RFC 4028 §10) plus the time a dead
    /// owner takes to be noticed and a margin, or without a session timer <see cref="RedisReplicationOptions.MaxCallLength"/>.
    /// </summary>
    private long TimeToLiveOf(DialogSnapshot snapshot)
    {
        if (snapshot.SessionExpiresAt is not { } expires)
        {
            return (long)_options.MaxCallLength.TotalMilliseconds;
        }

        TimeSpan left = expires - _time.GetUtcNow();
        return (long)((left > TimeSpan.Zero ? left : TimeSpan.Zero) + _options.HeartbeatTimeToLive + TimeSpan.FromSeconds(32)).TotalMilliseconds;
    }

    private void Enqueue(in ReplicationWrite write)
    {
        // Unbounded, so never waits on a shard; it stays short because the writer drops what it cannot send.
        if (!_writes.Writer.TryWrite(write))
        {
            write.Barrier?.TrySetResult();
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<ReplicationWrite>(_options.MaxBatch);
        System.Threading.Channels.ChannelReader<ReplicationWrite> reader = _writes.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out ReplicationWrite write))
            {
                batch.Add(write);
            }

            try
            {
                await WriteBatchAsync(batch).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Any failure of Redis is logged and repaired by the write-back; the loop must go on.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                ReplicationLog.WriteFailed(_logger, exception);
                Interlocked.Exchange(ref _writeBackNeeded, 1);
            }

            foreach (ReplicationWrite write in batch)
            {
                write.Barrier?.TrySetResult();
            }
        }
    }

    private async Task WriteBatchAsync(List<ReplicationWrite> batch)
    {
        if (!_redis.IsConnected)
        {
            DropWhileAway(batch);
            return;
        }

        await ClaimImportsAsync(batch).ConfigureAwait(false);

        // The last write of each dialog in the batch stands for the ones before it.
        _lastInBatch.Clear();
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch[i].Kind is ReplicationWriteKind.Write or ReplicationWriteKind.WriteBack or ReplicationWriteKind.Release or ReplicationWriteKind.Delete)
            {
                _lastInBatch[batch[i].Held] = i;
            }
        }

        IBatch pipeline = _db.CreateBatch();
        _sent.Clear();
        _checked.Clear();
        long bytes = 0;
        foreach (HeldDialog ended in _deferredDeletes)
        {
            _sent.Add(pipeline.ScriptEvaluateAsync(ReplicationScripts.Delete, [ended.Key], [NodeId, ended.Epoch]));
            _sent.Add(pipeline.SetRemoveAsync(_ownedKey, ended.Key));
        }

        _deferredDeletes.Clear();
        for (int i = 0; i < batch.Count; i++)
        {
            ReplicationWrite write = batch[i];
            HeldDialog held = write.Held;
            if (write.Kind == ReplicationWriteKind.Barrier || held.IsFenced)
            {
                continue;
            }

            bool last = _lastInBatch.TryGetValue(held, out int at) && at == i;
            switch (write.Kind)
            {
                case ReplicationWriteKind.Write or ReplicationWriteKind.WriteBack when last && !held.IsRemoved && held.Epoch > 0:
                    if (write.Kind == ReplicationWriteKind.WriteBack && write.Version != held.Version)
                    {
                        break; // A newer change is queued: it writes the newer state.
                    }

                    byte[] state = write.Snapshot!.Serialize();
                    // Only a dialog made here and never written, or a write-back, makes a missing record: a claimed one
                    // had its record at the claim, so a missing one was ended by the node that claimed it after us.
                    bool mayCreate = (!held.Indexed && held.Epoch == 1) || write.Kind == ReplicationWriteKind.WriteBack;
                    Task<RedisResult> written = pipeline.ScriptEvaluateAsync(
                        ReplicationScripts.Write, [held.Key], [NodeId, held.Epoch, state, TimeToLiveOf(write.Snapshot), NodeId, mayCreate ? 1 : 0]);
                    _checked.Add((i, written));
                    _sent.Add(written);
                    bytes += state.Length;
                    if (!held.Indexed || write.Kind == ReplicationWriteKind.WriteBack)
                    {
                        held.Indexed = true;
                        _sent.Add(pipeline.SetAddAsync(_ownedKey, held.Key));
                    }

                    if (!string.IsNullOrEmpty(write.PreviousOwner) && write.PreviousOwner != NodeId)
                    {
                        _sent.Add(pipeline.SetRemoveAsync(RedisKeys.Owned(write.PreviousOwner), held.Key));
                    }

                    break;
                case ReplicationWriteKind.Release when last && held.Epoch > 0:
                    byte[] released = write.Snapshot!.Serialize();
                    _sent.Add(pipeline.ScriptEvaluateAsync(
                        ReplicationScripts.Write, [held.Key], [NodeId, held.Epoch, released, TimeToLiveOf(write.Snapshot), string.Empty, 1]));
                    _sent.Add(pipeline.SetRemoveAsync(_ownedKey, held.Key));
                    bytes += released.Length;
                    break;
                case ReplicationWriteKind.Delete when !held.Indexed && held.Epoch == 1:
                    break; // Made here and ended before its first write was sent (both in this batch): Redis never saw it.
                case ReplicationWriteKind.Delete when held.Epoch > 0:
                    _sent.Add(pipeline.ScriptEvaluateAsync(ReplicationScripts.Delete, [held.Key], [NodeId, held.Epoch]));
                    _sent.Add(pipeline.SetRemoveAsync(_ownedKey, held.Key));
                    break;
                case ReplicationWriteKind.Verify when !held.IsRemoved:
                    Task<RedisResult> verified = pipeline.ScriptEvaluateAsync(ReplicationScripts.Verify, [held.Key], [NodeId, held.Epoch]);
                    _checked.Add((i, verified));
                    _sent.Add(verified);
                    break;
            }
        }

        if (_sent.Count == 0)
        {
            return;
        }

        pipeline.Execute();
        Interlocked.Increment(ref _roundTrips);
        Interlocked.Add(ref _commands, _sent.Count);
        Interlocked.Add(ref _bytesWritten, bytes);
        await Task.WhenAll(_sent).ConfigureAwait(false);
        foreach ((int index, Task<RedisResult> result) in _checked)
        {
            if ((int)await result.ConfigureAwait(false) == 0)
            {
                Fence(batch[index].Held);
            }
        }
    }

    /// <summary>Redis is away: writes are dropped (the write-back repeats them), deletes kept to be sent later.</summary>
    private void DropWhileAway(List<ReplicationWrite> batch)
    {
        foreach (ReplicationWrite write in batch)
        {
            switch (write.Kind)
            {
                case ReplicationWriteKind.Delete or ReplicationWriteKind.Release when _deferredDeletes.Count < MostDeferredDeletes:
                    _deferredDeletes.Add(write.Held);
                    break;
                case ReplicationWriteKind.Write or ReplicationWriteKind.WriteBack or ReplicationWriteKind.Verify:
                    Interlocked.Exchange(ref _writeBackNeeded, 1);
                    break;
            }
        }
    }

    /// <summary>Dialogs the application imported without a claim are claimed before their first write.</summary>
    private async Task ClaimImportsAsync(List<ReplicationWrite> batch)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            ReplicationWrite write = batch[i];
            if (write.Kind != ReplicationWriteKind.Write || write.Held.Epoch != 0)
            {
                continue;
            }

            RedisResult result = await _db.ScriptEvaluateAsync(ReplicationScripts.Claim, [write.Held.Key], [NodeId, "*", _fencePrefix]).ConfigureAwait(false);
            if (result.IsNull)
            {
                write.Held.Epoch = 1;
                continue;
            }

            var parts = (RedisResult[])result!;
            write.Held.Epoch = (long)parts[2];
            batch[i] = write with { PreviousOwner = (string?)parts[1] };
        }
    }

    /// <summary>
    /// After Redis lost what it had (a restart) or after this node's heartbeat lapsed: every live dialog is written back
    /// (or only checked, after a lapse), and one whose record another node owns now is dropped here.
    /// </summary>
    private async Task WriteBackAsync(bool checkOnly, CancellationToken cancellationToken)
    {
        foreach (HeldDialog held in _held.Values)
        {
            if (checkOnly)
            {
                Enqueue(new ReplicationWrite(ReplicationWriteKind.Verify, held, null, held.Version));
                continue;
            }

            long version = held.Version;
            DialogSnapshot? snapshot;
            try
            {
                snapshot = await held.Dialog.CaptureSnapshotAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return; // The stack stopped.
            }

            if (snapshot is not null)
            {
                Enqueue(new ReplicationWrite(ReplicationWriteKind.WriteBack, held, snapshot, version));
            }
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
