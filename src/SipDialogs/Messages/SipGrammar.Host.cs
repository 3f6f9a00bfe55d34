using System.Buffers;

namespace SipDialogs.Messages;

/// <content>
/// RFC 3261 §25.1 <c>host</c>: <c>hostname / IPv4address / IPv6reference</c>, with the IPv6 rules as corrected by
/// RFC 5954 §4.1. Used by SIP URIs, Via <c>sent-by</c>, <c>received</c> and <c>maddr</c>, and tel URI contexts.
/// </content>
internal static partial class SipGrammar
{
    private static readonly SearchValues<char> _hostnameChars = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");

    /// <summary>
    /// Whether <paramref name="value"/> is a <c>host</c>: a <c>hostname</c> (dot-separated labels of letters,
    /// digits and inner hyphens, the last starting with a letter, optionally ending in a dot), an
    /// <c>IPv4address</c>, or an <c>IPv6reference</c>.
    /// </summary>
    public static bool IsHost(ReadOnlySpan<char> value) => TryClassifyHost(value, out _);

    /// <summary>Whether <paramref name="host"/> is a <c>host</c> (see <see cref="IsHost"/>), and which kind.</summary>
    /// <param name="host">The candidate, an IPv6 reference with its brackets.</param>
    /// <param name="kind">The kind; meaningless on failure.</param>
    /// <returns>Whether <paramref name="host"/> is a well-formed host.</returns>
    public static bool TryClassifyHost(ReadOnlySpan<char> host, out SipHostKind kind)
    {
        kind = SipHostKind.Name;
        if (host.IsEmpty)
        {
            return false;
        }

        if (host[0] == '[')
        {
            kind = SipHostKind.IPv6;
            return IsIPv6Reference(host);
        }

        if (IsIPv4Address(host))
        {
            kind = SipHostKind.IPv4;
            return true;
        }

        return IsHostname(host);
    }

    /// <summary>
    /// Whether <paramref name="value"/> is an <c>IPv4address</c>: four dot-separated 1–3 digit numbers, each at most
    /// 255 (RFC 3261 §25.1 <c>1*3DIGIT</c>, so leading zeros are allowed).
    /// </summary>
    public static bool IsIPv4Address(ReadOnlySpan<char> value) => IsDottedQuad(value, decOctets: false);

    /// <summary>
    /// Whether <paramref name="value"/> is an <c>IPv6address</c> (without brackets): eight groups of 1–4 hex digits,
    /// or fewer with one <c>::</c>, the last two groups optionally written as an IPv4 address whose parts have no
    /// leading zeros (RFC 5954 §4.1 <c>ls32</c>, <c>dec-octet</c>). Zone identifiers are not allowed.
    /// </summary>
    public static bool IsIPv6Address(ReadOnlySpan<char> value)
    {
        if (value.Length < 2)
        {
            return false;
        }

        int groups = 0;
        bool compressed = false;
        int i = 0;
        if (value[0] == ':')
        {
            if (value[1] != ':')
            {
                return false;
            }

            compressed = true;
            i = 2;
        }

        while (i < value.Length)
        {
            int start = i;
            while (i < value.Length && char.IsAsciiHexDigit(value[i]) && i - start < 5)
            {
                i++;
            }

            if (i < value.Length && value[i] == '.')
            {
                // The IPv4 tail stands for the last two groups and ends the address.
                if (!IsDottedQuad(value[start..], decOctets: true))
                {
                    return false;
                }

                groups += 2;
                break;
            }

            int length = i - start;
            if (length is 0 or > 4)
            {
                return false;
            }

            groups++;
            if (i == value.Length)
            {
                break;
            }

            if (value[i] != ':' || i + 1 == value.Length)
            {
                return false;
            }

            i++;
            if (value[i] == ':')
            {
                if (compressed)
                {
                    return false;
                }

                compressed = true;
                i++;
            }
        }

        return compressed ? groups <= 7 : groups == 8;
    }

    /// <summary>Whether <paramref name="value"/> is an <c>IPv6reference</c>: an IPv6 address in square brackets.</summary>
    public static bool IsIPv6Reference(ReadOnlySpan<char> value) =>
        value.Length > 2 && value[0] == '[' && value[^1] == ']' && IsIPv6Address(value[1..^1]);

    /// <summary>
    /// Whether <paramref name="value"/> is a <c>hostname</c> (also RFC 3966 <c>domainname</c>): dot-separated
    /// labels of letters, digits and inner hyphens, the last starting with a letter, optionally ending in a dot.
    /// </summary>
    public static bool IsHostname(ReadOnlySpan<char> value)
    {
        if (value.Length > 1 && value[^1] == '.')
        {
            value = value[..^1];
        }

        if (value.IsEmpty || value.ContainsAnyExcept(_hostnameChars))
        {
            return false;
        }

        int lastLabelStart = 0;
        int labelStart = 0;
        for (int i = 0; i <= value.Length; i++)
        {
            if (i < value.Length && value[i] != '.')
            {
                continue;
            }

            ReadOnlySpan<char> label = value[labelStart..i];
            if (label.IsEmpty || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            lastLabelStart = labelStart;
            labelStart = i + 1;
        }

        // toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
        return char.IsAsciiLetter(value[lastLabelStart]);
    }

    // Four dot-separated numbers of 1–3 digits, each at most 255; with decOctets, no number but 0 starts with 0.
    private static bool IsDottedQuad(ReadOnlySpan<char> value, bool decOctets)
    {
        int parts = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            int number = 0;
            while (i < value.Length && char.IsAsciiDigit(value[i]) && i - start < 3)
            {
                number = (number * 10) + (value[i] - '0');
                i++;
            }

            if (i == start || number > 255 || (decOctets && value[start] == '0' && i - start > 1))
            {
                return false;
            }

            parts++;
            if (i == value.Length)
            {
                return parts == 4;
            }

            if (value[i] != '.' || parts == 4)
            {
                return false;
            }

            i++;
        }
    }
}
