using System.Buffers;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// Byte-level grammar of RFC 3261 §25.1 used by the indexer and the hot-path accessors; the same rules over
/// characters are <see cref="SipGrammar"/>'s.
/// </summary>
internal static class SipBytes
{
    private static readonly SearchValues<byte> _token = SearchValues.Create(Encoding.ASCII.GetBytes(SipGrammar.TokenCharacters));

    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && !value.ContainsAnyExcept(_token);

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
        if (value.IndexOf((byte)'<') >= 0)
        {
            // Skip the display name (which may be quoted and hold '<' or ';') and the bracketed URI. A '<' that is
            // only ever quoted leaves no name-addr, so no parameters either.
            int open = IndexOfTopLevel(value, 0, (byte)'<');
            int close = open < 0 ? -1 : value[open..].IndexOf((byte)'>');
            if (close < 0)
            {
                return false;
            }

            i = open + close + 1;
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

    /// <summary>The position of <paramref name="target"/> at or after <paramref name="from"/> outside quoted strings, or -1.</summary>
    public static int IndexOfTopLevel(ReadOnlySpan<byte> value, int from, byte target)
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
