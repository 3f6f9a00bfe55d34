using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// An address with optional display name and header parameters: RFC 3261 §25.1
/// <c>( name-addr / addr-spec ) *( SEMI generic-param )</c>, the value of From, To, Contact, Route,
/// Record-Route, Reply-To (RFC 3261 §20), Refer-To (RFC 3515 §2.1) and Referred-By (RFC 3892 §3).
/// </summary>
/// <remarks>
/// Per RFC 3261 §20.10, when the URI is not in angle brackets every parameter after it belongs to the header,
/// not to the URI, and such a URI may not contain ',', '?' or ';'. Header parameters are kept as written
/// (see <see cref="SipParameters"/>).
/// </remarks>
public sealed class NameAddress
{
    private readonly AddrSpec _uri;
    private string? _displayName;
    private SipParameters? _parameters;

    /// <summary>Builds an address; add header parameters through <see cref="Parameters"/> or <see cref="Tag"/>.</summary>
    /// <param name="uri">The URI.</param>
    /// <param name="displayName">The display name, unquoted, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException"><paramref name="displayName"/> contains CR or LF.</exception>
    public NameAddress(AddrSpec uri, string? displayName = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        _uri = uri;
        DisplayName = displayName;
    }

    private NameAddress(AddrSpec uri, string? displayName, SipParameters? parameters)
    {
        _uri = uri;
        _displayName = displayName;
        _parameters = parameters;
    }

    /// <summary>
    /// The display name (RFC 3261 §20.10), unquoted with escapes resolved; the tokens of an unquoted name are
    /// joined by single spaces. <see langword="null"/> when absent, empty for <c>""</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Set to a value containing CR or LF.</exception>
    public string? DisplayName
    {
        get => _displayName;
        set
        {
            if (value is not null && !SipGrammar.IsQuotable(value))
            {
                throw new ArgumentException("A display name cannot contain CR or LF.", nameof(value));
            }

            _displayName = value;
        }
    }

    /// <summary>The URI (RFC 3261 §25.1 <c>addr-spec</c>).</summary>
    public AddrSpec Uri => _uri;

    /// <summary>The header parameters after the URI (RFC 3261 §25.1 <c>generic-param</c>), e.g. <c>tag</c>, <c>expires</c>, <c>q</c>.</summary>
    public SipParameters Parameters => _parameters ??= new SipParameters();

    /// <summary>The <c>tag</c> parameter of From and To (RFC 3261 §19.3); <see langword="null"/> removes it.</summary>
    /// <exception cref="ArgumentException">Set to a value that is not a token.</exception>
    public string? Tag
    {
        get => _parameters?["tag"];
        set
        {
            if (value is null)
            {
                _parameters?.Remove("tag");
            }
            else
            {
                Parameters.Set("tag", value);
            }
        }
    }

    /// <summary>
    /// Parses <c>( name-addr / addr-spec ) *( SEMI generic-param )</c> (RFC 3261 §25.1): a quoted or token
    /// display name (optional, with or without LWS before '&lt;'), the URI in angle brackets with no white
    /// space inside them, or a bare URI; then header parameters, with LWS allowed around ';' and '='.
    /// Surrounding LWS is ignored. Never throws on bad input.
    /// </summary>
    /// <param name="text">The header value, decoded to text.</param>
    /// <param name="value">The address on success.</param>
    /// <param name="reason">On failure, why: <see cref="SipRejectReason.UnterminatedQuotedString"/>,
    /// <see cref="SipRejectReason.InvalidCharacter"/>, <see cref="SipRejectReason.MalformedUri"/>,
    /// <see cref="SipRejectReason.MalformedParameter"/>, or a URI reason from <see cref="AddrSpec.TryParse"/>;
    /// undefined (0) on success.</param>
    /// <returns><see langword="true"/> when the text is a valid address.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out NameAddress? value, out SipRejectReason reason)
    {
        bool ok = TryRead(text, build: true, out value, out _, out reason);
        return ok && value is not null;
    }

    /// <summary>
    /// Checks an address as <see cref="TryParse"/> does, with the same reasons, without building it or allocating
    /// (but for a URI parameter that holds an escape, resolved to be checked).
    /// </summary>
    /// <param name="text">The header value, decoded to text.</param>
    /// <param name="parameters">
    /// The header parameters after the first ';' (for <see cref="HeaderParameterReader"/>), empty when there are none.
    /// </param>
    /// <param name="reason">Why the address is malformed.</param>
    /// <returns>Whether <see cref="TryParse"/> would succeed.</returns>
    internal static bool TryValidate(ReadOnlySpan<char> text, out ReadOnlySpan<char> parameters, out SipRejectReason reason) =>
        TryRead(text, build: false, out _, out parameters, out reason);

    /// <summary>
    /// One walk over the grammar for <see cref="TryParse"/> and <see cref="TryValidate"/>: building allocates the
    /// parts, checking only reads them. <paramref name="parameters"/> is as <see cref="TryValidate"/> gives it.
    /// </summary>
    internal static bool TryRead(
        ReadOnlySpan<char> text, bool build, out NameAddress? value, out ReadOnlySpan<char> parameters, out SipRejectReason reason)
    {
        value = null;
        parameters = default;
        text = SipGrammar.TrimLws(text);
        if (text.IsEmpty)
        {
            reason = SipRejectReason.MalformedUri;
            return false;
        }

        string? displayName = null;
        ReadOnlySpan<char> uriText;
        int i;
        int token = SipGrammar.ReadToken(text, 0);
        if (token > 0 && token < text.Length && text[token] == ':')
        {
            // addr-spec: a scheme right before ':' cannot be a display name, which holds no ':'.
            i = token;
            while (i < text.Length && text[i] != ';' && !SipGrammar.IsLwsChar(text[i]))
            {
                i++;
            }

            uriText = text[..i];
            if (uriText.IndexOfAny(',', '?') >= 0)
            {
                // RFC 3261 §20.10: such a URI must be enclosed in angle brackets.
                reason = SipRejectReason.MalformedUri;
                return false;
            }
        }
        else
        {
            if (!TryParseDisplayName(text, build, out displayName, out i, out reason))
            {
                return false;
            }

            // text[i] is '<'; RAQUOT = ">" SWS, and no white space is allowed inside the brackets.
            int close = text[i..].IndexOf('>');
            if (close < 0)
            {
                reason = SipRejectReason.MalformedUri;
                return false;
            }

            uriText = text.Slice(i + 1, close - 1);
            i += close + 1;
        }

        AddrSpec? uri = null;
        if (build ? !AddrSpec.TryParse(uriText, out uri, out reason) : !AddrSpec.TryValidate(uriText, out _, out reason))
        {
            return false;
        }

        i = SipGrammar.SkipLws(text, i);
        SipParameters? built = null;
        if (i < text.Length)
        {
            if (text[i] != ';')
            {
                reason = SipRejectReason.InvalidCharacter;
                return false;
            }

            parameters = text[(i + 1)..];
            if (build)
            {
                built = new SipParameters();
                if (!built.TryParseInto(parameters, out reason))
                {
                    return false;
                }
            }
            else if (!HeaderParameterReader.IsValid(parameters, out reason))
            {
                return false;
            }
        }

        if (build)
        {
            value = new NameAddress(uri!, displayName, built);
        }

        reason = default;
        return true;
    }

    // display-name = *(token LWS) / quoted-string, then LAQUOT = SWS "<". On success index is at '<'.
    private static bool TryParseDisplayName(
        ReadOnlySpan<char> text, bool build, out string? displayName, out int index, out SipRejectReason reason)
    {
        displayName = null;
        index = 0;
        if (text[0] == '"')
        {
            if (!SipGrammar.TryReadQuotedString(text, 0, out int end, out reason))
            {
                return false;
            }

            displayName = build ? SipGrammar.Unquote(text[..end]) : null;
            index = SipGrammar.SkipLws(text, end);
            return ExpectAngle(text, index, out reason);
        }

        // Tokens separated by LWS, kept joined by single spaces.
        int firstStart = -1;
        int lastEnd = -1;
        bool singleSpaced = true;
        while (true)
        {
            int tokenStart = index;
            index = SipGrammar.ReadToken(text, index);
            if (index == tokenStart)
            {
                break;
            }

            if (firstStart < 0)
            {
                firstStart = tokenStart;
            }
            else if (tokenStart - lastEnd != 1 || text[lastEnd] != ' ')
            {
                singleSpaced = false;
            }

            lastEnd = index;
            index = SipGrammar.SkipLws(text, index);
        }

        if (!ExpectAngle(text, index, out reason))
        {
            return false;
        }

        if (build && firstStart >= 0)
        {
            displayName = singleSpaced ? new string(text[firstStart..lastEnd]) : JoinTokens(text[firstStart..lastEnd]);
        }

        return true;
    }

    private static bool ExpectAngle(ReadOnlySpan<char> text, int index, out SipRejectReason reason)
    {
        if (index < text.Length && text[index] == '<')
        {
            reason = default;
            return true;
        }

        // Running out of text means there was no URI at all; anything else is out of place.
        reason = index >= text.Length ? SipRejectReason.MalformedUri : SipRejectReason.InvalidCharacter;
        return false;
    }

    private static string JoinTokens(ReadOnlySpan<char> tokens)
    {
        var sb = new StringBuilder(tokens.Length);
        bool space = false;
        foreach (char c in tokens)
        {
            if (SipGrammar.IsLwsChar(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>
    /// Appends the canonical form: the display name (quoted when it is not plain tokens separated by single
    /// spaces) and a space, the URI always in angle brackets, then <c>;name=value</c> for each parameter.
    /// </summary>
    /// <param name="sb">The builder to append to.</param>
    public void AppendTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        if (_displayName is not null)
        {
            if (SipGrammar.IsTokenSequence(_displayName))
            {
                sb.Append(_displayName);
            }
            else
            {
                SipGrammar.AppendQuoted(sb, _displayName);
            }

            sb.Append(' ');
        }

        sb.Append('<');
        _uri.AppendTo(sb);
        sb.Append('>');
        _parameters?.AppendTo(sb, ';');
    }

    /// <summary>The canonical text, e.g. <c>"Alice Smith" &lt;sip:alice@example.com&gt;;tag=1928301774</c>.</summary>
    /// <returns>The address text.</returns>
    public override string ToString()
    {
        StringBuilder sb = CachedStringBuilder.Acquire(96);
        AppendTo(sb);
        return CachedStringBuilder.ToStringAndRelease(sb);
    }
}
