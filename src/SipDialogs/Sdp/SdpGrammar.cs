using System.Globalization;

namespace SipDialogs.Sdp;

/// <summary>The pieces of the RFC 8866 §9 grammar the parser and the typed values share.</summary>
internal static class SdpGrammar
{
    /// <summary><c>token = 1*(token-char)</c> (RFC 8866 §9): visible ASCII but for <c>"</c>, <c>(</c>, <c>)</c>, <c>,</c>, <c>/</c>, <c>:</c>, <c>;</c> ... as listed.</summary>
    public static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!IsTokenChar(c))
            {
                return false;
            }
        }

        return true;
    }

    // token-char = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "{" / "|" / "}" / "~"
    private static bool IsTokenChar(char c) =>
        c is '!' or (>= '#' and <= '\'') or '*' or '+' or '-' or '.' or (>= '0' and <= '9') or (>= 'A' and <= 'Z') or (>= '^' and <= '~');

    /// <summary>Visible characters without spaces (addresses, usernames: <c>non-ws-string</c>).</summary>
    public static bool IsNonWhitespace(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c <= ' ' || c == '\u007F')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>1*DIGIT</c> that fits an unsigned 64-bit number.</summary>
    public static bool TryParseUInt64(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        return !text.IsEmpty && text.IndexOfAnyExceptInRange('0', '9') < 0 &&
            ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary><c>1*DIGIT</c> that fits a non-negative 32-bit number.</summary>
    public static bool TryParseInt32(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        return !text.IsEmpty && text.IndexOfAnyExceptInRange('0', '9') < 0 &&
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Splits <paramref name="value"/> at single spaces into exactly <paramref name="fields"/>.Length fields, the
    /// last taking the rest when <paramref name="lastTakesRest"/>. False when there are fewer, or an empty one.
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<char> value, Span<Range> fields, bool lastTakesRest = false)
    {
        int start = 0;
        for (int i = 0; i < fields.Length; i++)
        {
            int space = i == fields.Length - 1 && lastTakesRest ? -1 : value[start..].IndexOf(' ');
            int end = space < 0 ? value.Length : start + space;
            if (end == start || (i == fields.Length - 1 && space >= 0) || (i < fields.Length - 1 && space < 0))
            {
                return false;
            }

            fields[i] = start..end;
            start = end + 1;
        }

        return true;
    }

    /// <summary>Text a line may carry: no CR, LF or NUL (RFC 8866 §9 <c>text</c>/<c>byte-string</c>).</summary>
    public static bool IsLineText(ReadOnlySpan<char> text) => text.IndexOfAny('\r', '\n', '\0') < 0;

    /// <summary>Throws when <paramref name="text"/> cannot be written on one line.</summary>
    public static void ThrowIfNotLineText(string text, string paramName)
    {
        ArgumentNullException.ThrowIfNull(text, paramName);
        if (!IsLineText(text))
        {
            throw new ArgumentException("SDP text cannot hold CR, LF or NUL.", paramName);
        }
    }

    /// <summary>Throws when <paramref name="text"/> is not a token.</summary>
    public static void ThrowIfNotToken(string text, string paramName)
    {
        ArgumentNullException.ThrowIfNull(text, paramName);
        if (!IsToken(text))
        {
            throw new ArgumentException($"'{text}' is not an SDP token (RFC 8866 §9).", paramName);
        }
    }

    /// <summary>Throws when <paramref name="text"/> is empty or holds whitespace.</summary>
    public static void ThrowIfNotNonWhitespace(string text, string paramName)
    {
        ArgumentNullException.ThrowIfNull(text, paramName);
        if (!IsNonWhitespace(text))
        {
            throw new ArgumentException($"'{text}' must be non-empty visible text without spaces.", paramName);
        }
    }
}
