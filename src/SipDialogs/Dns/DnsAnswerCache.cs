using System.Collections.Concurrent;

namespace SipDialogs.Dns;

/// <summary>
/// Answers kept for their TTL (the smallest of the records and CNAMEs that made them), bounded in count: when full,
/// the expired go first, then the entries closest to expiry. Thread-safe without a lock on the read path.
/// </summary>
internal sealed class DnsAnswerCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly long _maxMilliseconds;

    public DnsAnswerCache(int capacity, TimeSpan maxTime, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _time = time;
        _maxMilliseconds = (long)maxTime.TotalMilliseconds;
    }

    public int Count => _entries.Count;

    /// <summary>Forgets every answer (benchmarks measure a first lookup with it).</summary>
    public void Clear() => _entries.Clear();

    public bool TryGet<T>(string key, out T[] records)
    {
        if (_entries.TryGetValue(key, out Entry entry) && entry.ExpiresAt > Now && entry.Records is T[] typed)
        {
            records = typed;
            return true;
        }

        records = [];
        return false;
    }

    /// <summary>
    /// Keeps <paramref name="records"/> (none, for a negative answer: RFC 2308) for <paramref name="ttlSeconds"/>; a TTL
    /// of 0 is not cached (RFC 1035 §3.2.1).
    /// </summary>
    public void Set<T>(string key, T[] records, int ttlSeconds)
    {
        if (ttlSeconds <= 0)
        {
            return;
        }

        long now = Now;
        if (_entries.Count >= _capacity && !_entries.ContainsKey(key))
        {
            MakeRoom(now);
        }

        _entries[key] = new Entry(records, now + Math.Min(ttlSeconds * 1000L, _maxMilliseconds));
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void MakeRoom(long now)
    {
        foreach (KeyValuePair<string, Entry> pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                _entries.TryRemove(pair);
            }
        }

        // Still full of live answers: drop a tenth, those that expire first, so a burst of new names costs a few queries.
        int excess = _entries.Count - (_capacity - Math.Max(1, _capacity / 10));
        if (excess <= 0)
        {
            return;
        }

        KeyValuePair<string, Entry>[] live = _entries.ToArray();
        Array.Sort(live, static (a, b) => a.Value.ExpiresAt.CompareTo(b.Value.ExpiresAt));
        for (int i = 0; i < excess && i < live.Length; i++)
        {
            _entries.TryRemove(live[i]);
        }
    }

    private readonly record struct Entry(Array Records, long ExpiresAt);
}
