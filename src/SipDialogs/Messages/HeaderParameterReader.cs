namespace SipDialogs.Messages;

/// <summary>
/// Reads header parameters, <c>generic-param *(SEMI generic-param)</c> (RFC 3261 §7.3.1, §25.1), one at a time and
/// without allocating: <c>generic-param = token [ EQUAL gen-value ]</c>, <c>gen-value = token / host /
/// quoted-string</c>, with LWS allowed on both sides of ';' and '='. <see cref="SipParameters"/> builds its lists
/// with it, and the checks that need no list (the UAS's, RFC 3261 §8.2) read the same grammar through it.
/// </summary>
internal ref struct HeaderParameterReader
{
    private readonly ReadOnlySpan<char> _text;
    private int _index;

    /// <summary>Starts reading.</summary>
    /// <param name="text">The parameters after their leading ';': at least one parameter is expected.</param>
    public HeaderParameterReader(ReadOnlySpan<char> text) => _text = text;

    /// <summary>Reads the next parameter.</summary>
    /// <param name="name">Its name, as written.</param>
    /// <param name="value">Its value as written (a quoted-string keeps its quotes); empty for a flag.</param>
    /// <param name="hasValue">False for a flag parameter (<c>;lr</c>).</param>
    /// <param name="reason">
    /// <see langword="default"/> at the end of the list; else why the list does not follow the grammar:
    /// <see cref="SipRejectReason.MalformedParameter"/>, <see cref="SipRejectReason.InvalidCharacter"/> or
    /// <see cref="SipRejectReason.UnterminatedQuotedString"/>.
    /// </param>
    /// <returns>True when a parameter was read.</returns>
    public bool TryRead(out ReadOnlySpan<char> name, out ReadOnlySpan<char> value, out bool hasValue, out SipRejectReason reason)
    {
        name = default;
        value = default;
        hasValue = false;
        ReadOnlySpan<char> text = _text;
        if (_index > text.Length)
        {
            reason = default;
            return false;
        }

        int i = SipGrammar.SkipLws(text, _index);
        int nameStart = i;
        i = SipGrammar.ReadToken(text, i);
        if (i == nameStart)
        {
            return Fail(i, out reason);
        }

        name = text[nameStart..i];
        i = SipGrammar.SkipLws(text, i);
        if (i < text.Length && text[i] == '=')
        {
            i = SipGrammar.SkipLws(text, i + 1);
            int valueStart = i;
            if (i < text.Length && text[i] == '"')
            {
                if (!SipGrammar.TryReadQuotedString(text, i, out i, out reason))
                {
                    _index = text.Length + 1;
                    return false;
                }
            }
            else
            {
                while (i < text.Length && IsValueChar(text[i]))
                {
                    i++;
                }

                if (i == valueStart)
                {
                    return Fail(i, out reason);
                }
            }

            value = text[valueStart..i];
            hasValue = true;
            i = SipGrammar.SkipLws(text, i);
        }

        if (i == text.Length)
        {
            _index = text.Length + 1;
            reason = default;
            return true;
        }

        if (text[i] != ';')
        {
            return Fail(i, out reason);
        }

        _index = i + 1;
        reason = default;
        return true;
    }

    /// <summary>Whether every parameter of <paramref name="text"/> follows the grammar.</summary>
    /// <param name="text">The parameters after their leading ';'.</param>
    /// <param name="reason">Why not, as <see cref="TryRead"/> gives it.</param>
    /// <returns>True when the whole list is well formed.</returns>
    public static bool IsValid(ReadOnlySpan<char> text, out SipRejectReason reason)
    {
        var reader = new HeaderParameterReader(text);
        while (reader.TryRead(out _, out _, out _, out reason))
        {
        }

        return reason == default;
    }

    /// <summary>
    /// The first parameter called <paramref name="name"/> (ignoring case, as <see cref="SipParameters.TryGetValue"/>
    /// looks it up) of a list already known to be well formed.
    /// </summary>
    /// <param name="text">The parameters after their leading ';', or empty for none.</param>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">Its value as written; empty for a flag.</param>
    /// <param name="hasValue">False for a flag.</param>
    /// <returns>True when present.</returns>
    public static bool TryFind(ReadOnlySpan<char> text, string name, out ReadOnlySpan<char> value, out bool hasValue)
    {
        if (!text.IsEmpty)
        {
            var reader = new HeaderParameterReader(text);
            while (reader.TryRead(out ReadOnlySpan<char> found, out value, out hasValue, out _))
            {
                if (found.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        value = default;
        hasValue = false;
        return false;
    }

    /// <summary>A <c>gen-value</c> character outside quotes: a token's, and a host's ':' and IPv6 brackets.</summary>
    public static bool IsValueChar(char c) => SipGrammar.IsTokenChar(c) || c is ':' or '[' or ']';

    private bool Fail(int index, out SipRejectReason reason)
    {
        ReadOnlySpan<char> text = _text;
        reason = index < text.Length && (text[index] < 0x20 || text[index] == 0x7F)
            ? SipRejectReason.InvalidCharacter
            : SipRejectReason.MalformedParameter;
        _index = text.Length + 1;
        return false;
    }
}
