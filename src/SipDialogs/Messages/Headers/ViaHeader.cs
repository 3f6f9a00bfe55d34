using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// One <c>via-parm</c> of a Via header field (RFC 3261 §20.42, §25.1): the protocol and transport a request was
/// sent over, the address responses go back to (<c>sent-by</c>, RFC 3261 §18.2.2) and parameters such as the
/// transaction's <c>branch</c> (§8.1.1.7) and the <c>received</c> and <c>rport</c> a server adds (§18.2.1,
/// RFC 3581).
/// </summary>
/// <remarks>
/// The convenience properties read and write <see cref="Parameters"/>, which holds every parameter in the order
/// written; a change made through either is seen by both.
/// </remarks>
public sealed class ViaHeader
{
    /// <summary>The protocol name and version of SIP 2.0 (RFC 3261 §7.1).</summary>
    public const string Sip20 = "SIP/2.0";

    /// <summary>Creates a SIP/2.0 Via value, e.g. for a request about to be sent.</summary>
    /// <param name="transport">The transport, e.g. "UDP" or "TLS" (a <c>token</c>; upper-cased).</param>
    /// <param name="host">The host of <c>sent-by</c>: a host name, IPv4 address or bracketed IPv6 address.</param>
    /// <param name="port">The port of <c>sent-by</c>, or <see langword="null"/> for the transport's default.</param>
    /// <param name="branch">The branch parameter (RFC 3261 §8.1.1.7), or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">A value does not follow the grammar.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 0–65535.</exception>
    public ViaHeader(string transport, string host, int? port = null, string? branch = null)
        : this(Sip20, transport, host, port, new SipParameters())
    {
        Branch = branch;
    }

    /// <summary>Creates a Via value with every part given.</summary>
    /// <param name="protocol">The protocol name and version, e.g. <see cref="Sip20"/>: two tokens joined by '/'.</param>
    /// <param name="transport">The transport, a <c>token</c>; upper-cased.</param>
    /// <param name="host">The host of <c>sent-by</c>: a host name, IPv4 address or bracketed IPv6 address.</param>
    /// <param name="port">The port of <c>sent-by</c>, or <see langword="null"/>.</param>
    /// <param name="parameters">The parameters, used as they are (not copied).</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A value does not follow the grammar.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 0–65535.</exception>
    public ViaHeader(string protocol, string transport, string host, int? port, SipParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(parameters);
        int slash = protocol.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !SipGrammar.IsToken(protocol.AsSpan(0, slash)) || !SipGrammar.IsToken(protocol.AsSpan(slash + 1)))
        {
            throw new ArgumentException("The protocol must be protocol-name/protocol-version (RFC 3261 §25.1).", nameof(protocol));
        }

        if (!SipGrammar.IsToken(transport))
        {
            throw new ArgumentException("The transport must be a token (RFC 3261 §25.1).", nameof(transport));
        }

        if (!SipGrammar.IsHost(host))
        {
            throw new ArgumentException("The host must be a host name, IPv4 address or IPv6 reference (RFC 3261 §25.1).", nameof(host));
        }

        if (port is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is a number in 0–65535.");
        }

        Protocol = protocol;
        Transport = NormalizeTransport(transport);
        Host = host;
        Port = port;
        Parameters = parameters;
    }

    /// <summary>The protocol name and version, e.g. <see cref="Sip20"/> (RFC 3261 §25.1 <c>sent-protocol</c>).</summary>
    public string Protocol { get; }

    /// <summary>The transport, upper-case: "UDP", "TCP", "TLS", "SCTP", "WS", "WSS" (RFC 7118) or another token.</summary>
    public string Transport { get; }

    /// <summary>The host of <c>sent-by</c>, as written: a host name, IPv4 address, or IPv6 address in brackets.</summary>
    public string Host { get; }

    /// <summary>The port of <c>sent-by</c>, or <see langword="null"/> when absent (the transport's default applies, RFC 3261 §18.2.2).</summary>
    public int? Port { get; }

    /// <summary>The <c>sent-by</c>: the host, and <c>:port</c> when there is a port.</summary>
    public string SentBy => Port is int port ? string.Create(CultureInfo.InvariantCulture, $"{Host}:{port}") : Host;

    /// <summary>Every parameter in the order written, values as written.</summary>
    public SipParameters Parameters { get; }

    /// <summary>
    /// The branch parameter, which identifies the transaction (RFC 3261 §8.1.1.7, §17.2.3); setting
    /// <see langword="null"/> removes it.
    /// </summary>
    /// <exception cref="ArgumentException">On set, when not a <c>token</c>.</exception>
    public string? Branch
    {
        get => Parameters["branch"];
        set => SetOrRemove("branch", value, SipGrammar.IsToken(value));
    }

    /// <summary>Whether <see cref="Branch"/> is an RFC 3261 branch: the magic cookie and more (see <see cref="IsRfc3261Branch"/>).</summary>
    public bool HasRfc3261Branch => IsRfc3261Branch(Branch);

    /// <summary>
    /// The received parameter: the source address a server saw the request come from (RFC 3261 §18.2.1);
    /// setting <see langword="null"/> removes it.
    /// </summary>
    /// <exception cref="ArgumentException">On set, when not an IPv4 or IPv6 address.</exception>
    public string? Received
    {
        get => Parameters["received"];
        set => SetOrRemove("received", value, IsReceivedAddress(value));
    }

    /// <summary>
    /// Whether the rport parameter is present (RFC 3581 §3–§4): as a flag in a request whose sender asks for
    /// symmetric response routing, with a value once a server has filled it in. Setting
    /// <see langword="true"/> adds the flag if absent; <see langword="false"/> removes it.
    /// </summary>
    public bool HasRport
    {
        get => Parameters.Contains("rport");
        set
        {
            if (!value)
            {
                Parameters.Remove("rport");
            }
            else if (!Parameters.Contains("rport"))
            {
                Parameters.Set("rport", null);
            }
        }
    }

    /// <summary>
    /// The rport value (RFC 3581 §4): the source port a server saw the request come from; <see langword="null"/>
    /// when absent, a flag, or not a port. Setting a port fills it in; setting <see langword="null"/> leaves a flag.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">On set, when outside 0–65535.</exception>
    public int? Rport
    {
        get => Parameters["rport"] is string raw && SipGrammar.TryParsePort(raw, out int port) ? port : null;
        set
        {
            if (value is < 0 or > ushort.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "A port is a number in 0–65535.");
            }

            Parameters.Set("rport", value?.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// The maddr parameter: the multicast address responses go to (RFC 3261 §18.2.2); setting
    /// <see langword="null"/> removes it.
    /// </summary>
    /// <exception cref="ArgumentException">On set, when not a host.</exception>
    public string? Maddr
    {
        get => Parameters["maddr"];
        set => SetOrRemove("maddr", value, SipGrammar.IsHost(value));
    }

    /// <summary>
    /// The ttl parameter, 0–255: the time-to-live of a multicast request (RFC 3261 §18.1.1, §20.42);
    /// <see langword="null"/> when absent or invalid. Setting <see langword="null"/> removes it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">On set, when outside 0–255.</exception>
    public int? Ttl
    {
        get => SipGrammar.TryParseTtl(Parameters["ttl"], out int ttl, out _) ? ttl : null;
        set
        {
            if (value is < 0 or > 255)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "A ttl is a number in 0–255.");
            }

            if (value is int ttl)
            {
                Parameters.Set("ttl", ttl.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                Parameters.Remove("ttl");
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="branch"/> is the magic cookie <c>z9hG4bK</c> (<see cref="SipIds.BranchMagicCookie"/>)
    /// followed by at least one character, which marks a branch made by an RFC 3261 element and so unique enough
    /// to match transactions by (RFC 3261 §8.1.1.7, §17.2.3). The bare cookie is not: it identifies nothing, and
    /// every request that carries it would match one transaction (RFC 4475 §3.2.1).
    /// </summary>
    /// <param name="branch">The branch parameter, or <see langword="null"/>.</param>
    /// <returns>Whether the branch is the cookie and more.</returns>
    public static bool IsRfc3261Branch([NotNullWhen(true)] string? branch) =>
        branch is not null
        && branch.Length > SipIds.BranchMagicCookie.Length
        && branch.StartsWith(SipIds.BranchMagicCookie, StringComparison.Ordinal);

    /// <summary>
    /// Parses one <c>via-parm</c> (RFC 3261 §25.1): <c>sent-protocol LWS sent-by *(SEMI via-params)</c>, where
    /// <c>sent-protocol</c> is <c>protocol-name SLASH protocol-version SLASH transport</c> with optional white
    /// space around each '/', and <c>sent-by</c> is <c>host [COLON port]</c>.
    /// </summary>
    /// <param name="value">One element of the Via header field, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> for a bad <c>sent-protocol</c> or a missing <c>sent-by</c>;
    /// <see cref="SipRejectReason.InvalidHost"/> for a bad host, <c>maddr</c> or <c>received</c>;
    /// <see cref="SipRejectReason.InvalidPort"/> for a bad port or <c>rport</c>;
    /// <see cref="SipRejectReason.ValueOutOfRange"/> for a <c>ttl</c> above 255;
    /// <see cref="SipRejectReason.MalformedParameter"/> for a bad <c>branch</c>, <c>ttl</c> or other parameter.
    /// </param>
    /// <returns>Whether the value is a valid <c>via-parm</c>.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ViaHeader? result, out SipRejectReason reason)
    {
        bool ok = TryRead(value, build: true, out result, out reason);
        return ok && result is not null;
    }

    /// <summary>
    /// Checks one <c>via-parm</c> as <see cref="TryParse"/> does, with the same reasons, without building it or
    /// allocating.
    /// </summary>
    /// <param name="value">One element of the Via header field, unfolded.</param>
    /// <param name="reason">Why it is malformed.</param>
    /// <returns>Whether <see cref="TryParse"/> would succeed.</returns>
    internal static bool TryValidate(ReadOnlySpan<char> value, out SipRejectReason reason) =>
        TryRead(value, build: false, out _, out reason);

    /// <summary>
    /// The branch parameter of a <c>via-parm</c> already known to be well formed, as written; empty when absent or a
    /// flag (which a well-formed Via cannot have).
    /// </summary>
    internal static ReadOnlySpan<char> FindBranch(ReadOnlySpan<char> value)
    {
        int separator = value.IndexOf(';');
        return separator >= 0 && HeaderParameterReader.TryFind(value[(separator + 1)..], "branch", out ReadOnlySpan<char> branch, out _)
            ? branch
            : default;
    }

    // One walk over the grammar for both: building allocates the value, checking only reads it.
    private static bool TryRead(ReadOnlySpan<char> value, bool build, out ViaHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);

        // sent-protocol = protocol-name SLASH protocol-version SLASH transport, SLASH = SWS "/" SWS.
        int nameEnd = SipGrammar.ReadToken(value, 0);
        int versionStart = SkipSlash(value, nameEnd);
        int versionEnd = versionStart < 0 ? -1 : SipGrammar.ReadToken(value, versionStart);
        int transportStart = versionEnd <= versionStart ? -1 : SkipSlash(value, versionEnd);
        int transportEnd = transportStart < 0 ? -1 : SipGrammar.ReadToken(value, transportStart);
        if (nameEnd == 0 || transportEnd <= transportStart)
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        // LWS, then sent-by = host [ COLON port ].
        int hostStart = SipGrammar.SkipWhitespace(value, transportEnd);
        if (hostStart == transportEnd || hostStart == value.Length)
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        int hostEnd;
        if (value[hostStart] == '[')
        {
            int close = value[hostStart..].IndexOf(']');
            hostEnd = close < 0 ? value.Length : hostStart + close + 1;
        }
        else
        {
            int stop = value[hostStart..].IndexOfAny(":; \t");
            hostEnd = stop < 0 ? value.Length : hostStart + stop;
        }

        ReadOnlySpan<char> host = value[hostStart..hostEnd];
        if (!SipGrammar.IsHost(host))
        {
            reason = SipRejectReason.InvalidHost;
            return false;
        }

        int? port = null;
        int i = SipGrammar.SkipWhitespace(value, hostEnd);
        if (i < value.Length && value[i] == ':')
        {
            int portStart = SipGrammar.SkipWhitespace(value, i + 1);
            int portLength = value[portStart..].IndexOfAnyExceptInRange('0', '9');
            int portEnd = portLength < 0 ? value.Length : portStart + portLength;
            if (!SipGrammar.TryParsePort(value[portStart..portEnd], out int parsedPort))
            {
                reason = SipRejectReason.InvalidPort;
                return false;
            }

            port = parsedPort;
            i = portEnd;
        }

        if (!SipGrammar.TryReadHeaderParameters(value[i..], build, out SipParameters? parameters, out ReadOnlySpan<char> list, out reason) ||
            !TryValidateParameters(list, out reason))
        {
            return false;
        }

        if (parameters is null)
        {
            return true;
        }

        result = new ViaHeader(
            InternProtocol(value[..nameEnd], value[versionStart..versionEnd]),
            NormalizeTransport(value[transportStart..transportEnd]),
            host.ToString(),
            port,
            parameters);
        return true;
    }

    /// <summary>The canonical <c>via-parm</c>, e.g. <c>SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK77asjd</c>.</summary>
    /// <returns>The value with no optional white space.</returns>
    public override string ToString()
    {
        StringBuilder builder = CachedStringBuilder.Acquire(64);
        builder.Append(Protocol).Append('/').Append(Transport).Append(' ').Append(Host);
        if (Port is int port)
        {
            builder.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }

        Parameters.AppendTo(builder, ';');
        return CachedStringBuilder.ToStringAndRelease(builder);
    }

    private static int SkipSlash(ReadOnlySpan<char> value, int index)
    {
        index = SipGrammar.SkipWhitespace(value, index);
        return index < value.Length && value[index] == '/' ? SipGrammar.SkipWhitespace(value, index + 1) : -1;
    }

    private static string InternProtocol(ReadOnlySpan<char> name, ReadOnlySpan<char> version) =>
        name.Equals("SIP", StringComparison.OrdinalIgnoreCase) && version.SequenceEqual("2.0")
            ? Sip20
            : string.Concat(name, "/", version);

    private static string NormalizeTransport(ReadOnlySpan<char> transport)
    {
        if (transport.Equals("UDP", StringComparison.OrdinalIgnoreCase))
        {
            return "UDP";
        }

        if (transport.Equals("TCP", StringComparison.OrdinalIgnoreCase))
        {
            return "TCP";
        }

        if (transport.Equals("TLS", StringComparison.OrdinalIgnoreCase))
        {
            return "TLS";
        }

        if (transport.Equals("SCTP", StringComparison.OrdinalIgnoreCase))
        {
            return "SCTP";
        }

        if (transport.Equals("WS", StringComparison.OrdinalIgnoreCase))
        {
            return "WS";
        }

        if (transport.Equals("WSS", StringComparison.OrdinalIgnoreCase))
        {
            return "WSS";
        }

        return transport.ToString().ToUpperInvariant();
    }

    private static bool TryValidateParameters(ReadOnlySpan<char> list, out SipRejectReason reason)
    {
        // Each rule applies to the first parameter of its name, the one SipParameters answers with; one pass finds them.
        FirstHeaderParameter branch = default, received = default, maddr = default, ttl = default, rport = default;
        var reader = new HeaderParameterReader(list);
        while (!list.IsEmpty && reader.TryRead(out ReadOnlySpan<char> name, out ReadOnlySpan<char> value, out bool hasValue, out _))
        {
            _ = branch.TryTake(name, "branch", value, hasValue) || received.TryTake(name, "received", value, hasValue) ||
                maddr.TryTake(name, "maddr", value, hasValue) || ttl.TryTake(name, "ttl", value, hasValue) ||
                rport.TryTake(name, "rport", value, hasValue);
        }

        // via-branch = "branch" EQUAL token
        if (branch.Found && !SipGrammar.IsToken(branch.Value))
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        // via-received = "received" EQUAL (IPv4address / IPv6address); the bracketed IPv6 form, which some
        // senders write, is accepted too.
        if (received.Found && !(received.HasValue && IsReceivedAddress(received.Value)))
        {
            reason = received.HasValue ? SipRejectReason.InvalidHost : SipRejectReason.MalformedParameter;
            return false;
        }

        // via-maddr = "maddr" EQUAL host
        if (maddr.Found && !(maddr.HasValue && SipGrammar.IsHost(maddr.Value)))
        {
            reason = maddr.HasValue ? SipRejectReason.InvalidHost : SipRejectReason.MalformedParameter;
            return false;
        }

        // via-ttl = "ttl" EQUAL ttl, ttl = 1*3DIGIT ; 0 to 255
        if (ttl.Found && !SipGrammar.TryParseTtl(ttl.Value, out _, out reason))
        {
            return false;
        }

        // response-port = "rport" [EQUAL 1*DIGIT] (RFC 3581 §3)
        if (rport.Found && rport.HasValue && !SipGrammar.TryParsePort(rport.Value, out _))
        {
            reason = SipRejectReason.InvalidPort;
            return false;
        }

        reason = default;
        return true;
    }

    private static bool IsReceivedAddress(ReadOnlySpan<char> value) =>
        SipGrammar.IsIPv4Address(value) || SipGrammar.IsIPv6Address(value) || SipGrammar.IsIPv6Reference(value);

    private void SetOrRemove(string name, string? value, bool valid)
    {
        if (value is null)
        {
            Parameters.Remove(name);
            return;
        }

        if (!valid)
        {
            throw new ArgumentException($"'{value}' is not a valid {name} parameter (RFC 3261 §25.1).", nameof(value));
        }

        Parameters.Set(name, value);
    }
}
