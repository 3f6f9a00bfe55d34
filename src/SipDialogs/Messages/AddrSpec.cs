using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// A URI as carried by SIP: RFC 3261 §25.1 <c>addr-spec = SIP-URI / SIPS-URI / absoluteURI</c>, with tel
/// URIs (RFC 3966) recognised among the absolute URIs. The kinds are <see cref="SipUri"/>,
/// <see cref="TelUri"/> and <see cref="AbsoluteUri"/>; no others can be derived.
/// </summary>
/// <remarks>
/// <see cref="Equals(object)"/> follows each scheme's comparison rules (RFC 3261 §19.1.4, RFC 3966 §4), which
/// are not transitive for SIP URIs: two URIs that each equal a third may differ from each other. The hash
/// code only covers what every rule compares, so equal URIs always hash alike. URIs are mutable through
/// their parameters: do not change one while it is a key in a dictionary.
/// </remarks>
public abstract class AddrSpec
{
    private protected AddrSpec()
    {
    }

    /// <summary>The scheme: "sip", "sips", "tel", or an absolute URI's scheme as written (RFC 3261 §19.1).</summary>
    public abstract string Scheme { get; }

    /// <summary>
    /// Parses an addr-spec (RFC 3261 §25.1), choosing the kind by its scheme, compared ignoring case: "sip"
    /// and "sips" give a <see cref="SipUri"/>, "tel" a <see cref="TelUri"/>, and any other valid scheme
    /// (<c>ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )</c>) an <see cref="AbsoluteUri"/>. The text must be
    /// the URI alone: no angle brackets or surrounding white space. Never throws on bad input.
    /// </summary>
    /// <param name="text">The URI text.</param>
    /// <param name="uri">The URI on success.</param>
    /// <param name="reason">On failure, why: <see cref="SipRejectReason.MalformedUri"/>,
    /// <see cref="SipRejectReason.InvalidCharacter"/>, <see cref="SipRejectReason.InvalidEscape"/>,
    /// <see cref="SipRejectReason.InvalidHost"/>, <see cref="SipRejectReason.InvalidPort"/> or
    /// <see cref="SipRejectReason.MalformedParameter"/>; undefined (0) on success.</param>
    /// <returns><see langword="true"/> when the text is a valid URI.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out AddrSpec? uri, out SipRejectReason reason) =>
        TryRead(text, build: true, out uri, out _, out reason) && uri is not null;

    /// <summary>
    /// Checks an addr-spec as <see cref="TryParse"/> does, with the same reasons, without building the URI or
    /// allocating (but for a SIP or tel parameter that holds an escape, resolved to be checked).
    /// </summary>
    /// <param name="text">The URI text.</param>
    /// <param name="sipHeaders">Whether it is a SIP or SIPS URI that carries headers (RFC 3261 §19.1.1).</param>
    /// <param name="reason">Why it is malformed; undefined (0) when it is well formed.</param>
    /// <returns><see langword="true"/> when <see cref="TryParse"/> would succeed.</returns>
    internal static bool TryValidate(ReadOnlySpan<char> text, out bool sipHeaders, out SipRejectReason reason) =>
        TryRead(text, build: false, out _, out sipHeaders, out reason);

    // One dispatch on the scheme for both: building allocates the URI, checking only reads it.
    private static bool TryRead(ReadOnlySpan<char> text, bool build, out AddrSpec? uri, out bool sipHeaders, out SipRejectReason reason)
    {
        uri = null;
        sipHeaders = false;
        int colon = text.IndexOf(':');
        if (colon <= 0 || !IsScheme(text[..colon]))
        {
            reason = SipRejectReason.MalformedUri;
            return false;
        }

        ReadOnlySpan<char> scheme = text[..colon];
        ReadOnlySpan<char> rest = text[(colon + 1)..];
        bool sips = scheme.Equals("sips", StringComparison.OrdinalIgnoreCase);
        if (sips || scheme.Equals("sip", StringComparison.OrdinalIgnoreCase))
        {
            bool ok = SipUri.TryReadAfterScheme(rest, sips, build, out SipUri? sip, out sipHeaders, out reason);
            uri = sip;
            return ok;
        }

        if (scheme.Equals("tel", StringComparison.OrdinalIgnoreCase))
        {
            return build ? TelUri.TryParseAfterScheme(rest, out uri, out reason) : TelUri.TryValidateAfterScheme(rest, out reason);
        }

        return build ? AbsoluteUri.TryParseAfterScheme(scheme, rest, out uri, out reason) : AbsoluteUri.TryValidateAfterScheme(rest, out reason);
    }

    /// <summary>True when <paramref name="scheme"/> is <c>ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )</c> (RFC 3261 §25.1).</summary>
    internal static bool IsScheme(ReadOnlySpan<char> scheme)
    {
        if (scheme.IsEmpty || !char.IsAsciiLetter(scheme[0]))
        {
            return false;
        }

        foreach (char c in scheme)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '-' and not '.')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Compares with another URI by the rules of this URI's scheme: RFC 3261 §19.1.4 for SIP and SIPS,
    /// RFC 3966 §4 for tel, and scheme-insensitive, otherwise exact text for other URIs. URIs of different
    /// kinds are never equal. The comparison is symmetric.
    /// </summary>
    /// <param name="other">The URI to compare with.</param>
    /// <returns><see langword="true"/> when the URIs are equivalent.</returns>
    public abstract bool UriEquals(AddrSpec other);

    /// <summary>Equality by <see cref="UriEquals"/>.</summary>
    /// <param name="obj">The object to compare with.</param>
    /// <returns><see langword="true"/> when <paramref name="obj"/> is an equivalent URI.</returns>
    public sealed override bool Equals(object? obj) => obj is AddrSpec other && UriEquals(other);

    /// <summary>A hash consistent with <see cref="UriEquals"/>: equivalent URIs hash alike.</summary>
    /// <returns>The hash code.</returns>
    public abstract override int GetHashCode();

    /// <summary>Appends the canonical text of the URI.</summary>
    /// <param name="sb">The builder to append to.</param>
    public abstract void AppendTo(StringBuilder sb);

    /// <summary>The canonical text of the URI, which <see cref="TryParse"/> reads back to an equal URI.</summary>
    /// <returns>The URI text.</returns>
    public override string ToString()
    {
        StringBuilder sb = CachedStringBuilder.Acquire(64);
        AppendTo(sb);
        return CachedStringBuilder.ToStringAndRelease(sb);
    }
}
