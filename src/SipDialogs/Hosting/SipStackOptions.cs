using SipDialogs.Dialogs;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Hosting;

/// <summary>
/// Everything a <see cref="SipStack"/> is configured with, bound from configuration (section <c>SipDialogs</c>)
/// through <c>IOptions&lt;SipStackOptions&gt;</c>. <see cref="Validate"/> refuses bad values at startup with a
/// message that names them.
/// </summary>
public sealed class SipStackOptions
{
    /// <summary>The configuration section the server binds.</summary>
    public const string SectionName = "SipDialogs";

    /// <summary>What <see cref="UserAgent"/> is unless configured: the library's name and version.</summary>
    public static readonly string DefaultUserAgent =
        "SipDialogs/" + (typeof(SipStackOptions).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");

    /// <summary>
    /// The product written in <c>User-Agent</c> of requests and <c>Server</c> of responses (RFC 3261 §20.41, §20.35);
    /// empty for neither (some deployments hide it). Default: <see cref="DefaultUserAgent"/>.
    /// </summary>
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary>
    /// The <c>mode</c> attribute of the call and dialog instruments (meter <c>SipDialogs</c>): what the application on
    /// the stack is, e.g. <c>uas</c> (the default) or <c>b2bua</c>, whose two legs then count under it.
    /// </summary>
    public string MetricsMode { get; set; } = "uas";

    /// <summary>
    /// Where to listen: <c>udp:127.0.0.1:5060</c>, <c>tcp:[::1]:5060</c>, <c>tls:0.0.0.0:5061</c>; port 0 takes
    /// a free port. Default: UDP and TCP on 127.0.0.1:5060 (loopback, so a default start exposes nothing).
    /// </summary>
    public IList<string> Listen { get; } = [];

    /// <summary>Size, count and time limits of transports and the parser.</summary>
    public SipLimits Limits { get; set; } = new();

    /// <summary>The RFC 3261 §17 timer values (T1, T2, T4...).</summary>
    public SipTimerOptions Timers { get; set; } = new();

    /// <summary>The shards: how many, their mailboxes, the timing wheel.</summary>
    public ShardOptions Shards { get; set; } = new();

    /// <summary>Session timers (RFC 4028).</summary>
    public SessionTimerOptions SessionTimers { get; set; } = new();

    /// <summary>REFER (RFC 3515): whether the stack accepts transfers no handler answers, and how long their subscriptions last.</summary>
    public Dialogs.TransferOptions Transfers { get; set; } = new();

    /// <summary>A PKCS#12 file with the TLS server certificate and key; required when listening on TLS.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>The password of <see cref="TlsCertificatePath"/>, if any.</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>The listen end points when <see cref="Listen"/> is empty.</summary>
    public static IReadOnlyList<string> DefaultListen { get; } = ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"];

    /// <summary>The parsed listen end points (the defaults when none are configured).</summary>
    /// <returns>The end points.</returns>
    /// <exception cref="InvalidOperationException">An entry is not <c>transport:address:port</c>.</exception>
    public IReadOnlyList<SipEndPoint> GetListenEndPoints()
    {
        IEnumerable<string> entries = Listen.Count > 0 ? Listen : DefaultListen;
        var result = new List<SipEndPoint>();
        foreach (string entry in entries)
        {
            if (!SipEndPoint.TryParse(entry, out SipEndPoint? endPoint, out string? why))
            {
                throw new InvalidOperationException(
                    $"Listen entry '{entry}' is not transport:address:port: {why} (e.g. udp:127.0.0.1:5060, tcp:[::1]:5060, tls:0.0.0.0:5061).");
            }

            result.Add(endPoint.Value);
        }

        return result;
    }

    /// <summary>
    /// The addresses this stack names in its Contact instead of the one it listens on, at most one per transport, each
    /// <c>transport:address:port</c> such as <c>udp:192.0.2.10:5060</c>: a balancer in front of identical nodes, so that
    /// the peers' in-dialog requests come back through it (RFC 3261 §12.1.1: the Contact is the dialog's remote target).
    /// Vias still name the listening address, so responses come straight back. Empty (the default): the Contact names
    /// the listening address.
    /// </summary>
    public IList<string> Advertise { get; } = [];

    /// <summary>The parsed <see cref="Advertise"/> entries.</summary>
    /// <returns>The end points, at most one per transport.</returns>
    /// <exception cref="InvalidOperationException">An entry is not <c>transport:address:port</c> with a port, or a transport is named twice.</exception>
    public IReadOnlyList<SipEndPoint> GetAdvertisedEndPoints()
    {
        var result = new List<SipEndPoint>(Advertise.Count);
        foreach (string entry in Advertise)
        {
            if (!SipEndPoint.TryParse(entry, out SipEndPoint? endPoint, out string? why) || endPoint.Value.Address.Port == 0)
            {
                throw new InvalidOperationException(
                    $"Advertise entry '{entry}' is not transport:address:port: {why ?? "its port is 0"} (e.g. udp:192.0.2.10:5060).");
            }

            foreach (SipEndPoint earlier in result)
            {
                if (earlier.Protocol == endPoint.Value.Protocol)
                {
                    throw new InvalidOperationException($"Advertise names {endPoint.Value.Protocol} twice ('{entry}'); give one address per transport.");
                }
            }

            result.Add(endPoint.Value);
        }

        return result;
    }

    /// <summary>
    /// The DNS servers that find SIP servers by name (RFC 3263: NAPTR, SRV, A/AAAA), each <c>address:port</c> such as
    /// <c>127.0.0.1:5353</c>; empty (the default) for the system's resolvers.
    /// </summary>
    public IList<string> NameServers { get; } = [];

    /// <summary>The name servers as end points (port 53 when none is given).</summary>
    /// <returns>The end points.</returns>
    /// <exception cref="InvalidOperationException">One is not an IP address with an optional port.</exception>
    public IReadOnlyList<System.Net.IPEndPoint> GetNameServers()
    {
        var servers = new List<System.Net.IPEndPoint>(NameServers.Count);
        foreach (string text in NameServers)
        {
            if (System.Net.IPEndPoint.TryParse(text, out System.Net.IPEndPoint? server))
            {
                servers.Add(server.Port == 0 ? new System.Net.IPEndPoint(server.Address, 53) : server);
            }
            else
            {
                throw new InvalidOperationException($"{nameof(NameServers)} '{text}' is not an IP address with an optional port (e.g. 127.0.0.1:5353).");
            }
        }

        return servers;
    }

    /// <summary>Checks every option; call at startup.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(MetricsMode))
        {
            throw new InvalidOperationException($"{nameof(MetricsMode)} must name the application, e.g. uas or b2bua.");
        }

        IReadOnlyList<SipEndPoint> endPoints = GetListenEndPoints();
        _ = GetNameServers();
        _ = GetAdvertisedEndPoints();
        Limits.Validate();
        Timers.Validate();
        Shards.Validate();
        SessionTimers.Validate();
        Transfers.Validate();
        foreach (SipEndPoint endPoint in endPoints)
        {
            if (endPoint.Protocol == SipTransportProtocol.Tls && string.IsNullOrEmpty(TlsCertificatePath))
            {
                throw new InvalidOperationException($"Listening on {endPoint} needs {nameof(TlsCertificatePath)} (a PKCS#12 file).");
            }
        }

        if (!string.IsNullOrEmpty(TlsCertificatePath) && !File.Exists(TlsCertificatePath))
        {
            throw new InvalidOperationException($"{nameof(TlsCertificatePath)} '{TlsCertificatePath}' does not exist.");
        }
    }
}
