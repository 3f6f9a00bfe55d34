using System.Buffers;

namespace SipDialogs.Messages;

/// <summary>Byte-level grammar of RFC 3261 §25.1 used by the indexer and the hot-path accessors.</summary>
internal static class SipBytes
{
    // token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    private static readonly SearchValues<byte> s_token = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"u8);

    public static bool IsTokenChar(byte b) => s_token.Contains(b);

    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && !value.ContainsAnyExcept(s_token);

    public static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t';

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value)
    {
        int start = 0;
        while (start < value.Length && IsWhitespace(value[start]))
        {
            start++;
        }

        int end = value.Length;
        while (end > start && IsWhitespace(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>
    /// Finds a header parameter (<c>;name=value</c>) in one header value and returns its value bytes. For a
    /// name-addr (<c>"Display" &lt;uri;uriparam&gt;;tag=x</c>) only the parameters after the closing angle
    /// bracket count; quoted strings are skipped. Only the first element of a comma-separated list is searched.
    /// </summary>
    public static bool TryFindParameter(ReadOnlySpan<byte> value, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> parameterValue)
    {
        parameterValue = default;
        int i = 0;
        bool hasAngle = value.IndexOf((byte)'<') >= 0;
        if (hasAngle)
        {
            // Skip the display name (which may be quoted and hold '<' or ';') and the bracketed URI.
            bool inQuotes = false;
            for (; i < value.Length; i++)
            {
                byte b = value[i];
                if (inQuotes)
                {
                    if (b == (byte)'\\')
                    {
                        i++;
                    }
                    else if (b == (byte)'"')
                    {
                        inQuotes = false;
                    }
                }
                else if (b == (byte)'"')
                {
                    inQuotes = true;
                }
                else if (b == (byte)'<')
                {
                    int close = value[i..].IndexOf((byte)'>');
                    if (close < 0)
                    {
                        return false;
                    }

                    i += close + 1;
                    break;
                }
            }
        }

        while (i < value.Length)
        {
            int semi = IndexOfTopLevel(value, i, (byte)';');
            if (semi < 0)
            {
                return false;
            }

            int start = semi + 1;
            int end = IndexOfTopLevel(value, start, (byte)';');
            int comma = IndexOfTopLevel(value, start, (byte)',');
            if (comma >= 0 && (end < 0 || comma < end))
            {
                end = comma;
            }

            ReadOnlySpan<byte> parameter = value[start..(end < 0 ? value.Length : end)];
            int eq = parameter.IndexOf((byte)'=');
            ReadOnlySpan<byte> parameterName = TrimWhitespace(eq < 0 ? parameter : parameter[..eq]);
            if (System.Text.Ascii.EqualsIgnoreCase(parameterName, name))
            {
                parameterValue = eq < 0 ? default : TrimWhitespace(parameter[(eq + 1)..]);
                return true;
            }

            if (end < 0 || end == comma)
            {
                return false;
            }

            i = end;
        }

        return false;
    }

    private static int IndexOfTopLevel(ReadOnlySpan<byte> value, int from, byte target)
    {
        bool inQuotes = false;
        for (int i = from; i < value.Length; i++)
        {
            byte b = value[i];
            if (inQuotes)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inQuotes = false;
                }
            }
            else if (b == (byte)'"')
            {
                inQuotes = true;
            }
            else if (b == target)
            {
                return i;
            }
        }

        return -1;
    }
}
