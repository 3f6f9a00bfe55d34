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

    // Rounds in a row that a dead node's keys were all another live node's share before this node takes them anyway
    // (their winner may be cut off from Redis while its heartbeat lasts).
    private const int FairShareRounds = 3;

    // Per dead node, rounds in a row that left only others' shares; read and written by the membership loop alone.
    private readonly Dictionary<string, int> _othersShareRounds = new(StringComparer.Ordinal);

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

    /// <summary>Claims this node's share of the calls of every node whose heartbeat is gone, a round of each per tick.</summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        RedisValue[] nodes = await _db.SetMembersAsync(RedisKeys.Nodes).ConfigureAwait(false);
        var live = new List<string>(nodes.Length) { NodeId };
        var dead = new List<string>();
        foreach (RedisValue node in nodes)
        {
            string name = node.ToString();
            if (name != NodeId)
            {
                (await _db.KeyExistsAsync(RedisKeys.Alive(name)).ConfigureAwait(false) ? live : dead).Add(name);
            }
        }

        foreach (string name in dead)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await TakeOverFromAsync(name, live, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Claims a round of the dead node's calls that fall to this node: each call goes to the live node that wins it by
    /// rendezvous hashing of its key, so that the survivors, each computing the same winners from the same list, split
    /// the calls evenly instead of the first one taking them all. A call whose winner has not taken it for
    /// <see cref="FairShareRounds"/> rounds goes to whoever comes first.
    /// </summary>
    private async Task TakeOverFromAsync(string dead, List<string> live, CancellationToken cancellationToken)
    {
        string owned = RedisKeys.Owned(dead);
        bool anyone = _othersShareRounds.TryGetValue(dead, out int idle) && idle >= FairShareRounds;
        var mine = new List<RedisValue>();
        bool left = false;
        await foreach (RedisValue key in _db.SetScanAsync(owned, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            left = true;
            if (anyone || WinnerOf(key.ToString(), live) == NodeId)
            {
                mine.Add(key);
                if (mine.Count == TakeoverRound)
                {
                    break;
                }
            }
        }

        if (!left)
        {
            // Nothing left of it: it leaves the cluster (it joins again if it was only away).
            _othersShareRounds.Remove(dead);
            await _db.SetRemoveAsync(RedisKeys.Nodes, dead).ConfigureAwait(false);
            return;
        }

        _othersShareRounds[dead] = mine.Count == 0 ? idle + 1 : 0;
        if (mine.Count == 0)
        {
            return;
        }

        RedisValue[] keys = [.. mine];

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

    /// <summary>The live node that wins <paramref name="key"/>: the highest weight of node and key (rendezvous hashing).</summary>
    internal static string WinnerOf(string key, List<string> live)
    {
        string winner = live[0];
        ulong best = WeightOf(winner, key);
        for (int i = 1; i < live.Count; i++)
        {
            ulong weight = WeightOf(live[i], key);
            if (weight > best || (weight == best && string.CompareOrdinal(live[i], winner) < 0))
            {
                (best, winner) = (weight, live[i]);
            }
        }

        return winner;
    }

    /// <summary>FNV-1a over node, a separator and key, then a 64-bit finalizer: the same on every node and process.</summary>
    private static ulong WeightOf(string node, string key)
    {
        const ulong Prime = 1099511628211;
        ulong hash = 14695981039346656037;
        foreach (char c in node)
        {
            hash = (hash ^ c) * Prime;
        }

        hash = (hash ^ '\n') * Prime;
        foreach (char c in key)
        {
            hash = (hash ^ c) * Prime;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccd;
        hash ^= hash >> 33;
        hash *= 0xc4ceb53fa3423c4d;
        return hash ^ (hash >> 33);
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
