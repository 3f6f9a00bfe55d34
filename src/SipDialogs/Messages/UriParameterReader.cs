namespace SipDialogs.Messages;

/// <summary>
/// Reads the parameters of a URI one at a time and without allocating: SIP <c>uri-parameter</c>s and <c>header</c>s
/// (RFC 3261 §19.1.1, §25.1) and tel <c>par</c>s (RFC 3966 §3), names and values as written, escapes checked but not
/// resolved. <see cref="SipParameters"/> builds its URI lists with it; URI checks that need no list read it directly.
/// </summary>
internal ref struct UriParameterReader
{
    private readonly SipParameterSyntax _syntax;
    private ReadOnlySpan<char> _text;
    private bool _done;

    /// <summary>Starts reading.</summary>
    /// <param name="text">The list after its leading ';' or '?': at least one parameter is expected.</param>
    /// <param name="syntax">Which URI grammar: not <see cref="SipParameterSyntax.Header"/>.</param>
    public UriParameterReader(ReadOnlySpan<char> text, SipParameterSyntax syntax)
    {
        _text = text;
        _syntax = syntax;
    }

    /// <summary>Reads the next parameter.</summary>
    /// <param name="name">Its name as written, escapes unresolved.</param>
    /// <param name="value">Its value as written, escapes unresolved; empty for a flag.</param>
    /// <param name="hasValue">False for a flag (not allowed for a URI header, whose '=' is required).</param>
    /// <param name="reason">
    /// <see langword="default"/> at the end of the list; else <see cref="SipRejectReason.MalformedParameter"/>,
    /// <see cref="SipRejectReason.InvalidEscape"/> or <see cref="SipRejectReason.InvalidCharacter"/>.
    /// </param>
    /// <returns>True when a parameter was read.</returns>
    public bool TryRead(out ReadOnlySpan<char> name, out ReadOnlySpan<char> value, out bool hasValue, out SipRejectReason reason)
    {
        name = default;
        value = default;
        hasValue = false;
        if (_done)
        {
            reason = default;
            return false;
        }

        ushort allowed = _syntax == SipParameterSyntax.UriHeader ? UriSyntax.HeaderChars : UriSyntax.ParamChars;
        int end = _text.IndexOf(_syntax == SipParameterSyntax.UriHeader ? '&' : ';');
        ReadOnlySpan<char> item = end < 0 ? _text : _text[..end];
        int equals = item.IndexOf('=');
        name = equals < 0 ? item : item[..equals];
        if (name.IsEmpty)
        {
            return Fail(SipRejectReason.MalformedParameter, out reason);
        }

        if (_syntax == SipParameterSyntax.TelParameter)
        {
            // RFC 3966 §3: pname = 1*( alphanum / "-" )
            foreach (char c in name)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return Fail(UriSyntax.IsForbidden(c) ? SipRejectReason.InvalidCharacter : SipRejectReason.MalformedParameter, out reason);
                }
            }
        }
        else if (!UriSyntax.TryValidateEscaped(name, allowed, SipRejectReason.MalformedParameter, out reason))
        {
            return Stop();
        }

        if (equals >= 0)
        {
            value = item[(equals + 1)..];
            hasValue = true;

            // pvalue = 1*paramchar; hvalue = *( hnv-unreserved / unreserved / escaped ). The tel isub parameter takes
            // uric (RFC 3966 §3), so tel values also accept the reserved set.
            ushort valueChars = _syntax == SipParameterSyntax.TelParameter ? UriSyntax.UriChars : allowed;
            if (value.IsEmpty && _syntax != SipParameterSyntax.UriHeader)
            {
                return Fail(SipRejectReason.MalformedParameter, out reason);
            }

            if (!UriSyntax.TryValidateEscaped(value, valueChars, SipRejectReason.MalformedParameter, out reason))
            {
                return Stop();
            }
        }
        else if (_syntax == SipParameterSyntax.UriHeader)
        {
            // header = hname "=" hvalue: the '=' is required.
            return Fail(SipRejectReason.MalformedParameter, out reason);
        }

        if (end < 0)
        {
            _done = true;
        }
        else
        {
            _text = _text[(end + 1)..];
        }

        reason = default;
        return true;
    }

    /// <summary>Whether every parameter of <paramref name="text"/> follows the grammar.</summary>
    /// <param name="text">The list after its leading separator.</param>
    /// <param name="syntax">Which URI grammar.</param>
    /// <param name="reason">Why not, as <see cref="TryRead"/> gives it.</param>
    /// <returns>True when the whole list is well formed.</returns>
    public static bool IsValid(ReadOnlySpan<char> text, SipParameterSyntax syntax, out SipRejectReason reason)
    {
        var reader = new UriParameterReader(text, syntax);
        while (reader.TryRead(out _, out _, out _, out reason))
        {
        }

        return reason == default;
    }

    /// <summary>
    /// The first parameter whose name, escapes resolved, is <paramref name="name"/> (ignoring case, as
    /// <see cref="SipParameters.TryGetValue"/> looks it up) in a list already known to be well formed.
    /// </summary>
    /// <param name="text">The list after its leading separator.</param>
    /// <param name="syntax">Which URI grammar.</param>
    /// <param name="name">The name, unescaped.</param>
    /// <param name="value">Its value, escapes resolved; empty for a flag.</param>
    /// <param name="hasValue">False for a flag.</param>
    /// <returns>True when present.</returns>
    public static bool TryFind(
        ReadOnlySpan<char> text, SipParameterSyntax syntax, string name, out ReadOnlySpan<char> value, out bool hasValue)
    {
        var reader = new UriParameterReader(text, syntax);
        while (reader.TryRead(out ReadOnlySpan<char> found, out value, out hasValue, out _))
        {
            if (Unescaped(found).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = Unescaped(value);
                return true;
            }
        }

        value = default;
        hasValue = false;
        return false;
    }

    /// <summary>
    /// <paramref name="raw"/> with its escapes resolved, as <see cref="SipParameters"/> holds it. Only text that holds
    /// an escape is copied, so the usual unescaped name or value costs nothing.
    /// </summary>
    public static ReadOnlySpan<char> Unescaped(ReadOnlySpan<char> raw) => raw.Contains('%') ? UriSyntax.Unescape(raw) : raw;

    private bool Fail(SipRejectReason why, out SipRejectReason reason)
    {
        reason = why;
        return Stop();
    }

    private bool Stop()
    {
        _done = true;
        return false;
    }
}
