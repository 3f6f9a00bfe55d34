using SipDialogs.Dialogs;

namespace SipDialogs.Redis;

/// <summary>
/// What a node knows of a dialog it holds and replicates: its key, the epoch it owns the record with, and how far its
/// changes have gone. Written on the dialog's shard and by the one writer loop; read from either.
/// </summary>
internal sealed class HeldDialog
{
    private long _epoch;
    private long _version;
    private int _removed;
    private int _fenced;

    public HeldDialog(Dialog dialog, string key, long epoch)
    {
        Dialog = dialog;
        Key = key;
        _epoch = epoch;
    }

    /// <summary>The running dialog.</summary>
    public Dialog Dialog { get; }

    /// <summary>The record's key (<see cref="RedisKeys.Dialog"/>).</summary>
    public string Key { get; }

    /// <summary>The epoch this node owns the record with; 0 while unknown (an import not claimed yet).</summary>
    public long Epoch
    {
        get => Volatile.Read(ref _epoch);
        set => Volatile.Write(ref _epoch, value);
    }

    /// <summary>Goes up by one with every change queued for writing: a write-back of an older state is dropped.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Whether the record was written once at least, so that it is in this node's set of owned dialogs.</summary>
    public bool Indexed { get; set; }

    /// <summary>Whether the dialog left this node (ended, exported or fenced): nothing more is written for it.</summary>
    public bool IsRemoved => Volatile.Read(ref _removed) != 0;

    /// <summary>Whether another node claimed the record: the dialog is dropped here and nothing is written.</summary>
    public bool IsFenced => Volatile.Read(ref _fenced) != 0;

    public long NextVersion() => Interlocked.Increment(ref _version);

    public void MarkRemoved() => Volatile.Write(ref _removed, 1);

    /// <summary>Marks the copy stale; true for the first caller only.</summary>
    public bool TryFence() => Interlocked.Exchange(ref _fenced, 1) == 0;
}
