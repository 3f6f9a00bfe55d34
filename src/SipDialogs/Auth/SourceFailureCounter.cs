using System.Net;

namespace SipDialogs.Auth;

/// <summary>
/// Counts failed authentications per source address in a fixed window, and says when a source has failed too often
/// (then the server answers 403 without checking: RFC 3261 §22.2 leaves it to policy; this stops password guessing
/// and toll-fraud scanners cheaply). Bounded: striped like <see cref="NonceCountTracker"/>, expired windows dropped
/// first, then the oldest.
/// </summary>
internal sealed class SourceFailureCounter
{
    private readonly StripedTable<IPAddress, Window> _table;
    private readonly int _maxFailures;
    private readonly long _windowMilliseconds;

    public SourceFailureCounter(int maxFailures, TimeSpan window, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFailures, 1);
        _table = new StripedTable<IPAddress, Window>(capacity);
        _maxFailures = maxFailures;
        _windowMilliseconds = (long)window.TotalMilliseconds;
    }

    /// <summary>Sources tracked now.</summary>
    public int Count => _table.Count;

    /// <summary>Whether <paramref name="source"/> has failed the maximum number of times in its current window.</summary>
    public bool IsBlocked(IPAddress source, long nowMilliseconds)
    {
        StripedTable<IPAddress, Window>.Stripe stripe = _table.StripeOf(source);
        lock (stripe)
        {
            return stripe.Entries.TryGetValue(source, out Window window)
                && nowMilliseconds - window.Stamp < _windowMilliseconds
                && window.Failures >= _maxFailures;
        }
    }

    /// <summary>Counts a failure; returns whether the source is now blocked.</summary>
    public bool RecordFailure(IPAddress source, long nowMilliseconds)
    {
        StripedTable<IPAddress, Window>.Stripe stripe = _table.StripeOf(source);
        lock (stripe)
        {
            if (!stripe.Entries.TryGetValue(source, out Window window) || nowMilliseconds - window.Stamp >= _windowMilliseconds)
            {
                _table.MakeRoom(stripe, nowMilliseconds - _windowMilliseconds);
                window = new Window(nowMilliseconds, 0);
            }

            window = window with { Failures = window.Failures + 1 };
            stripe.Entries[source] = window;
            return window.Failures >= _maxFailures;
        }
    }

    private readonly record struct Window(long Stamp, int Failures) : IStampedEntry;
}
