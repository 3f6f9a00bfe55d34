namespace SipDialogs.Redis;

/// <summary>
/// The Lua scripts that change a dialog's record. Each reads and writes one key (one Cluster slot) atomically, so that
/// owner and epoch are compared and set in one step and never read-then-written from a client.
/// </summary>
/// <remarks>
/// A record is a hash: <c>o</c> the owning node (empty once released), <c>e</c> the epoch, <c>s</c> the serialized
/// <see cref="Dialogs.DialogSnapshot"/>. The epoch is a fencing token: it goes up by one on every change of owner, and a
/// write whose owner and epoch are no longer the record's is refused, which tells its writer its copy is stale.
/// </remarks>
internal static class ReplicationScripts
{
    /// <summary>
    /// Writes the state when the record is missing or still the writer's (owner and epoch), then hands it to
    /// <c>ARGV[5]</c> (the writer itself, or empty to release it). ARGV: owner, epoch, state, time to live (ms), new owner.
    /// Returns 1, or 0 when the writer's copy is stale.
    /// </summary>
    public const string Write = """
        local cur = redis.call('HMGET', KEYS[1], 'o', 'e')
        if cur[1] and (cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2]) then return 0 end
        redis.call('HSET', KEYS[1], 'o', ARGV[5], 'e', ARGV[2], 's', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        """;

    /// <summary>Deletes the record when it is still the caller's. ARGV: owner, epoch. Returns 1 when deleted.</summary>
    public const string Delete = """
        local cur = redis.call('HMGET', KEYS[1], 'o', 'e')
        if cur[1] == ARGV[1] and cur[2] == ARGV[2] then redis.call('DEL', KEYS[1]) return 1 end
        return 0
        """;

    /// <summary>Whether the record is still the caller's. ARGV: owner, epoch. Returns 1 or 0 (0 when missing too).</summary>
    public const string Verify = """
        local cur = redis.call('HMGET', KEYS[1], 'o', 'e')
        if cur[1] == ARGV[1] and cur[2] == ARGV[2] then return 1 end
        return 0
        """;

    /// <summary>
    /// Takes the record over: when its owner is <c>ARGV[2]</c> (or <c>*</c>, anyone), the owner becomes <c>ARGV[1]</c>,
    /// the epoch goes up by one and the previous owner, when another node, is told on its fence channel (prefix
    /// <c>ARGV[3]</c>; the message is the new epoch, a space and the key). ARGV: claimer, expected owner, fence channel prefix. Returns nil when the record is missing,
    /// <c>{0, owner, epoch}</c> when another owner holds it, <c>{1, previous owner, new epoch, state}</c> when claimed.
    /// </summary>
    public const string Claim = """
        local cur = redis.call('HMGET', KEYS[1], 'o', 'e', 's')
        if not cur[1] then return false end
        if ARGV[2] ~= '*' and cur[1] ~= ARGV[2] then return {0, cur[1], cur[2]} end
        local e = tostring(tonumber(cur[2]) + 1)
        redis.call('HSET', KEYS[1], 'o', ARGV[1], 'e', e)
        if cur[1] ~= '' and cur[1] ~= ARGV[1] then redis.call('PUBLISH', ARGV[3] .. cur[1], e .. ' ' .. KEYS[1]) end
        return {1, cur[1], e, cur[3]}
        """;
}
