using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// A SIP or SIPS URI (RFC 3261 §19.1): <c>sip:user:password@host:port;uri-parameters?headers</c>.
/// </summary>
/// <remarks>
/// <para>
/// The user, password, parameters and headers are held with their <c>%HH</c> escapes resolved and are escaped
/// again by <see cref="AddrSpec.ToString"/> where RFC 3261 §25.1 requires (RFC 3261 §19.1.2). The user part may
/// be a telephone-subscriber holding ';' (<c>sip:+1-212-555-1212;isub=1234@example.com;user=phone</c>): it runs to
/// the '@', and parameters only start after the host.
/// </para>
/// <para>
/// Equality follows RFC 3261 §19.1.4; see <see cref="UriEquals"/>. Escaped characters are treated as equal to
/// their unescaped form throughout, which is slightly more lenient than the RFC for reserved characters.
/// </para>
/// </remarks>
public sealed class SipUri : AddrSpec
{
    // RFC 3261 §19.1.4: these never match when present in only one of two URIs. "lr" and others do.
    private static readonly string[] _strictParameters = ["user", "ttl", "method", "maddr", "transport"];

    private readonly bool _secure;
    private readonly string? _user;
    private readonly string _host;
    private readonly SipHostKind _hostKind;
    private readonly int? _port;
    private string? _password;
    private string? _hostKey;
    private SipParameters? _parameters;
    private SipParameters? _headers;

    /// <summary>Builds a SIP or SIPS URI; add uri-parameters and headers through <see cref="Parameters"/> and <see cref="Headers"/>.</summary>
    /// <param name="user">The user part, unescaped (it is escaped on output), or <see langword="null"/> for none.</param>
    /// <param name="host">A hostname, IPv4 address, or IPv6 reference in brackets (RFC 3261 §25.1 <c>host</c>).</param>
    /// <param name="port">The port, 0–65535, or <see langword="null"/> for none.</param>
    /// <param name="secure"><see langword="true"/> for a SIPS URI (RFC 3261 §19.1).</param>
    /// <exception cref="ArgumentException"><paramref name="user"/> is empty or <paramref name="host"/> is not a valid host.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 0–65535.</exception>
    public SipUri(string? user, string host, int? port = null, bool secure = false)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (user is { Length: 0 })
        {
            throw new ArgumentException("The user part of a SIP URI cannot be empty.", nameof(user));
        }

        if (!SipGrammar.TryClassifyHost(host, out SipHostKind kind))
        {
            throw new ArgumentException($"'{host}' is not a valid host.", nameof(host));
        }

        if (port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is a number in 0–65535.");
        }

        _user = user;
        _host = host;
        _hostKind = kind;
        _port = port;
        _secure = secure;
    }

    private SipUri(
        bool secure, string? user, string? password, string host, SipHostKind kind, int? port,
        SipParameters? parameters, SipParameters? headers)
    {
        _secure = secure;
        _user = user;
        _password = password;
        _host = host;
        _hostKind = kind;
        _port = port;
        _parameters = parameters;
        _headers = headers;
    }

    /// <inheritdoc />
    public override string Scheme => _secure ? "sips" : "sip";

    /// <summary>True for a SIPS URI (RFC 3261 §19.1: every hop secured with TLS).</summary>
    public bool IsSecure => _secure;

    /// <summary>The user part with escapes resolved, or <see langword="null"/> when absent (RFC 3261 §19.1.1).</summary>
    public string? User => _user;

    /// <summary>
    /// The password with escapes resolved, or <see langword="null"/> when absent (RFC 3261 §19.1.1; its use is
    /// NOT RECOMMENDED). Only a URI with a user can have one.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set on a URI without a user.</exception>
    public string? Password
    {
        get => _password;
        init
        {
            if (value is not null && _user is null)
            {
                throw new InvalidOperationException("A SIP URI without a user cannot carry a password.");
            }

            _password = value;
        }
    }

    /// <summary>The host as written; an IPv6 reference keeps its brackets, e.g. <c>[2001:db8::10]</c> (RFC 3261 §19.1.1).</summary>
    public string Host => _host;

    /// <summary>Whether <see cref="Host"/> is a name, an IPv4 address or an IPv6 reference.</summary>
    public SipHostKind HostKind => _hostKind;

    /// <summary>The port, or <see langword="null"/> when absent: absence is not the same as 5060 (RFC 3261 §19.1.4).</summary>
    public int? Port => _port;

    /// <summary>
    /// The uri-parameters (RFC 3261 §19.1.1), held unescaped; change them in place. The parser checks that
    /// <c>ttl</c> is 0–255, <c>maddr</c> a host, and <c>transport</c>, <c>user</c> and <c>method</c> tokens;
    /// values set here are not checked, so prefer the typed properties such as <see cref="Ttl"/>.
    /// </summary>
    public SipParameters Parameters => _parameters ??= new SipParameters(SipParameterSyntax.UriParameter);

    /// <summary>The headers after '?' (RFC 3261 §19.1.1), held unescaped; change them in place.</summary>
    public SipParameters Headers => _headers ??= new SipParameters(SipParameterSyntax.UriHeader);

    /// <summary>The <c>transport</c> parameter, e.g. "tcp" (RFC 3261 §19.1.1); <see langword="null"/> removes it.</summary>
    public string? Transport
    {
        get => _parameters?["transport"];
        set => SetOrRemove("transport", value);
    }

    /// <summary>The <c>user</c> parameter, e.g. "phone" (RFC 3261 §19.1.1); <see langword="null"/> removes it.</summary>
    public string? UserParam
    {
        get => _parameters?["user"];
        set => SetOrRemove("user", value);
    }

    /// <summary>The <c>maddr</c> parameter (RFC 3261 §19.1.1); <see langword="null"/> removes it.</summary>
    public string? Maddr
    {
        get => _parameters?["maddr"];
        set => SetOrRemove("maddr", value);
    }

    /// <summary>The <c>method</c> parameter (RFC 3261 §19.1.1); <see langword="null"/> removes it.</summary>
    public string? Method
    {
        get => _parameters?["method"];
        set => SetOrRemove("method", value);
    }

    /// <summary>The <c>ttl</c> parameter, 0–255 (RFC 3261 §19.1.1); <see langword="null"/> removes it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set outside 0–255.</exception>
    public int? Ttl
    {
        get => _parameters?["ttl"] is { } text && SipGrammar.TryParseTtl(text, out int ttl, out _) ? ttl : null;
        set
        {
            if (value is < 0 or > 255)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "A ttl is a number in 0–255.");
            }

            SetOrRemove("ttl", value?.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Whether the <c>lr</c> parameter is present, marking a loose router (RFC 3261 §19.1.1, §16.12).</summary>
    public bool IsLooseRouter
    {
        get => _parameters?.Contains("lr") ?? false;
        set
        {
            if (!value)
            {
                _parameters?.Remove("lr");
            }
            else if (!Parameters.Contains("lr"))
            {
                Parameters.Set("lr", null);
            }
        }
    }

    private void SetOrRemove(string name, string? value)
    {
        if (value is null)
        {
            _parameters?.Remove(name);
        }
        else
        {
            Parameters.Set(name, value);
        }
    }

    /// <summary>
    /// Parses (<paramref name="build"/>) or only checks what follows "sip:" or "sips:" (RFC 3261 §25.1 <c>SIP-URI</c>,
    /// <c>SIPS-URI</c>): one walk over the grammar for both, with the same reasons; checking allocates nothing but for
    /// a parameter name or value that holds an escape, resolved to be checked.
    /// </summary>
    /// <param name="text">The URI after its scheme and colon.</param>
    /// <param name="secure">True for a SIPS URI.</param>
    /// <param name="build">Whether to build the URI.</param>
    /// <param name="uri">The URI built, or null.</param>
    /// <param name="hasHeaders">Whether the URI carries headers after '?' (RFC 3261 §19.1.1).</param>
    /// <param name="reason">Why the URI is malformed.</param>
    /// <returns>Whether it is well formed.</returns>
    internal static bool TryReadAfterScheme(
        ReadOnlySpan<char> text, bool secure, bool build, out SipUri? uri, out bool hasHeaders, out SipRejectReason reason)
    {
        uri = null;
        hasHeaders = false;
        if (text.IsEmpty)
        {
            reason = SipRejectReason.MalformedUri;
            return false;
        }

        // First the characters no part of a URI may hold and malformed escapes, so that every later check only
        // has to decide what is out of place.
        if (!UriSyntax.TryValidateEscaped(text, UriSyntax.UriChars, SipRejectReason.InvalidCharacter, out reason))
        {
            return false;
        }

        // No '@' is allowed outside userinfo, so the first '@' ends it; a telephone-subscriber user may hold
        // ';' and '?' before it (RFC 4475 §3.1.1.9).
        string? user = null;
        string? password = null;
        int at = text.IndexOf('@');
        if (at >= 0)
        {
            ReadOnlySpan<char> userinfo = text[..at];
            int colon = userinfo.IndexOf(':');
            ReadOnlySpan<char> userText = colon < 0 ? userinfo : userinfo[..colon];
            if (userText.IsEmpty)
            {
                reason = SipRejectReason.MalformedUri;
                return false;
            }

            if (!UriSyntax.TryValidateEscaped(userText, UriSyntax.UserChars, SipRejectReason.InvalidCharacter, out reason))
            {
                return false;
            }

            user = build ? UriSyntax.Unescape(userText) : null;
            if (colon >= 0)
            {
                ReadOnlySpan<char> passwordText = userinfo[(colon + 1)..];
                if (!UriSyntax.TryValidateEscaped(passwordText, UriSyntax.PasswordChars, SipRejectReason.InvalidCharacter, out reason))
                {
                    return false;
                }

                password = build ? UriSyntax.Unescape(passwordText) : null;
            }

            text = text[(at + 1)..];
        }

        int hostEnd;
        if (!text.IsEmpty && text[0] == '[')
        {
            hostEnd = text.IndexOf(']') + 1;
            if (hostEnd == 0)
            {
                reason = SipRejectReason.InvalidHost;
                return false;
            }
        }
        else
        {
            hostEnd = text.IndexOfAny(':', ';', '?');
            if (hostEnd < 0)
            {
                hostEnd = text.Length;
            }
        }

        ReadOnlySpan<char> hostText = text[..hostEnd];
        if (!SipGrammar.TryClassifyHost(hostText, out SipHostKind kind))
        {
            reason = SipRejectReason.InvalidHost;
            return false;
        }

        int i = hostEnd;
        int? port = null;
        if (i < text.Length && text[i] == ':')
        {
            int end = text[(i + 1)..].IndexOfAny(';', '?');
            ReadOnlySpan<char> portText = end < 0 ? text[(i + 1)..] : text.Slice(i + 1, end);
            if (!SipGrammar.TryParsePort(portText, out int value))
            {
                reason = SipRejectReason.InvalidPort;
                return false;
            }

            port = value;
            i += 1 + portText.Length;
        }

        if (i < text.Length && text[i] is not ';' and not '?')
        {
            // Only an IPv6 reference can be followed by something else, e.g. "[::1]x".
            reason = SipRejectReason.InvalidHost;
            return false;
        }

        SipParameters? parameters = null;
        if (i < text.Length && text[i] == ';')
        {
            int end = text[(i + 1)..].IndexOf('?');
            ReadOnlySpan<char> parameterText = end < 0 ? text[(i + 1)..] : text.Slice(i + 1, end);
            if (!UriParameterReader.IsValid(parameterText, SipParameterSyntax.UriParameter, out reason))
            {
                return false;
            }

            if (!HasValidKnownParameters(parameterText))
            {
                reason = SipRejectReason.MalformedParameter;
                return false;
            }

            if (build)
            {
                parameters = new SipParameters(SipParameterSyntax.UriParameter);
                _ = parameters.TryParseInto(parameterText, out _);
            }

            i += 1 + parameterText.Length;
        }

        SipParameters? headers = null;
        if (i < text.Length)
        {
            // text[i] is '?': headers = "?" header *( "&" header ), so a well-formed list holds at least one.
            ReadOnlySpan<char> headerText = text[(i + 1)..];
            if (!UriParameterReader.IsValid(headerText, SipParameterSyntax.UriHeader, out reason))
            {
                return false;
            }

            hasHeaders = true;
            if (build)
            {
                headers = new SipParameters(SipParameterSyntax.UriHeader);
                _ = headers.TryParseInto(headerText, out _);
            }
        }

        if (build)
        {
            uri = new SipUri(secure, user, password, new string(hostText), kind, port, parameters, headers);
        }

        reason = default;
        return true;
    }

    private static bool HasValidKnownParameters(ReadOnlySpan<char> parameterText)
    {
        // RFC 3261 §25.1: transport-param, user-param and method-param take a token, ttl-param 1*3DIGIT
        // (0–255, §19.1.1), maddr-param a host. Names and values are compared with their escapes resolved.
        var reader = new UriParameterReader(parameterText, SipParameterSyntax.UriParameter);
        while (reader.TryRead(out ReadOnlySpan<char> rawName, out ReadOnlySpan<char> rawValue, out bool hasValue, out _))
        {
            ReadOnlySpan<char> name = UriParameterReader.Unescaped(rawName);
            if (name.Equals("ttl", StringComparison.OrdinalIgnoreCase))
            {
                if (!SipGrammar.TryParseTtl(UriParameterReader.Unescaped(rawValue), out _, out _))
                {
                    return false;
                }
            }
            else if (name.Equals("maddr", StringComparison.OrdinalIgnoreCase))
            {
                if (!hasValue || !SipGrammar.TryClassifyHost(UriParameterReader.Unescaped(rawValue), out _))
                {
                    return false;
                }
            }
            else if (name.Equals("transport", StringComparison.OrdinalIgnoreCase)
                || name.Equals("user", StringComparison.OrdinalIgnoreCase)
                || name.Equals("method", StringComparison.OrdinalIgnoreCase))
            {
                if (!hasValue || !SipGrammar.IsToken(UriParameterReader.Unescaped(rawValue)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Compares by RFC 3261 §19.1.4: a SIP URI never equals a SIPS one; user and password match exactly
    /// (after unescaping); hosts match ignoring case (IPv6 references by address, RFC 5954 §4.1); ports
    /// match, an absent port never equalling an explicit one; the <c>user</c>, <c>ttl</c>, <c>method</c>,
    /// <c>maddr</c> and <c>transport</c> parameters must match when either URI has them; other parameters
    /// are compared only when both have them; parameter values compare ignoring case; headers must all be
    /// present in both, in any order, names ignoring case and values exactly.
    /// </summary>
    /// <param name="other">The URI to compare with.</param>
    /// <returns><see langword="true"/> when the URIs are equivalent.</returns>
    public override bool UriEquals(AddrSpec other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is SipUri o
            && _secure == o._secure
            && _port == o._port
            && string.Equals(_user, o._user, StringComparison.Ordinal)
            && string.Equals(_password, o._password, StringComparison.Ordinal)
            && string.Equals(HostKey, o.HostKey, StringComparison.OrdinalIgnoreCase)
            && ParametersMatch(_parameters, o._parameters)
            && HeadersMatch(_headers, o._headers);
    }

    private string HostKey => _hostKey ??= _hostKind == SipHostKind.IPv6
        && IPAddress.TryParse(_host.AsSpan(1, _host.Length - 2), out IPAddress? address)
            ? "[" + address.ToString() + "]"
            : _host;

    private static bool ParametersMatch(SipParameters? a, SipParameters? b)
    {
        foreach (string name in _strictParameters)
        {
            string? va = null;
            string? vb = null;
            bool inA = a is not null && a.TryGetValue(name, out va);
            bool inB = b is not null && b.TryGetValue(name, out vb);
            if (inA != inB || (inA && !ValuesMatch(va, vb)))
            {
                return false;
            }
        }

        if (a is null || b is null)
        {
            return true;
        }

        for (int i = 0; i < a.Count; i++)
        {
            // Only the first of duplicated names counts, from either side, so the rule stays symmetric.
            if (a.IsFirstOccurrence(i) && b.TryGetValue(a[i].Name, out string? vb) && !ValuesMatch(a[i].Value, vb))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValuesMatch(string? a, string? b) =>
        a is null ? b is null : b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool HeadersMatch(SipParameters? a, SipParameters? b)
    {
        int countA = a?.Count ?? 0;
        int countB = b?.Count ?? 0;
        if (countA != countB)
        {
            return false;
        }

        // Same multiset of (name ignoring case, value exactly); lists are short, so quadratic is cheapest.
        for (int i = 0; i < countA; i++)
        {
            SipParameter h = a![i];
            if (Occurrences(a, h) != Occurrences(b!, h))
            {
                return false;
            }
        }

        return true;
    }

    private static int Occurrences(SipParameters list, SipParameter header)
    {
        int n = 0;
        for (int i = 0; i < list.Count; i++)
        {
            SipParameter h = list[i];
            if (string.Equals(h.Name, header.Name, StringComparison.OrdinalIgnoreCase)
                && string.Equals(h.Value, header.Value, StringComparison.Ordinal))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// A hash over what RFC 3261 §19.1.4 always compares: scheme, user, password, host, port, the
    /// parameters that must match when present in either URI, and the headers.
    /// </summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(_secure);
        hash.Add(UriSyntax.HashOrdinal(_user));
        hash.Add(UriSyntax.HashOrdinal(_password));
        hash.Add(UriSyntax.HashIgnoreCase(HostKey));
        hash.Add(_port);
        if (_parameters is not null)
        {
            foreach (string name in _strictParameters)
            {
                if (_parameters.TryGetValue(name, out string? value))
                {
                    hash.Add(name);
                    hash.Add(UriSyntax.HashIgnoreCase(value));
                }
            }
        }

        if (_headers is not null)
        {
            // Order-free: a sum of per-header hashes.
            int sum = 0;
            for (int i = 0; i < _headers.Count; i++)
            {
                SipParameter h = _headers[i];
                sum = unchecked(sum + HashCode.Combine(UriSyntax.HashIgnoreCase(h.Name), UriSyntax.HashOrdinal(h.Value)));
            }

            hash.Add(sum);
        }

        return hash.ToHashCode();
    }

    /// <summary>
    /// Appends the canonical text: lower-case scheme, user and password escaped as RFC 3261 §25.1 requires,
    /// host as written, then parameters and headers, escaped, in their order.
    /// </summary>
    /// <param name="sb">The builder to append to.</param>
    public override void AppendTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        sb.Append(_secure ? "sips:" : "sip:");
        if (_user is not null)
        {
            UriSyntax.AppendEscaped(sb, _user, UriSyntax.UserChars);
            if (_password is not null)
            {
                sb.Append(':');
                UriSyntax.AppendEscaped(sb, _password, UriSyntax.PasswordChars);
            }

            sb.Append('@');
        }

        sb.Append(_host);
        if (_port is int port)
        {
            sb.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }

        _parameters?.AppendTo(sb, ';', ';');
        _headers?.AppendTo(sb, '?', '&');
    }
}
