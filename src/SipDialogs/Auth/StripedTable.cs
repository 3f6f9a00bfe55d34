namespace SipDialogs.Auth;

/// <summary>
/// A bounded map split into stripes, each with its own lock and share of the capacity: callers on different shards
/// contend only when their keys fall in the same stripe, never on one lock for all. A full stripe drops its expired
/// entries, then its oldest, and remembers the newest stamp it dropped (<see cref="Stripe.Floor"/>) so that callers can
/// tell "never seen" from "forgotten".
/// </summary>
internal sealed class StripedTable<TKey, TEntry>
    where TKey : notnull
    where TEntry : struct, IStampedEntry
{
    private readonly Stripe[] _stripes;

    /// <param name="capacity">Entries in all, at least one per stripe.</param>
    /// <param name="stripes">A power of two.</param>
    public StripedTable(int capacity, int stripes = 64)
    {
        if (stripes <= 0 || (stripes & (stripes - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stripes), "The stripe count must be a power of two.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, stripes);
        CapacityPerStripe = capacity / stripes;
        _stripes = new Stripe[stripes];
        for (int i = 0; i < stripes; i++)
        {
            _stripes[i] = new Stripe();
        }
    }

    public int CapacityPerStripe { get; }

    /// <summary>Entries held now (takes each stripe's lock in turn: for tests and gauges, not the request path).</summary>
    public int Count
    {
        get
        {
            int count = 0;
            foreach (Stripe stripe in _stripes)
            {
                lock (stripe)
                {
                    count += stripe.Entries.Count;
                }
            }

            return count;
        }
    }

    /// <summary>The stripe of <paramref name="key"/>; lock it (<c>lock (stripe)</c>) for every read and write.</summary>
    public Stripe StripeOf(TKey key) => _stripes[key.GetHashCode() & (_stripes.Length - 1)];

    /// <summary>
    /// Makes room for one entry in a locked, full stripe: drops entries stamped before <paramref name="expiredBefore"/>,
    /// then, if none was, the oldest, raising <see cref="Stripe.Floor"/> to its stamp.
    /// </summary>
    public void MakeRoom(Stripe stripe, long expiredBefore)
    {
        if (stripe.Entries.Count < CapacityPerStripe)
        {
            return;
        }

        bool any = false;
        TKey? oldestKey = default;
        long oldest = long.MaxValue;
        foreach (KeyValuePair<TKey, TEntry> pair in stripe.Entries)
        {
            long stamp = pair.Value.Stamp;
            if (stamp < expiredBefore)
            {
                stripe.Entries.Remove(pair.Key); // Allowed while enumerating a Dictionary since .NET Core 3.0.
                any = true;
            }
            else if (stamp < oldest)
            {
                oldest = stamp;
                oldestKey = pair.Key;
            }
        }

        if (!any && oldestKey is not null)
        {
            stripe.Entries.Remove(oldestKey);
            stripe.Floor = Math.Max(stripe.Floor, oldest);
        }
    }

    /// <summary>One stripe: its entries and the newest stamp it evicted before expiry.</summary>
    public sealed class Stripe
    {
        public Dictionary<TKey, TEntry> Entries { get; } = [];

        public long Floor { get; set; } = long.MinValue;
    }
}
