namespace SipDialogs.Auth;

/// <summary>
/// Refuses a replayed nonce and nonce count (RFC 7616 §3.4, §5.12): per nonce it keeps the highest <c>nc</c>
/// accepted, and accepts only a higher one (a nonce used without qop, nc 0, is single-use). Bounded: a nonce is
/// forgotten when it expires, or earlier under pressure; a forgotten nonce that comes back is answered as stale,
/// never accepted, so the bound costs a new challenge, not a replay.
/// </summary>
internal sealed class NonceCountTracker
{
    private readonly StripedTable<string, Entry> _table;
    private readonly long _lifetimeMilliseconds;

    public NonceCountTracker(int capacity, TimeSpan lifetime)
    {
        _table = new StripedTable<string, Entry>(capacity);
        _lifetimeMilliseconds = (long)lifetime.TotalMilliseconds;
    }

    /// <summary>Nonces tracked now.</summary>
    public int Count => _table.Count;

    /// <summary>Records a use of <paramref name="nonce"/> with <paramref name="nonceCount"/> if it is new.</summary>
    /// <param name="nonce">A nonce the issuer verified.</param>
    /// <param name="issuedMilliseconds">When it was issued.</param>
    /// <param name="nonceCount">The credentials' nc (0 without qop).</param>
    /// <param name="nowMilliseconds">Now.</param>
    public NonceCountVerdict TryUse(string nonce, long issuedMilliseconds, uint nonceCount, long nowMilliseconds)
    {
        StripedTable<string, Entry>.Stripe stripe = _table.StripeOf(nonce);
        lock (stripe)
        {
            if (stripe.Entries.TryGetValue(nonce, out Entry entry))
            {
                if (nonceCount <= entry.HighestCount)
                {
                    return NonceCountVerdict.Replayed;
                }

                stripe.Entries[nonce] = entry with { HighestCount = nonceCount };
                return NonceCountVerdict.Accepted;
            }

            if (issuedMilliseconds <= stripe.Floor)
            {
                return NonceCountVerdict.Forgotten;
            }

            _table.MakeRoom(stripe, nowMilliseconds - _lifetimeMilliseconds);
            stripe.Entries.Add(nonce, new Entry(issuedMilliseconds, nonceCount));
            return NonceCountVerdict.Accepted;
        }
    }

    private readonly record struct Entry(long Stamp, uint HighestCount) : IStampedEntry;
}
