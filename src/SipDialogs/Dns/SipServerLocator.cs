using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DnsClient;
using DnsClient.Protocol;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Dns;

/// <summary>
/// Finds the servers for a SIP URI (RFC 3263 §4): the transport from <c>transport=</c>, <c>sips</c> or NAPTR
/// (<c>SIP+D2U</c>, <c>SIP+D2T</c>, <c>SIPS+D2T</c>), then SRV (priority, then a weighted random order, RFC 2782),
/// then A and AAAA; a numeric host, or a name with a port, skips the steps that do not apply. Answers are cached for
/// their TTL in a bounded cache. Asynchronous throughout: a shard hands a lookup off and gets the targets posted back;
/// nothing here blocks a thread. Thread-safe.
/// </summary>
public sealed class SipServerLocator
{
    /// <summary>CNAME links followed at most: more is a loop or a broken zone.</summary>
    private const int MaxCnameLinks = 8;

    private static readonly string[] s_plainServices = ["_sip._udp.", "_sip._tcp."];
    private static readonly string[] s_secureServices = ["_sips._tcp."];

    private readonly LookupClient _client;
    private readonly DnsAnswerCache _cache;
    private readonly Func<int, int> _pick;
    private readonly bool _tcpFallback;
    private readonly int _negativeSeconds;
    private long _queriesSent;

    /// <summary>Creates a locator.</summary>
    /// <param name="options">The DNS servers and limits; the system's resolvers when it names none.</param>
    public SipServerLocator(SipServerLocatorOptions? options = null)
        : this(options ?? new SipServerLocatorOptions(), TimeProvider.System, RandomNumberGenerator.GetInt32)
    {
    }

    /// <summary>For tests: a clock for the cache, and the draw that orders SRV targets of equal priority.</summary>
    internal SipServerLocator(SipServerLocatorOptions options, TimeProvider time, Func<int, int> pick)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Retries);
        LookupClientOptions lookup = options.NameServers.Count > 0 ? new LookupClientOptions([.. options.NameServers]) : new LookupClientOptions();
        lookup.UseCache = false; // Ours is bounded and keyed by what RFC 3263 asks.
        lookup.Timeout = options.Timeout;
        lookup.Retries = options.Retries;
        lookup.UseTcpFallback = options.TcpFallback;
        lookup.ThrowDnsErrors = false;
        lookup.ContinueOnDnsError = false;
        lookup.ContinueOnEmptyResponse = false;
        _client = new LookupClient(lookup);
        _cache = new DnsAnswerCache(options.MaxCachedAnswers, options.MaxCacheTime, time);
        _pick = pick;
        _tcpFallback = options.TcpFallback;
        _negativeSeconds = (int)Math.Ceiling(options.NegativeCacheTime.TotalSeconds);
    }

    /// <summary>DNS queries sent so far (cache hits send none).</summary>
    internal long QueriesSent => Interlocked.Read(ref _queriesSent);

    /// <summary>Answers cached now.</summary>
    internal int CachedAnswers => _cache.Count;

    /// <summary>Forgets every cached answer.</summary>
    internal void ClearCache() => _cache.Clear();

    /// <summary>The default port of a transport (RFC 3261 §19.1.2): 5061 for TLS, 5060 otherwise.</summary>
    /// <param name="protocol">The transport.</param>
    /// <returns>The port.</returns>
    public static int DefaultPort(SipTransportProtocol protocol) => protocol == SipTransportProtocol.Tls ? 5061 : 5060;

    /// <summary>Finds the ordered targets for <paramref name="uri"/> (its <c>maddr</c> if it has one, else its host).</summary>
    /// <param name="uri">The URI: a Request-URI, a route, an outbound proxy.</param>
    /// <param name="cancellationToken">Ends the wait; the answers that arrive later are still cached.</param>
    /// <returns>The targets, or why there are none.</returns>
    public async ValueTask<SipLocateResult> LocateAsync(SipUri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        string host = uri.Maddr ?? uri.Host;
        bool secure = uri.IsSecure;
        SipTransportProtocol? forced = null;
        if (uri.Transport is { } transport)
        {
            if (!TryReadTransport(transport, secure, out SipTransportProtocol protocol))
            {
                return Failed(SipLocateError.UnsupportedTransport, $"transport={transport}{(secure ? " in a sips URI" : string.Empty)}");
            }

            forced = protocol;
        }

        SipTransportProtocol fallback = forced ?? (secure ? SipTransportProtocol.Tls : SipTransportProtocol.Udp);
        string? serverName = secure || fallback == SipTransportProtocol.Tls ? uri.Host : null;

        // RFC 3263 §4.1, §4.2: a numeric host is the target; its port is the one given or the transport's default.
        if (IPAddress.TryParse(host.AsSpan().Trim("[]"), out IPAddress? literal))
        {
            var endPoint = new SipEndPoint(fallback, new IPEndPoint(literal, uri.Port ?? DefaultPort(fallback)));
            return new SipLocateResult([endPoint with { ServerName = serverName }], SipLocateError.None, null);
        }

        var state = new Walk(serverName);

        // §4.2: a port given means A/AAAA only.
        if (uri.Port is int port)
        {
            await AddAddressesAsync(state, host, fallback, port, cancellationToken).ConfigureAwait(false);
            return state.ToLocateResult(host);
        }

        if (forced is null)
        {
            // §4.1: NAPTR first; the services this stack has, in the records' order and preference.
            DnsAnswer<NaptrEntry> naptr = await LookupNaptrAsync(host, cancellationToken).ConfigureAwait(false);
            state.Note(naptr);
            if (naptr.Error != SipLocateError.None)
            {
                return state.ToLocateResult(host);
            }

            foreach (NaptrEntry entry in naptr.Records)
            {
                if (TryReadService(entry.Services, secure, out SipTransportProtocol protocol)
                    && entry.Flags.Equals("s", StringComparison.OrdinalIgnoreCase))
                {
                    await AddServiceAsync(state, entry.Replacement, protocol, cancellationToken).ConfigureAwait(false);
                }
            }

            if (state.Targets.Count > 0)
            {
                return state.ToLocateResult(host);
            }

            // No (usable) NAPTR: the SRV names of the transports this stack has (§4.1 last paragraphs).
            foreach (string service in secure ? s_secureServices : s_plainServices)
            {
                await AddServiceAsync(state, service + host, ProtocolOfService(service), cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await AddServiceAsync(state, ServiceOf(forced.Value) + host, forced.Value, cancellationToken).ConfigureAwait(false);
        }

        // §4.2: no SRV either: the host's addresses on the default port.
        if (state.Targets.Count == 0 && state.Error == SipLocateError.None)
        {
            await AddAddressesAsync(state, host, fallback, DefaultPort(fallback), cancellationToken).ConfigureAwait(false);
        }

        return state.ToLocateResult(host);
    }

    private static SipLocateResult Failed(SipLocateError error, string detail) => new([], error, detail);

    private static bool TryReadTransport(string transport, bool secure, out SipTransportProtocol protocol)
    {
        protocol = transport.ToUpperInvariant() switch
        {
            "UDP" => SipTransportProtocol.Udp,
            "TCP" => secure ? SipTransportProtocol.Tls : SipTransportProtocol.Tcp, // RFC 3263 §4.1: sips with tcp is TLS.
            "TLS" => SipTransportProtocol.Tls,
            _ => (SipTransportProtocol)(-1),
        };
        return (int)protocol >= 0 && !(secure && protocol == SipTransportProtocol.Udp);
    }

    private static bool TryReadService(string service, bool secure, out SipTransportProtocol protocol)
    {
        protocol = service.ToUpperInvariant() switch
        {
            "SIP+D2U" when !secure => SipTransportProtocol.Udp,
            "SIP+D2T" when !secure => SipTransportProtocol.Tcp,
            "SIPS+D2T" => SipTransportProtocol.Tls,
            _ => (SipTransportProtocol)(-1),
        };
        return (int)protocol >= 0;
    }

    private static string ServiceOf(SipTransportProtocol protocol) => protocol switch
    {
        SipTransportProtocol.Udp => "_sip._udp.",
        SipTransportProtocol.Tcp => "_sip._tcp.",
        _ => "_sips._tcp.",
    };

    private static SipTransportProtocol ProtocolOfService(string service) => service switch
    {
        "_sip._udp." => SipTransportProtocol.Udp,
        "_sip._tcp." => SipTransportProtocol.Tcp,
        _ => SipTransportProtocol.Tls,
    };

    private async ValueTask AddServiceAsync(Walk state, string name, SipTransportProtocol protocol, CancellationToken cancellationToken)
    {
        DnsAnswer<SrvEntry> srv = await LookupAsync<SrvRecord, SrvEntry>(
            name, QueryType.SRV, static r => new SrvEntry(r.Priority, r.Weight, r.Port, Name(r.Target)), cancellationToken).ConfigureAwait(false);
        if (!state.Note(srv))
        {
            return;
        }

        foreach (SrvEntry entry in SrvSelection.Order(srv.Records, _pick))
        {
            if (entry.Target.Length == 0)
            {
                continue; // RFC 2782: a target of "." says the service is not offered here.
            }

            await AddAddressesAsync(state, entry.Target, protocol, entry.Port, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask AddAddressesAsync(Walk state, string host, SipTransportProtocol protocol, int port, CancellationToken cancellationToken)
    {
        ValueTask<DnsAnswer<IPAddress>> v4 = LookupAsync<ARecord, IPAddress>(host, QueryType.A, static r => r.Address, cancellationToken);
        ValueTask<DnsAnswer<IPAddress>> v6 = LookupAsync<AaaaRecord, IPAddress>(host, QueryType.AAAA, static r => r.Address, cancellationToken);
        foreach (DnsAnswer<IPAddress> answer in (ReadOnlySpan<DnsAnswer<IPAddress>>)[await v4.ConfigureAwait(false), await v6.ConfigureAwait(false)])
        {
            if (state.Note(answer))
            {
                foreach (IPAddress address in answer.Records)
                {
                    state.Add(new SipEndPoint(protocol, new IPEndPoint(address, port)));
                }
            }
        }
    }

    private async ValueTask<DnsAnswer<NaptrEntry>> LookupNaptrAsync(string host, CancellationToken cancellationToken)
    {
        DnsAnswer<NaptrEntry> answer = await LookupAsync<NAPtrRecord, NaptrEntry>(
            host, QueryType.NAPTR, static r => new NaptrEntry(r.Order, r.Preference, r.Flags, r.Services, Name(r.Replacement)), cancellationToken)
            .ConfigureAwait(false);
        if (answer.Records.Length > 1)
        {
            var sorted = (NaptrEntry[])answer.Records.Clone(); // The cached array is shared; sort a copy.
            Array.Sort(sorted, static (a, b) => a.Order != b.Order ? a.Order.CompareTo(b.Order) : a.Preference.CompareTo(b.Preference));
            return answer with { Records = sorted };
        }

        return answer;
    }

    /// <summary>
    /// The records of <paramref name="type"/> for <paramref name="name"/>, following CNAMEs in the answer and, where the
    /// answer stops at an alias, with a new query; cached for the smallest TTL met on the way.
    /// </summary>
    private async ValueTask<DnsAnswer<TValue>> LookupAsync<TRecord, TValue>(
        string name, QueryType type, Func<TRecord, TValue> read, CancellationToken cancellationToken)
        where TRecord : DnsResourceRecord
    {
        string key = string.Concat(type.ToString(), " ", name);
        if (_cache.TryGet(key, out TValue[] cached))
        {
            return new DnsAnswer<TValue>(cached, SipLocateError.None, null);
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { name };
        string current = name;
        int ttl = int.MaxValue;
        for (int query = 0; query <= MaxCnameLinks; query++)
        {
            IDnsQueryResponse response;
            try
            {
                Interlocked.Increment(ref _queriesSent);
                response = await _client.QueryAsync(current, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
            }
            catch (DnsResponseException exception)
            {
                SipLocateError error = exception.Code switch
                {
                    DnsResponseCode.ConnectionTimeout => SipLocateError.ServerUnreachable,
                    DnsResponseCode.Unassigned when !_tcpFallback => SipLocateError.Truncated, // What DnsClient throws for TC without TCP.
                    _ => SipLocateError.ServerFailure,
                };
                return new DnsAnswer<TValue>([], error, $"{type} {current}: {exception.Message}");
            }
            catch (SocketException exception)
            {
                return new DnsAnswer<TValue>([], SipLocateError.ServerUnreachable, $"{type} {current}: {exception.Message}");
            }

            if (response.Header.ResultTruncated)
            {
                return new DnsAnswer<TValue>([], SipLocateError.Truncated, $"{type} {current}: the answer was truncated");
            }

            if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            {
                return Negative<TValue>(key, response, ttl);
            }

            if (response.HasError)
            {
                return new DnsAnswer<TValue>([], SipLocateError.ServerFailure, $"{type} {current}: {response.ErrorMessage}");
            }

            string asked = current;
            while (true)
            {
                var found = new List<TValue>();
                foreach (DnsResourceRecord record in response.Answers)
                {
                    if (record is TRecord typed && Same(record.DomainName, current))
                    {
                        found.Add(read(typed));
                        ttl = Math.Min(ttl, record.TimeToLive);
                    }
                }

                if (found.Count > 0)
                {
                    TValue[] records = [.. found];
                    _cache.Set(key, records, ttl);
                    return new DnsAnswer<TValue>(records, SipLocateError.None, null);
                }

                CNameRecord? alias = null;
                foreach (DnsResourceRecord record in response.Answers)
                {
                    if (record is CNameRecord cname && Same(record.DomainName, current))
                    {
                        alias = cname;
                        break;
                    }
                }

                if (alias is null)
                {
                    break;
                }

                current = Name(alias.CanonicalName);
                ttl = Math.Min(ttl, alias.TimeToLive);
                if (!seen.Add(current) || seen.Count > MaxCnameLinks + 1)
                {
                    return new DnsAnswer<TValue>([], SipLocateError.CnameLoop, $"{type} {name}: the CNAME chain loops at {current}");
                }
            }

            if (string.Equals(asked, current, StringComparison.OrdinalIgnoreCase))
            {
                return Negative<TValue>(key, response, ttl); // No records of this type (NODATA).
            }

            // The answer ended at an alias it gave nothing for: ask for that name.
        }

        return new DnsAnswer<TValue>([], SipLocateError.CnameLoop, $"{type} {name}: more than {MaxCnameLinks} CNAME links");
    }

    /// <summary>
    /// No records: cached for the SOA's negative TTL when the answer has one (RFC 2308 §5: the smaller of its TTL and
    /// MINIMUM), else for <see cref="SipServerLocatorOptions.NegativeCacheTime"/>; never longer than a CNAME on the way.
    /// </summary>
    private DnsAnswer<TValue> Negative<TValue>(string key, IDnsQueryResponse response, int ttl)
    {
        int negative = _negativeSeconds;
        foreach (DnsResourceRecord record in response.Authorities)
        {
            if (record is SoaRecord soa)
            {
                negative = (int)Math.Min((uint)soa.TimeToLive, soa.Minimum);
            }
        }

        _cache.Set(key, Array.Empty<TValue>(), Math.Min(ttl, negative));
        return new DnsAnswer<TValue>([], SipLocateError.None, null);
    }

    /// <summary>A domain name without its final dot; empty for the root (".").</summary>
    private static string Name(DnsString name) => name.Value.TrimEnd('.');

    private static bool Same(DnsString owner, string name) =>
        owner.Value.AsSpan().TrimEnd('.').Equals(name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The targets gathered for one URI, and the first error met.</summary>
    private sealed class Walk(string? serverName)
    {
        public List<SipEndPoint> Targets { get; } = [];

        public SipLocateError Error { get; private set; }

        public string? Detail { get; private set; }

        /// <summary>Records the answer's error, if first; returns whether it has records to use.</summary>
        public bool Note<T>(DnsAnswer<T> answer)
        {
            if (answer.Error != SipLocateError.None && Error == SipLocateError.None)
            {
                Error = answer.Error;
                Detail = answer.Detail;
            }

            return answer.Error == SipLocateError.None && answer.Records.Length > 0;
        }

        public void Add(SipEndPoint endPoint)
        {
            if (!Targets.Contains(endPoint))
            {
                Targets.Add(endPoint with { ServerName = endPoint.Protocol == SipTransportProtocol.Tls ? serverName : null });
            }
        }

        /// <summary>The targets if any (an error on another path does not hide them), else the first error, else "no records".</summary>
        public SipLocateResult ToLocateResult(string host) =>
            Targets.Count > 0 ? new SipLocateResult(Targets, SipLocateError.None, null)
            : Error != SipLocateError.None ? new SipLocateResult([], Error, Detail)
            : new SipLocateResult([], SipLocateError.NoRecords, string.Create(CultureInfo.InvariantCulture, $"{host}: no NAPTR, SRV, A or AAAA records"));
    }
}
