namespace SipDialogs.Redis;

/// <summary>
/// The Lua scripts that change a dialog's record. Each reads and writes one key (one Cluster slot) atomically, so that
/// owner and epoch are compared and set in one step and never read-then-written from a client.
/// </summary>
/// <remarks>
/// A record is one string: the owning node (empty once released), a line feed, the epoch, a line feed, then the
/// serialized <see cref="Dialogs.DialogSnapshot"/>. One string rather than a hash of three fields: a hash whose value
/// passes 64 bytes is stored as a hash table, which cost about 1.2 KB per live call against about 0.8 KB this way
/// (bench/sipp/scale-out.sh). The epoch is a fencing token: it goes up by one on every change of owner, and a write
/// whose owner and epoch are no longer the record's is refused, which tells its writer its copy is stale.
/// </remarks>
internal static class ReplicationScripts
{
    // Splits a record into owner, epoch and state; nil when the key is missing.
    private const string Read = """
        local function read(key)
          local v = redis.call('GET', key)
          if not v then return nil end
          local i = string.find(v, '\n', 1, true)
          local j = string.find(v, '\n', i + 1, true)
          return string.sub(v, 1, i - 1), string.sub(v, i + 1, j - 1), string.sub(v, j + 1)
        end
        """;

    /// <summary>
    /// Writes the state when the record is still the writer's (owner and epoch), or is missing and <c>ARGV[6]</c> is 1
    /// (the dialog's first write, a write-back after Redis lost its data, a release), then hands it to <c>ARGV[5]</c>
    /// (the writer itself, or empty to release it). ARGV: owner, epoch, state, time to live (ms), new owner, may create.
    /// Returns 1; 0 when the writer's copy is stale; 2 when the record is missing and was not made again: another node
    /// may have claimed the call and ended it, and a late write must not bring the record back.
    /// </summary>
    public const string Write = Read + "\n" + """
        local o, e = read(KEYS[1])
        if not o then
          if ARGV[6] ~= '1' then return 2 end
        elseif o ~= ARGV[1] or e ~= ARGV[2] then return 0 end
        redis.call('SET', KEYS[1], ARGV[5] .. '\n' .. ARGV[2] .. '\n' .. ARGV[3], 'PX', ARGV[4])
        return 1
        """;

    /// <summary>Deletes the record when it is still the caller's. ARGV: owner, epoch. Returns 1 when deleted.</summary>
    public const string Delete = Read + "\n" + """
        local o, e = read(KEYS[1])
        if o == ARGV[1] and e == ARGV[2] then redis.call('DEL', KEYS[1]) return 1 end
        return 0
        """;

    /// <summary>Whether the record is still the caller's. ARGV: owner, epoch. Returns 1 or 0 (0 when missing too).</summary>
    public const string Verify = Read + "\n" + """
        local o, e = read(KEYS[1])
        if o == ARGV[1] and e == ARGV[2] then return 1 end
        return 0
        """;

    /// <summary>
    /// Whether the record is not another's: 1 when it is the caller's (owner, epoch) or missing (not written yet, or
    /// lost with a Redis restart and written back soon), 0 when another node or a later epoch holds it. ARGV: owner, epoch.
    /// </summary>
    public const string Holds = Read + "\n" + """
        local o, e = read(KEYS[1])
        if not o or (o == ARGV[1] and e == ARGV[2]) then return 1 end
        return 0
        """;

    /// <summary>
    /// Takes the record over: when its owner is <c>ARGV[2]</c> (or <c>*</c>, anyone), the owner becomes <c>ARGV[1]</c>,
    /// the epoch goes up by one (the record keeps its lifetime) and the previous owner, when another node, is told on
    /// its fence channel (prefix <c>ARGV[3]</c>; the message is the new epoch, a space and the key). ARGV: claimer,
    /// expected owner, fence channel prefix. Returns nil when the record is missing, <c>{0, owner, epoch}</c> when another
    /// owner holds it, <c>{1, previous owner, new epoch, state}</c> when claimed.
    /// </summary>
    public const string Claim = Read + "\n" + """
        local o, e, s = read(KEYS[1])
        if not o then return false end
        if ARGV[2] ~= '*' and o ~= ARGV[2] then return {0, o, e} end
        local next = tostring(tonumber(e) + 1)
        redis.call('SET', KEYS[1], ARGV[1] .. '\n' .. next .. '\n' .. s, 'KEEPTTL')
        if o ~= '' and o ~= ARGV[1] then redis.call('PUBLISH', ARGV[3] .. o, next .. ' ' .. KEYS[1]) end
        return {1, o, next, s}
        """;
}
