using System.Net;

namespace SipDialogs.Dns;

/// <summary>Where and how <see cref="SipServerLocator"/> asks DNS.</summary>
public sealed class SipServerLocatorOptions
{
    /// <summary>
    /// The DNS servers to ask, e.g. <c>127.0.0.1:5353</c>; empty (the default) for the system's resolvers
    /// (<c>/etc/resolv.conf</c>, or the network settings on Windows).
    /// </summary>
    public IList<IPEndPoint> NameServers { get; } = [];

    /// <summary>How long to wait for one answer. Default 2 s: a DNS answer slower than that is a dead server, and Timer B is 32 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Retries after a timeout, per query. Default 1.</summary>
    public int Retries { get; set; } = 1;

    /// <summary>Answers cached at most (one per name and record type). Default 10,000; past it the expired go first, then the oldest.</summary>
    public int MaxCachedAnswers { get; set; } = 10_000;

    /// <summary>The longest an answer is cached whatever its TTL. Default 1 hour.</summary>
    public TimeSpan MaxCacheTime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long "no such name" and "no records of this type" are cached when the answer carries no SOA to say
    /// (RFC 2308 §5). Default 5 s: long enough to spare the server a query per call, short enough for a new record.
    /// </summary>
    public TimeSpan NegativeCacheTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether a truncated UDP answer is asked again over TCP (RFC 1035 §4.2.2, RFC 7766). Default true; off only to
    /// see truncation reported.
    /// </summary>
    public bool TcpFallback { get; set; } = true;
}
