using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The names of the headers the stack knows: canonical full names, compact forms (RFC 3261 §7.3.3 and the
/// extensions that define one), and a fast case-insensitive lookup from the bytes of a header name.
/// </summary>
public static class SipHeaderNames
{
    private static readonly HeaderName[] s_names =
    [
        new("Via", (byte)'v', SipHeaderKind.Via),
        new("From", (byte)'f', SipHeaderKind.From),
        new("To", (byte)'t', SipHeaderKind.To),
        new("Call-ID", (byte)'i', SipHeaderKind.CallId),
        new("CSeq", 0, SipHeaderKind.CSeq),
        new("Max-Forwards", 0, SipHeaderKind.MaxForwards),
        new("Contact", (byte)'m', SipHeaderKind.Contact),
        new("Route", 0, SipHeaderKind.Route),
        new("Record-Route", 0, SipHeaderKind.RecordRoute),
        new("Content-Length", (byte)'l', SipHeaderKind.ContentLength),
        new("Content-Type", (byte)'c', SipHeaderKind.ContentType),
        new("Content-Encoding", (byte)'e', SipHeaderKind.ContentEncoding),
        new("Content-Disposition", 0, SipHeaderKind.ContentDisposition),
        new("Content-Language", 0, SipHeaderKind.ContentLanguage),
        new("Expires", 0, SipHeaderKind.Expires),
        new("Require", 0, SipHeaderKind.Require),
        new("Proxy-Require", 0, SipHeaderKind.ProxyRequire),
        new("Supported", (byte)'k', SipHeaderKind.Supported),
        new("Unsupported", 0, SipHeaderKind.Unsupported),
        new("Allow", 0, SipHeaderKind.Allow),
        new("Accept", 0, SipHeaderKind.Accept),
        new("Accept-Encoding", 0, SipHeaderKind.AcceptEncoding),
        new("Accept-Language", 0, SipHeaderKind.AcceptLanguage),
        new("Alert-Info", 0, SipHeaderKind.AlertInfo),
        new("Call-Info", 0, SipHeaderKind.CallInfo),
        new("Date", 0, SipHeaderKind.Date),
        new("Error-Info", 0, SipHeaderKind.ErrorInfo),
        new("In-Reply-To", 0, SipHeaderKind.InReplyTo),
        new("MIME-Version", 0, SipHeaderKind.MimeVersion),
        new("Min-Expires", 0, SipHeaderKind.MinExpires),
        new("Organization", 0, SipHeaderKind.Organization),
        new("Priority", 0, SipHeaderKind.Priority),
        new("Reply-To", 0, SipHeaderKind.ReplyTo),
        new("Retry-After", 0, SipHeaderKind.RetryAfter),
        new("Server", 0, SipHeaderKind.Server),
        new("Subject", (byte)'s', SipHeaderKind.Subject),
        new("Timestamp", 0, SipHeaderKind.Timestamp),
        new("User-Agent", 0, SipHeaderKind.UserAgent),
        new("Warning", 0, SipHeaderKind.Warning),
        new("WWW-Authenticate", 0, SipHeaderKind.WwwAuthenticate),
        new("Authorization", 0, SipHeaderKind.Authorization),
        new("Proxy-Authenticate", 0, SipHeaderKind.ProxyAuthenticate),
        new("Proxy-Authorization", 0, SipHeaderKind.ProxyAuthorization),
        new("Authentication-Info", 0, SipHeaderKind.AuthenticationInfo),
        new("Event", (byte)'o', SipHeaderKind.Event),
        new("Allow-Events", (byte)'u', SipHeaderKind.AllowEvents),
        new("Subscription-State", 0, SipHeaderKind.SubscriptionState),
        new("Refer-To", (byte)'r', SipHeaderKind.ReferTo),
        new("Referred-By", (byte)'b', SipHeaderKind.ReferredBy),
        new("Refer-Sub", 0, SipHeaderKind.ReferSub),
        new("Replaces", 0, SipHeaderKind.Replaces),
        new("RSeq", 0, SipHeaderKind.RSeq),
        new("RAck", 0, SipHeaderKind.RAck),
        new("Session-Expires", (byte)'x', SipHeaderKind.SessionExpires),
        new("Min-SE", 0, SipHeaderKind.MinSE),
        new("Reason", 0, SipHeaderKind.Reason),
        new("Path", 0, SipHeaderKind.Path),
        new("Service-Route", 0, SipHeaderKind.ServiceRoute),
        new("Accept-Contact", (byte)'a', SipHeaderKind.AcceptContact),
        new("Reject-Contact", (byte)'j', SipHeaderKind.RejectContact),
        new("Request-Disposition", (byte)'d', SipHeaderKind.RequestDisposition),
        new("Identity", (byte)'y', SipHeaderKind.Identity),
        new("P-Asserted-Identity", 0, SipHeaderKind.PAssertedIdentity),
        new("P-Preferred-Identity", 0, SipHeaderKind.PPreferredIdentity),
        new("Privacy", 0, SipHeaderKind.Privacy),
    ];

    // Indexed by kind: the canonical name as a string and as bytes.
    private static readonly string[] s_canonical = BuildCanonical();
    private static readonly byte[][] s_canonicalBytes = BuildCanonicalBytes();

    // Compact forms by lower-case letter.
    private static readonly SipHeaderKind[] s_compact = BuildCompact();

    // Full names bucketed by length, lower-case, for the lookup.
    private static readonly HeaderName[][] s_byLength = BuildByLength();

    /// <summary>The canonical name of a known header, e.g. <c>Call-ID</c>; "" for <see cref="SipHeaderKind.Unknown"/>.</summary>
    /// <param name="kind">The header.</param>
    /// <returns>The canonical full name.</returns>
    public static string GetCanonicalName(SipHeaderKind kind) => s_canonical[(int)kind];

    /// <summary>The canonical name of a known header as ASCII bytes.</summary>
    /// <param name="kind">The header.</param>
    /// <returns>The canonical full name's bytes.</returns>
    public static ReadOnlySpan<byte> GetCanonicalNameBytes(SipHeaderKind kind) => s_canonicalBytes[(int)kind];

    /// <summary>The compact form of a header (RFC 3261 §7.3.3), or '\0' when it has none.</summary>
    /// <param name="kind">The header.</param>
    /// <returns>The compact letter, lower-case.</returns>
    public static char GetCompactForm(SipHeaderKind kind)
    {
        foreach (ref readonly HeaderName name in s_names.AsSpan())
        {
            if (name.Kind == kind)
            {
                return (char)name.Compact;
            }
        }

        return '\0';
    }

    /// <summary>Looks a header name up, case-insensitively, in full or compact form.</summary>
    /// <param name="name">The header name as it appears on the wire.</param>
    /// <returns>The header, or <see cref="SipHeaderKind.Unknown"/>.</returns>
    public static SipHeaderKind Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            int c = name[0] | 0x20;
            return c is >= 'a' and <= 'z' ? s_compact[c - 'a'] : SipHeaderKind.Unknown;
        }

        if ((uint)name.Length >= (uint)s_byLength.Length)
        {
            return SipHeaderKind.Unknown;
        }

        HeaderName[] bucket = s_byLength[name.Length];
        int first = name[0] | 0x20;
        for (int i = 0; i < bucket.Length; i++)
        {
            HeaderName candidate = bucket[i];
            if (candidate.Lower[0] == first && Ascii.EqualsIgnoreCase(name, candidate.Lower))
            {
                return candidate.Kind;
            }
        }

        return SipHeaderKind.Unknown;
    }

    /// <summary>Looks a header name up, case-insensitively, in full or compact form.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The header, or <see cref="SipHeaderKind.Unknown"/>.</returns>
    public static SipHeaderKind Lookup(ReadOnlySpan<char> name)
    {
        if (name.Length == 0 || name.Length >= s_byLength.Length || !Ascii.IsValid(name))
        {
            return SipHeaderKind.Unknown;
        }

        Span<byte> bytes = stackalloc byte[name.Length];
        Ascii.FromUtf16(name, bytes, out _);
        return Lookup(bytes);
    }

    private static string[] BuildCanonical()
    {
        var result = new string[s_names.Length + 1];
        result[0] = string.Empty;
        foreach (HeaderName name in s_names)
        {
            result[(int)name.Kind] = name.Name;
        }

        return result;
    }

    private static byte[][] BuildCanonicalBytes()
    {
        var result = new byte[s_names.Length + 1][];
        result[0] = [];
        foreach (HeaderName name in s_names)
        {
            result[(int)name.Kind] = Encoding.ASCII.GetBytes(name.Name);
        }

        return result;
    }

    private static SipHeaderKind[] BuildCompact()
    {
        var result = new SipHeaderKind[26];
        foreach (HeaderName name in s_names)
        {
            if (name.Compact != 0)
            {
                result[name.Compact - 'a'] = name.Kind;
            }
        }

        return result;
    }

    private static HeaderName[][] BuildByLength()
    {
        int max = 0;
        foreach (HeaderName name in s_names)
        {
            max = Math.Max(max, name.Name.Length);
        }

        var lists = new List<HeaderName>[max + 1];
        foreach (HeaderName name in s_names)
        {
            (lists[name.Name.Length] ??= []).Add(name);
        }

        var result = new HeaderName[max + 1][];
        for (int i = 0; i < lists.Length; i++)
        {
            result[i] = lists[i] is { } list ? list.ToArray() : [];
        }

        return result;
    }

    private sealed class HeaderName(string name, byte compact, SipHeaderKind kind)
    {
        public string Name { get; } = name;

        public byte[] Lower { get; } = Encoding.ASCII.GetBytes(name.ToLowerInvariant());

        public byte Compact { get; } = compact;

        public SipHeaderKind Kind { get; } = kind;
    }
}
