using SipDialogs.Dialogs;
using StackExchange.Redis;

namespace SipDialogs.Redis;

/// <summary>
/// Membership: the heartbeat that says this node is alive, the takeover of the calls of nodes whose heartbeat is gone,
/// and the repair after Redis or this node was away.
/// </summary>
public sealed partial class RedisDialogReplication
{
    // Keys claimed from a dead node per round, so that one round stays short.
    private const int TakeoverRound = 256;

    private bool _beaten;

    /// <summary>Registers this node and beats its heartbeat once.</summary>
    private async Task JoinAsync()
    {
        await _db.SetAddAsync(RedisKeys.Nodes, NodeId).ConfigureAwait(false);
        await BeatAsync().ConfigureAwait(false);
    }

    /// <summary>Renews the heartbeat; true when it had lapsed since the last beat (this node was away longer than its lifetime).</summary>
    private async Task<bool> BeatAsync()
    {
        RedisValue previous = await _db.StringSetAndGetAsync(_aliveKey, "1", _options.HeartbeatTimeToLive).ConfigureAwait(false);
        await _db.KeyExpireAsync(_ownedKey, _options.MaxCallLength).ConfigureAwait(false);
        bool lapsed = _beaten && previous.IsNull;
        _beaten = true;
        return lapsed;
    }

    private async Task MembershipLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        CancellationToken stopping = _stopping.Token;
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                if (!_redis.IsConnected)
                {
                    continue;
                }

                try
                {
                    await RunRoundAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A failed round (Redis gone mid-way) is logged and tried again next tick.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    ReplicationLog.MembershipFailed(_logger, exception);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _writeBackNeeded, 0) == 1)
        {
            // Redis may have lost everything: join again and write every live call back.
            ReplicationLog.WritingBack(_logger, _held.Count);
            await JoinAsync().ConfigureAwait(false);
            await WriteBackAsync(checkOnly: false, cancellationToken).ConfigureAwait(false);
        }
        else if (await BeatAsync().ConfigureAwait(false))
        {
            // This node was frozen or cut off long enough to be declared dead: its calls may have moved.
            ReplicationLog.HeartbeatLapsed(_logger, _held.Count);
            await _db.SetAddAsync(RedisKeys.Nodes, NodeId).ConfigureAwait(false);
            await WriteBackAsync(checkOnly: true, cancellationToken).ConfigureAwait(false);
        }

        await TakeOverAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Claims the calls of every node whose heartbeat is gone, a round of each per tick.</summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        RedisValue[] nodes = await _db.SetMembersAsync(RedisKeys.Nodes).ConfigureAwait(false);
        foreach (RedisValue node in nodes)
        {
            string name = node.ToString();
            if (name == NodeId || await _db.KeyExistsAsync(RedisKeys.Alive(name)).ConfigureAwait(false))
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            await TakeOverFromAsync(name).ConfigureAwait(false);
        }
    }

    private async Task TakeOverFromAsync(string dead)
    {
        string owned = RedisKeys.Owned(dead);
        RedisValue[] keys = await _db.SetRandomMembersAsync(owned, TakeoverRound).ConfigureAwait(false);
        if (keys.Length == 0)
        {
            // Nothing left of it: it leaves the cluster (it joins again if it was only away).
            await _db.SetRemoveAsync(RedisKeys.Nodes, dead).ConfigureAwait(false);
            return;
        }

        var claims = new Task<DialogSnapshot?>[keys.Length];
        var ids = new DialogId[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            claims[i] = RedisKeys.TryParseDialog(keys[i].ToString(), out ids[i])
                ? ClaimAsync(ids[i], dead)
                : Task.FromResult<DialogSnapshot?>(null);
        }

        await Task.WhenAll(claims).ConfigureAwait(false);
        await _db.SetRemoveAsync(owned, keys).ConfigureAwait(false);
        int taken = 0;
        for (int i = 0; i < claims.Length; i++)
        {
            if (await claims[i].ConfigureAwait(false) is { } snapshot && await ImportClaimedAsync(ids[i], snapshot).ConfigureAwait(false))
            {
                taken++;
            }
        }

        Interlocked.Add(ref _takenOver, taken);
        ReplicationLog.TookOver(_logger, dead, taken);
    }

    private async Task<bool> ImportClaimedAsync(DialogId id, DialogSnapshot snapshot)
    {
        try
        {
            await _stack!.ImportDialogAsync(snapshot, _stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (InvalidOperationException exception)
        {
            _claimed.TryRemove(id, out _);
            ReplicationLog.ImportFailed(_logger, exception);
            return false;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            ReplicationLog.RedisAway(_logger, e.FailureType.ToString());
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            // Redis may have restarted empty: the next round writes every live call back.
            Interlocked.Exchange(ref _writeBackNeeded, 1);
        }
    }
}
