using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// A URI of a scheme other than sip, sips and tel (RFC 3261 §25.1 <c>absoluteURI</c>), e.g.
/// <c>mailto:alice@example.com</c> or <c>urn:service:sos</c>: the scheme and the rest, kept verbatim.
/// </summary>
public sealed class AbsoluteUri : AddrSpec
{
    private readonly string _scheme;
    private readonly string _schemeSpecificPart;

    /// <summary>Builds an absolute URI from its scheme and what follows the colon.</summary>
    /// <param name="scheme">The scheme, <c>ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )</c>; not sip, sips or tel,
    /// which have their own types.</param>
    /// <param name="schemeSpecificPart">The rest: URI characters and <c>%HH</c> escapes only, not empty.</param>
    /// <exception cref="ArgumentException">Either part is invalid.</exception>
    public AbsoluteUri(string scheme, string schemeSpecificPart)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(schemeSpecificPart);
        if (!IsScheme(scheme)
            || scheme.Equals("sip", StringComparison.OrdinalIgnoreCase)
            || scheme.Equals("sips", StringComparison.OrdinalIgnoreCase)
            || scheme.Equals("tel", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{scheme}' is not a scheme for an absolute URI.", nameof(scheme));
        }

        if (!IsValidRest(schemeSpecificPart, out _))
        {
            throw new ArgumentException("The URI holds characters a URI cannot.", nameof(schemeSpecificPart));
        }

        _scheme = scheme;
        _schemeSpecificPart = schemeSpecificPart;
    }

    // Already validated by the parser.
    private AbsoluteUri(ReadOnlySpan<char> scheme, ReadOnlySpan<char> schemeSpecificPart)
    {
        _scheme = new string(scheme);
        _schemeSpecificPart = new string(schemeSpecificPart);
    }

    /// <summary>The scheme as written.</summary>
    public override string Scheme => _scheme;

    /// <summary>Everything after the scheme's colon, verbatim (RFC 2396 <c>hier-part</c> / <c>opaque-part</c>).</summary>
    public string SchemeSpecificPart => _schemeSpecificPart;

    /// <summary>Parses what follows the scheme's colon.</summary>
    internal static bool TryParseAfterScheme(
        ReadOnlySpan<char> scheme, ReadOnlySpan<char> text, [NotNullWhen(true)] out AddrSpec? uri, out SipRejectReason reason)
    {
        uri = null;
        if (!IsValidRest(text, out reason))
        {
            return false;
        }

        uri = new AbsoluteUri(scheme, text);
        return true;
    }

    /// <summary>Checks what follows an absolute URI's scheme as <see cref="TryParseAfterScheme"/> does, without allocating.</summary>
    internal static bool TryValidateAfterScheme(ReadOnlySpan<char> text, out SipRejectReason reason) => IsValidRest(text, out reason);

    private static bool IsValidRest(ReadOnlySpan<char> text, out SipRejectReason reason)
    {
        if (text.IsEmpty)
        {
            reason = SipRejectReason.MalformedUri;
            return false;
        }

        // uric = reserved / unreserved / escaped (RFC 2396), with RFC 2732's brackets; no fragment.
        return UriSyntax.TryValidateEscaped(text, UriSyntax.UriChars, SipRejectReason.InvalidCharacter, out reason);
    }

    /// <summary>Equal when the schemes match ignoring case and the rest matches exactly.</summary>
    /// <param name="other">The URI to compare with.</param>
    /// <returns><see langword="true"/> when the URIs are equivalent.</returns>
    public override bool UriEquals(AddrSpec other) =>
        other is AbsoluteUri o
        && string.Equals(_scheme, o._scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(_schemeSpecificPart, o._schemeSpecificPart, StringComparison.Ordinal);

    /// <summary>A hash consistent with <see cref="UriEquals"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() =>
        HashCode.Combine(UriSyntax.HashIgnoreCase(_scheme), UriSyntax.HashOrdinal(_schemeSpecificPart));

    /// <summary>Appends the scheme, a colon and the rest, as written.</summary>
    /// <param name="sb">The builder to append to.</param>
    public override void AppendTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        sb.Append(_scheme).Append(':').Append(_schemeSpecificPart);
    }
}
