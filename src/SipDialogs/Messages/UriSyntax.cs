using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace SipDialogs.Messages;

/// <summary>
/// The character classes of URIs and their <c>%HH</c> escapes (RFC 3261 §19.1.1, §19.1.2, §25.1; RFC 3966 §3), and
/// the hashes URI comparison uses (RFC 3261 §19.1.4). Tokens, white space, quoted strings and hosts are
/// <see cref="SipGrammar"/>'s. Every member works on spans and reports failure instead of throwing.
/// </summary>
internal static class UriSyntax
{
    /// <summary>alphanum / mark (RFC 3261 §25.1 <c>unreserved</c>).</summary>
    internal const ushort Unreserved = 1;

    /// <summary>RFC 3261 §25.1 <c>user-unreserved</c>: &amp; = + $ , ; ? /.</summary>
    internal const ushort UserExtra = 2;

    /// <summary>The extra characters of RFC 3261 §25.1 <c>password</c>: &amp; = + $ ,.</summary>
    internal const ushort PasswordExtra = 4;

    /// <summary>RFC 3261 §25.1 <c>param-unreserved</c>: [ ] / : &amp; + $.</summary>
    internal const ushort ParamExtra = 8;

    /// <summary>RFC 3261 §25.1 <c>hnv-unreserved</c>: [ ] / ? : + $.</summary>
    internal const ushort HeaderExtra = 16;

    /// <summary>RFC 3261 §25.1 <c>reserved</c>: ; / ? : @ &amp; = + $ ,.</summary>
    internal const ushort Reserved = 32;

    /// <summary>Characters no URI may carry unescaped (controls, space, and the RFC 2396 "delims"/"unwise" sets).</summary>
    internal const ushort Forbidden = 64;

    /// <summary>The characters of a SIP user part (RFC 3261 §25.1 <c>user</c>, escapes aside).</summary>
    internal const ushort UserChars = Unreserved | UserExtra;

    /// <summary>The characters of a SIP password (RFC 3261 §25.1 <c>password</c>, escapes aside).</summary>
    internal const ushort PasswordChars = Unreserved | PasswordExtra;

    /// <summary>RFC 3261 §25.1 <c>paramchar</c>, escapes aside.</summary>
    internal const ushort ParamChars = Unreserved | ParamExtra;

    /// <summary>RFC 3261 §25.1 <c>hname</c>/<c>hvalue</c> characters, escapes aside.</summary>
    internal const ushort HeaderChars = Unreserved | HeaderExtra;

    /// <summary>
    /// RFC 2396 <c>uric</c> (plus the RFC 2732 brackets), escapes aside: every ASCII character that is not
    /// <see cref="Forbidden"/>, but '%'.
    /// </summary>
    internal const ushort UriChars = Unreserved | Reserved | ParamExtra;

    private static readonly ushort[] _classes = BuildClasses();

    private static ushort[] BuildClasses()
    {
        var table = new ushort[128];
        for (int c = 0; c < 128; c++)
        {
            if (c <= 0x20 || c == 0x7F)
            {
                table[c] |= Forbidden;
            }
            else if (char.IsAsciiLetterOrDigit((char)c))
            {
                table[c] |= Unreserved;
            }
        }

        Mark(table, "-_.!~*'()", Unreserved);
        Mark(table, "&=+$,;?/", UserExtra);
        Mark(table, "&=+$,", PasswordExtra);
        Mark(table, "[]/:&+$", ParamExtra);
        Mark(table, "[]/?:+$", HeaderExtra);
        Mark(table, ";/?:@&=+$,", Reserved);
        Mark(table, "\"<>\\^`{|}#", Forbidden);
        return table;
    }

    private static void Mark(ushort[] table, string chars, ushort flag)
    {
        foreach (char c in chars)
        {
            table[c] |= flag;
        }
    }

    /// <summary>True when <paramref name="c"/> is ASCII and in any of the classes of <paramref name="mask"/>.</summary>
    internal static bool Is(char c, ushort mask) => c < 128 && (_classes[c] & mask) != 0;

    /// <summary>True for characters that may never appear unescaped in a URI (non-ASCII included).</summary>
    internal static bool IsForbidden(char c) => c >= 128 || (_classes[c] & Forbidden) != 0;

    /// <summary>
    /// Checks that every character of <paramref name="text"/> is in <paramref name="allowed"/> or part of a
    /// well-formed <c>"%" HEX HEX</c> escape (RFC 3261 §25.1 <c>escaped</c>). The reason names the first fault:
    /// <see cref="SipRejectReason.InvalidEscape"/>, <see cref="SipRejectReason.InvalidCharacter"/> for a character
    /// no URI may hold, or <paramref name="otherwise"/> for one merely out of place.
    /// </summary>
    internal static bool TryValidateEscaped(
        ReadOnlySpan<char> text, ushort allowed, SipRejectReason otherwise, out SipRejectReason reason)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    reason = SipRejectReason.InvalidEscape;
                    return false;
                }

                i += 2;
            }
            else if (!Is(c, allowed))
            {
                reason = IsForbidden(c) ? SipRejectReason.InvalidCharacter : otherwise;
                return false;
            }
        }

        reason = default;
        return true;
    }

    /// <summary>
    /// Resolves the <c>%HH</c> escapes of an already validated span. The escaped octets are read as UTF-8; a
    /// sequence that is not UTF-8 maps each octet to the character of the same value, so decoding never fails.
    /// </summary>
    internal static string Unescape(ReadOnlySpan<char> text)
    {
        int percent = text.IndexOf('%');
        if (percent < 0)
        {
            return text.IsEmpty ? string.Empty : new string(text);
        }

        byte[]? rented = null;
        Span<byte> bytes = text.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(text.Length));
        char[]? rentedChars = null;
        try
        {
            int count = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '%' && i + 2 < text.Length)
                {
                    bytes[count++] = (byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
                    i += 2;
                }
                else
                {
                    // Callers validate first, so anything else is ASCII; keep the low byte regardless.
                    bytes[count++] = (byte)c;
                }
            }

            ReadOnlySpan<byte> octets = bytes[..count];
            Span<char> chars = count <= 256 ? stackalloc char[256] : (rentedChars = ArrayPool<char>.Shared.Rent(count));
            if (Utf8.ToUtf16(octets, chars, out _, out int written, replaceInvalidSequences: false) == OperationStatus.Done)
            {
                return new string(chars[..written]);
            }

            // Not UTF-8: an octet per character keeps distinct inputs distinct.
            return Encoding.Latin1.GetString(octets);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            if (rentedChars is not null)
            {
                ArrayPool<char>.Shared.Return(rentedChars);
            }
        }
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => 0,
    };

    /// <summary>
    /// Appends <paramref name="value"/>, writing characters outside <paramref name="allowed"/> as <c>%HH</c>
    /// escapes of their UTF-8 octets (upper-case hex, RFC 3261 §19.1.2).
    /// </summary>
    internal static void AppendEscaped(StringBuilder sb, string value, ushort allowed)
    {
        ReadOnlySpan<char> text = value;
        Span<byte> utf8 = stackalloc byte[4];
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (Is(c, allowed))
            {
                sb.Append(c);
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(text[i..], out Rune rune, out int consumed) != OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
            }

            int length = rune.EncodeToUtf8(utf8);
            for (int b = 0; b < length; b++)
            {
                sb.Append('%');
                sb.Append(HexDigit(utf8[b] >> 4));
                sb.Append(HexDigit(utf8[b] & 0xF));
            }

            i += Math.Max(consumed, 1);
        }
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    /// <summary>The hash of a string compared ordinally ignoring case; null hashes as empty.</summary>
    internal static int HashIgnoreCase(string? value) =>
        value is null ? 0 : string.GetHashCode(value, StringComparison.OrdinalIgnoreCase);

    /// <summary>The ordinal hash of a string; null hashes as a fixed value distinct from most strings.</summary>
    internal static int HashOrdinal(string? value) => value is null ? 0x5A17 : string.GetHashCode(value, StringComparison.Ordinal);
}
