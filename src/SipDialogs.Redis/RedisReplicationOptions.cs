namespace SipDialogs.Redis;

/// <summary>
/// How a node replicates its dialogs in Redis (<see cref="RedisDialogReplication"/>): where Redis is, who this node is,
/// and the heartbeat and lifetimes that decide when a node counts as dead and when a record may go.
/// </summary>
public sealed class RedisReplicationOptions
{
    /// <summary>
    /// The Redis end points, StackExchange.Redis configuration syntax: <c>host:port[,host:port…][,option=value…]</c>.
    /// Several masters of a Redis Cluster may be named; the hash tag keeps one call's keys in one slot.
    /// </summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>This node's name, unique among the nodes sharing the Redis; letters, digits, <c>-</c>, <c>_</c>, <c>.</c>.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>How often the node renews its heartbeat key (default 1 s).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a heartbeat lives (default 3 s): a node silent this long is dead, and its calls are claimed by the
    /// survivors. At least twice <see cref="HeartbeatInterval"/>.
    /// </summary>
    public TimeSpan HeartbeatTimeToLive { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long the record of a call without a session timer lives after its last change (default 4 h): the longest a
    /// call may last unseen. A call with a session timer (RFC 4028) expires with its session instead.
    /// </summary>
    public TimeSpan MaxCallLength { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Changes written to Redis in one pipelined batch, at most (default 512).</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Checks the options.</summary>
    /// <exception cref="InvalidOperationException">An option is invalid; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            throw new InvalidOperationException("RedisReplicationOptions.Configuration names no Redis end point.");
        }

        if (string.IsNullOrEmpty(NodeId) || NodeId.Length > 64 || !IsNodeName(NodeId))
        {
            throw new InvalidOperationException($"RedisReplicationOptions.NodeId '{NodeId}' must be 1-64 letters, digits, '-', '_' or '.'.");
        }

        if (HeartbeatInterval < TimeSpan.FromMilliseconds(50) || HeartbeatTimeToLive < 2 * HeartbeatInterval)
        {
            throw new InvalidOperationException("RedisReplicationOptions.HeartbeatInterval must be at least 50 ms and HeartbeatTimeToLive at least twice it.");
        }

        if (MaxCallLength < TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException("RedisReplicationOptions.MaxCallLength must be at least 1 s.");
        }

        if (MaxBatch is < 1 or > 65536)
        {
            throw new InvalidOperationException("RedisReplicationOptions.MaxBatch must be between 1 and 65536.");
        }
    }

    private static bool IsNodeName(string name)
    {
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
