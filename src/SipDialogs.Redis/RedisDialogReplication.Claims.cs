using System.Globalization;
using SipDialogs.Dialogs;
using StackExchange.Redis;

namespace SipDialogs.Redis;

/// <summary>
/// Claims: a request for a dialog not held here takes it from Redis (the store's miss path); a claim raises the
/// record's epoch and tells the previous owner, which drops its copy.
/// </summary>
public sealed partial class RedisDialogReplication
{
    /// <summary>
    /// The miss path: a request reached this node for a dialog it does not hold, so the call is here now. Claims the
    /// record whoever owns it, off the shard; null when Redis has no such dialog (the request then gets 481).
    /// </summary>
    internal ValueTask<DialogSnapshot?> ClaimForRequestAsync(DialogId id)
    {
        if (!_redis.IsConnected)
        {
            // Unknown, not absent: the request is answered 503 with Retry-After and the peer asks again.
            return ValueTask.FromException<DialogSnapshot?>(new InvalidOperationException("Redis is away; the dialog cannot be looked up."));
        }

        return new ValueTask<DialogSnapshot?>(ClaimForRequestCoreAsync(id));
    }

    private async Task<DialogSnapshot?> ClaimForRequestCoreAsync(DialogId id)
    {
        DialogSnapshot? snapshot = await ClaimAsync(id, "*").ConfigureAwait(false);
        if (snapshot is not null)
        {
            Interlocked.Increment(ref _claims);
        }

        return snapshot;
    }

    /// <summary>
    /// Claims a dialog's record when <paramref name="expectedOwner"/> (or <c>*</c>, anyone) owns it, and keeps the new
    /// epoch for the import that follows. Null when missing or owned by another.
    /// </summary>
    internal async Task<DialogSnapshot?> ClaimAsync(DialogId id, string expectedOwner)
    {
        RedisResult result = await _db.ScriptEvaluateAsync(
            ReplicationScripts.Claim, [RedisKeys.Dialog(id)], [NodeId, expectedOwner, _fencePrefix]).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        if ((int)parts[0] == 0)
        {
            return null;
        }

        var snapshot = DialogSnapshot.Deserialize((byte[])parts[3]!);
        _claimed[id] = new ReplicationClaim((long)parts[2], (string?)parts[1] ?? string.Empty);
        return snapshot;
    }

    /// <summary>
    /// Whether a held dialog is still this node's, asked before one of its timers makes it send (a session refresh, an
    /// expired session's BYE): a node frozen past its heartbeat's lifetime and resumed may fire an overdue timer before
    /// its fence message or its heartbeat check tells it the call moved. One script round trip off the shard, once per
    /// refresh interval; no check for a dialog not written yet (epoch 0) or while Redis is away, when the call goes on
    /// here. A record held by another node fences the copy (dropped here, like on a fence message).
    /// </summary>
    internal bool TryCheckOwner(Dialog dialog, out ValueTask<bool> pending)
    {
        if (!_held.TryGetValue(dialog.Id, out HeldDialog? held) || held.Epoch == 0 || !_redis.IsConnected)
        {
            pending = default;
            return false;
        }

        pending = new ValueTask<bool>(HoldsAsync(held));
        return true;
    }

    private async Task<bool> HoldsAsync(HeldDialog held)
    {
        Interlocked.Increment(ref _commands);
        RedisResult result = await _db.ScriptEvaluateAsync(ReplicationScripts.Holds, [held.Key], [NodeId, held.Epoch]).ConfigureAwait(false);
        if ((int)result == 1)
        {
            return true;
        }

        Fence(held);
        return false;
    }

    /// <summary>Another node claimed one of ours: the message is the new epoch and the key.</summary>
    private void OnFenceMessage(ChannelMessage message)
    {
        string text = message.Message.ToString();
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !long.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out long epoch) ||
            !RedisKeys.TryParseDialog(text[(space + 1)..], out DialogId id) ||
            !_held.TryGetValue(id, out HeldDialog? held) || held.Epoch >= epoch)
        {
            return;
        }

        Fence(held);
    }

    /// <summary>Our copy is stale: dropped, and nothing more is written or sent for it from here.</summary>
    private void Fence(HeldDialog held)
    {
        if (!held.TryFence())
        {
            return;
        }

        Interlocked.Increment(ref _fenced);
        ReplicationLog.Fenced(_logger, held.Key);
        _ = ForgetAsync(held);
    }

    private async Task ForgetAsync(HeldDialog held)
    {
        try
        {
            if (_stack is { } stack)
            {
                await stack.ForgetDialogAsync(held.Dialog.Id, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (ObjectDisposedException)
        {
            // The stack stopped: it sends nothing any more anyway.
        }

        _held.TryRemove(new KeyValuePair<DialogId, HeldDialog>(held.Dialog.Id, held));
    }
}
