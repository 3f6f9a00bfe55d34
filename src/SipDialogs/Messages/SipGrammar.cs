using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The character-level basic rules of the RFC 3261 §25.1 grammar, in one place for every parser of the message
/// layer: <c>token</c>, <c>word</c>, white space and <c>LWS</c>, <c>quoted-string</c>, numbers, header parameters,
/// and (in <c>SipGrammar.Host.cs</c>) <c>host</c>. URI character classes and escapes are <see cref="UriSyntax"/>'s;
/// the byte-level rules of the indexer are <see cref="SipBytes"/>'s. Every member is total: bad input gives
/// <see langword="false"/> (and a reason where one is asked for), never an exception.
/// </summary>
/// <remarks>
/// The typed header parsers see values already unfolded (RFC 3261 §7.3.1) and skip only SP and HTAB
/// (<see cref="SkipWhitespace"/>); the name-addr and parameter parsers also accept text as written, folds
/// included, and skip <c>LWS</c> (<see cref="SkipLws"/>).
/// </remarks>
internal static partial class SipGrammar
{
    /// <summary>The characters of a <c>token</c>: <c>alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"</c>.</summary>
    internal const string TokenCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";

    private static readonly SearchValues<char> _tokenChars = SearchValues.Create(TokenCharacters);

    // RFC 6665 §8.4 token-nodot: a token without ".", which separates an event package from its templates.
    private static readonly SearchValues<char> _tokenNoDotChars = SearchValues.Create(TokenCharacters.Replace(".", string.Empty, StringComparison.Ordinal));

    // word = the token characters and "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}",
    // the pieces of a Call-ID.
    private static readonly SearchValues<char> _wordChars = SearchValues.Create(TokenCharacters + "()<>:\\\"/[]?{}");

    // RFC 7235 §2.1 token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    private static readonly SearchValues<char> _token68Chars = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/");

    /// <summary>Whether <paramref name="c"/> is a <c>token</c> character.</summary>
    public static bool IsTokenChar(char c) => _tokenChars.Contains(c);

    /// <summary>Whether <paramref name="value"/> is a non-empty <c>token</c>.</summary>
    public static bool IsToken(ReadOnlySpan<char> value) => !value.IsEmpty && !value.ContainsAnyExcept(_tokenChars);

    /// <summary>Whether <paramref name="value"/> is a non-empty RFC 6665 <c>token-nodot</c>.</summary>
    public static bool IsTokenNoDot(ReadOnlySpan<char> value) =>
        !value.IsEmpty && !value.ContainsAnyExcept(_tokenNoDotChars);

    /// <summary>The index just past the run of token characters that starts at <paramref name="index"/>.</summary>
    public static int ReadToken(ReadOnlySpan<char> text, int index)
    {
        int length = text[index..].IndexOfAnyExcept(_tokenChars);
        return length < 0 ? text.Length : index + length;
    }

    /// <summary>
    /// Whether <paramref name="value"/> is tokens separated by single spaces, the canonical form of a
    /// <c>display-name</c> that needs no quotes (<c>*(token LWS)</c>).
    /// </summary>
    public static bool IsTokenSequence(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value[0] == ' ' || value[^1] == ' ')
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == ' ' ? value[i - 1] == ' ' : !IsTokenChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> is a <c>callid</c>: <c>word [ "@" word ]</c>.</summary>
    public static bool IsCallId(ReadOnlySpan<char> value)
    {
        int at = value.IndexOf('@');
        return at < 0 ? IsWord(value) : IsWord(value[..at]) && IsWord(value[(at + 1)..]);
    }

    /// <summary>Whether <paramref name="value"/> is an RFC 7235 §2.1 <c>token68</c>.</summary>
    public static bool IsToken68(ReadOnlySpan<char> value)
    {
        int body = value.IndexOfAnyExcept(_token68Chars);
        if (body == 0 || value.IsEmpty)
        {
            return false;
        }

        return body < 0 || !value[body..].ContainsAnyExcept('=');
    }

    /// <summary>Whether <paramref name="c"/> is SP or HTAB (<c>WSP</c>), the white space left in an unfolded header value.</summary>
    public static bool IsWhitespace(char c) => c is ' ' or '\t';

    /// <summary>The index of the first character at or after <paramref name="index"/> that is not SP or HTAB.</summary>
    public static int SkipWhitespace(ReadOnlySpan<char> text, int index)
    {
        while (index < text.Length && IsWhitespace(text[index]))
        {
            index++;
        }

        return index;
    }

    /// <summary><paramref name="text"/> without leading and trailing SP and HTAB.</summary>
    public static ReadOnlySpan<char> TrimWhitespace(ReadOnlySpan<char> text) => text.Trim(" \t");

    /// <summary>
    /// Whether <paramref name="c"/> may be part of <c>LWS</c> (SP, HTAB, CR, LF). A CR or LF is LWS only within a
    /// fold, which <see cref="SkipLws"/> tells apart.
    /// </summary>
    public static bool IsLwsChar(char c) => c is ' ' or '\t' or '\r' or '\n';

    /// <summary>
    /// The index just past the <c>LWS</c> (<c>[*WSP CRLF] 1*WSP</c>, repeated) that starts at
    /// <paramref name="index"/>: SP and HTAB, and line folds (CRLF followed by SP or HTAB). A CR or LF that is not
    /// part of a fold is not white space and stops the scan.
    /// </summary>
    public static int SkipLws(ReadOnlySpan<char> text, int index)
    {
        while (index < text.Length)
        {
            if (IsWhitespace(text[index]))
            {
                index++;
            }
            else if (IsFold(text, index))
            {
                index += 3;
            }
            else
            {
                break;
            }
        }

        return index;
    }

    /// <summary><paramref name="text"/> without leading and trailing <c>LWS</c> (see <see cref="SkipLws"/>).</summary>
    public static ReadOnlySpan<char> TrimLws(ReadOnlySpan<char> text)
    {
        // Without a line break there is no fold: LWS is only SP and HTAB (the usual, unfolded header value).
        if (!text.ContainsAny('\r', '\n'))
        {
            return TrimWhitespace(text);
        }

        int start = SkipLws(text, 0);
        int end = start;
        int i = start;
        while (i < text.Length)
        {
            int next = SkipLws(text, i);
            if (next == i)
            {
                end = ++i;
            }
            else
            {
                // White space counts as trailing only if nothing but white space follows it.
                i = next;
            }
        }

        return text[start..end];
    }

    /// <summary>
    /// Checks the <c>quoted-string</c> that starts at <paramref name="start"/> (which must be a DQUOTE) and finds
    /// where it ends: <c>DQUOTE *(qdtext / quoted-pair) DQUOTE</c>, where <c>qdtext</c> is <c>LWS</c> (SP, HTAB, or
    /// a line fold in text that was not unfolded), any visible character but DQUOTE and backslash, or UTF-8
    /// beyond ASCII, and a <c>quoted-pair</c> is a backslash and any ASCII character but CR and LF.
    /// </summary>
    /// <param name="text">The text holding the quoted string.</param>
    /// <param name="start">The index of the opening DQUOTE.</param>
    /// <param name="end">The index just past the closing DQUOTE; <paramref name="start"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.UnterminatedQuotedString"/> or <see cref="SipRejectReason.InvalidCharacter"/> on
    /// failure, <see cref="SipRejectReason.MalformedHeader"/> when no DQUOTE is at <paramref name="start"/>.
    /// </param>
    /// <returns>Whether a well-formed quoted string starts at <paramref name="start"/>.</returns>
    public static bool TryReadQuotedString(ReadOnlySpan<char> text, int start, out int end, out SipRejectReason reason)
    {
        end = start;
        if (start >= text.Length || text[start] != '"')
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        int i = start + 1;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"')
            {
                end = i + 1;
                reason = default;
                return true;
            }

            if (c == '\\')
            {
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                if (i + 1 >= text.Length)
                {
                    break;
                }

                char escaped = text[i + 1];
                if (escaped > 0x7F || escaped is '\r' or '\n')
                {
                    reason = SipRejectReason.InvalidCharacter;
                    return false;
                }

                i += 2;
                continue;
            }

            if (IsFold(text, i))
            {
                i += 3;
                continue;
            }

            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                reason = SipRejectReason.InvalidCharacter;
                return false;
            }

            i++;
        }

        reason = SipRejectReason.UnterminatedQuotedString;
        return false;
    }

    /// <summary>
    /// Whether the whole of <paramref name="value"/> is one well-formed <c>quoted-string</c>, with its quotes.
    /// </summary>
    public static bool IsQuotedString(ReadOnlySpan<char> value) =>
        value.Length >= 2 && TryReadQuotedString(value, 0, out int end, out _) && end == value.Length;

    /// <summary>
    /// The content of a quoted string that has already been checked (quotes included), with its quoted-pairs
    /// replaced by the characters they stand for and the CRLF of any line fold dropped, so the result never holds
    /// CR or LF.
    /// </summary>
    public static string Unquote(ReadOnlySpan<char> quoted)
    {
        ReadOnlySpan<char> content = quoted[1..^1];
        int special = content.IndexOfAny('\\', '\r', '\n');
        if (special < 0)
        {
            return content.ToString();
        }

        var builder = new StringBuilder(content.Length);
        builder.Append(content[..special]);
        for (int i = special; i < content.Length; i++)
        {
            char c = content[i];
            if (c == '\\' && i + 1 < content.Length)
            {
                builder.Append(content[++i]);
            }
            else if (c is not '\r' and not '\n')
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// A parameter value as the application sees it: a quoted string unquoted and unescaped, anything else as is.
    /// </summary>
    /// <param name="raw">The value as written on the wire, or <see langword="null"/>.</param>
    /// <returns>The value, or <see langword="null"/> when <paramref name="raw"/> is.</returns>
    public static string? UnquoteIfQuoted(string? raw) =>
        raw is not null && raw.Length >= 2 && raw[0] == '"' && IsQuotedString(raw) ? Unquote(raw) : raw;

    /// <summary>Whether <paramref name="value"/> can be carried in a quoted string: it holds no CR or LF.</summary>
    public static bool IsQuotable(ReadOnlySpan<char> value) => !value.ContainsAny('\r', '\n');

    /// <summary>Appends <paramref name="value"/> as a quoted string, escaping DQUOTE, backslash and control characters.</summary>
    public static void AppendQuoted(StringBuilder builder, ReadOnlySpan<char> value)
    {
        builder.Append('"');
        foreach (char c in value)
        {
            if (c is '"' or '\\' || (c < 0x20 && c != '\t') || c == 0x7F)
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        builder.Append('"');
    }

    /// <summary><paramref name="value"/> written as a quoted string (see <see cref="AppendQuoted"/>).</summary>
    public static string Quote(ReadOnlySpan<char> value)
    {
        var builder = new StringBuilder(value.Length + 2);
        AppendQuoted(builder, value);
        return builder.ToString();
    }

    /// <summary>
    /// Parses <c>1*DIGIT</c> in full. Any non-digit, or no digit at all, gives <paramref name="malformed"/>; a value
    /// above <paramref name="max"/>, however many digits it has, gives <see cref="SipRejectReason.ValueOutOfRange"/>.
    /// </summary>
    public static bool TryParseDigits(
        ReadOnlySpan<char> digits, ulong max, SipRejectReason malformed, out ulong value, out SipRejectReason reason)
    {
        value = 0;
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            reason = malformed;
            return false;
        }

        ulong result = 0;
        foreach (char c in digits)
        {
            ulong digit = (ulong)(c - '0');
            if (result > (max - digit) / 10)
            {
                reason = SipRejectReason.ValueOutOfRange;
                return false;
            }

            result = (result * 10) + digit;
        }

        value = result;
        reason = default;
        return true;
    }

    /// <summary>
    /// Reads <c>1*DIGIT LWS</c> from <paramref name="index"/>, as in <c>CSeq</c> and <c>RAck</c>, and leaves
    /// <paramref name="index"/> at the first character after the white space.
    /// </summary>
    public static bool TryReadNumberAndWhitespace(
        ReadOnlySpan<char> text, ref int index, ulong max, out ulong value, out SipRejectReason reason)
    {
        int end = text[index..].IndexOfAnyExceptInRange('0', '9');
        end = end < 0 ? text.Length : index + end;
        if (!TryParseDigits(text[index..end], max, SipRejectReason.MalformedHeader, out value, out reason))
        {
            return false;
        }

        int next = SkipWhitespace(text, end);
        if (next == end)
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        index = next;
        return true;
    }

    /// <summary>
    /// Parses a <c>delta-seconds</c> (RFC 3261 §25.1, <c>1*DIGIT</c>) no larger than 2^32-1 (RFC 3261 §20.19).
    /// </summary>
    public static bool TryParseDeltaSeconds(
        ReadOnlySpan<char> digits, SipRejectReason malformed, out uint value, out SipRejectReason reason)
    {
        bool ok = TryParseDigits(digits, uint.MaxValue, malformed, out ulong parsed, out reason);
        value = (uint)parsed;
        return ok;
    }

    /// <summary>Parses a <c>port</c> (<c>1*DIGIT</c>) in 0–65535; anything else is <see cref="SipRejectReason.InvalidPort"/>.</summary>
    public static bool TryParsePort(ReadOnlySpan<char> digits, out int port)
    {
        bool ok = TryParseDigits(digits, ushort.MaxValue, SipRejectReason.InvalidPort, out ulong parsed, out _);
        port = (int)parsed;
        return ok;
    }

    /// <summary>
    /// Parses a <c>ttl</c> (<c>1*3DIGIT ; 0 to 255</c>, the Via and SIP URI parameter): non-digits or more than
    /// three digits give <see cref="SipRejectReason.MalformedParameter"/>, a value above 255
    /// <see cref="SipRejectReason.ValueOutOfRange"/>.
    /// </summary>
    public static bool TryParseTtl(ReadOnlySpan<char> digits, out int ttl, out SipRejectReason reason)
    {
        bool ok = TryParseDigits(digits, byte.MaxValue, SipRejectReason.MalformedParameter, out ulong parsed, out reason);
        ttl = (int)parsed;
        if (ok && digits.Length > 3)
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        return ok;
    }

    /// <summary>
    /// Parses the <c>*(SEMI generic-param)</c> tail of a header field value (RFC 3261 §7.3.1, §25.1): empty, or
    /// starting at its first ';'. Values are kept as written, a quoted-string with its quotes.
    /// </summary>
    /// <param name="text">The tail: empty or white space for none, else starting with ';'.</param>
    /// <param name="parameters">The parameters (an empty list for an empty tail), or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> when the tail does not start with ';',
    /// <see cref="SipRejectReason.MalformedParameter"/> for a ';' with no parameter after it, or the reason
    /// <see cref="SipParameters.TryParse"/> gives.
    /// </param>
    public static bool TryParseHeaderParameters(
        ReadOnlySpan<char> text, [NotNullWhen(true)] out SipParameters? parameters, out SipRejectReason reason) =>
        TryReadHeaderParameters(text, build: true, out parameters, out _, out reason) && parameters is not null;

    /// <summary>
    /// Checks the <c>*(SEMI generic-param)</c> tail of a header field value as <see cref="TryParseHeaderParameters"/>
    /// does, without building the list: for the checks that only need to know it is well formed.
    /// </summary>
    /// <param name="text">The tail: empty or white space for none, else starting with ';'.</param>
    /// <param name="parameters">The parameters after the first ';', for <see cref="HeaderParameterReader"/>; empty for none.</param>
    /// <param name="reason">As <see cref="TryParseHeaderParameters"/> gives it.</param>
    /// <returns>Whether the tail is well formed.</returns>
    public static bool TryValidateHeaderParameters(ReadOnlySpan<char> text, out ReadOnlySpan<char> parameters, out SipRejectReason reason) =>
        TryReadHeaderParameters(text, build: false, out _, out parameters, out reason);

    /// <summary>
    /// One walk over <c>*(SEMI generic-param)</c> for <see cref="TryParseHeaderParameters"/> (<paramref name="build"/>)
    /// and <see cref="TryValidateHeaderParameters"/>, giving both the list built and the text after the first ';'.
    /// </summary>
    public static bool TryReadHeaderParameters(
        ReadOnlySpan<char> text, bool build, out SipParameters? parameters, out ReadOnlySpan<char> list, out SipRejectReason reason)
    {
        parameters = null;
        if (!TrySliceHeaderParameters(text, out list, out reason))
        {
            return false;
        }

        if (!build)
        {
            return list.IsEmpty || HeaderParameterReader.IsValid(list, out reason);
        }

        var result = new SipParameters();
        if (!list.IsEmpty && !result.TryParseInto(list, out reason))
        {
            return false;
        }

        parameters = result;
        return true;
    }

    // The prefix of *(SEMI generic-param): nothing, or a ';' with a parameter after it. The list after the ';' is
    // empty when there are no parameters.
    private static bool TrySliceHeaderParameters(ReadOnlySpan<char> text, out ReadOnlySpan<char> list, out SipRejectReason reason)
    {
        list = default;
        text = TrimWhitespace(text);
        if (text.IsEmpty)
        {
            reason = default;
            return true;
        }

        if (text[0] != ';')
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        // SEMI generic-param: a ';' needs a parameter after it.
        ReadOnlySpan<char> after = text[1..];
        if (TrimWhitespace(after).IsEmpty)
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        // Only line folds left: no parameters, as SipParameters.TryParse reads it.
        if (SkipLws(after, 0) < after.Length)
        {
            list = after;
        }

        reason = default;
        return true;
    }

    /// <summary>
    /// Checks an optional parameter whose value must be a <c>token</c>: absent is fine; a flag or a value that is
    /// not a token gives <see cref="SipRejectReason.MalformedParameter"/>.
    /// </summary>
    public static bool IsValidTokenParameter(SipParameters parameters, string name, out SipRejectReason reason)
    {
        if (parameters.TryGetValue(name, out string? value) && !IsToken(value))
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        reason = default;
        return true;
    }

    /// <summary>
    /// Reads an optional <c>delta-seconds</c> parameter (RFC 3261 §25.1, at most 2^32-1): absent gives
    /// <see langword="null"/>; a flag or non-digits give <see cref="SipRejectReason.MalformedParameter"/>; a
    /// larger number gives <see cref="SipRejectReason.ValueOutOfRange"/>.
    /// </summary>
    public static bool TryGetDeltaSecondsParameter(
        SipParameters parameters, string name, out uint? value, out SipRejectReason reason)
    {
        value = null;
        if (!parameters.TryGetValue(name, out string? raw))
        {
            reason = default;
            return true;
        }

        if (!TryParseDeltaSeconds(raw, SipRejectReason.MalformedParameter, out uint seconds, out reason))
        {
            return false;
        }

        value = seconds;
        return true;
    }

    /// <summary>The value of an optional <c>delta-seconds</c> parameter, or <see langword="null"/> when absent or invalid.</summary>
    public static uint? GetDeltaSecondsParameter(SipParameters parameters, string name) =>
        TryGetDeltaSecondsParameter(parameters, name, out uint? value, out _) ? value : null;

    /// <summary>Whether <paramref name="value"/> is a non-empty <c>word</c>.</summary>
    private static bool IsWord(ReadOnlySpan<char> value) => !value.IsEmpty && !value.ContainsAnyExcept(_wordChars);

    // A line fold: CRLF followed by SP or HTAB (RFC 3261 §7.3.1), which LWS and qdtext allow in text not yet unfolded.
    private static bool IsFold(ReadOnlySpan<char> text, int index) =>
        index + 2 < text.Length && text[index] == '\r' && text[index + 1] == '\n' && IsWhitespace(text[index + 2]);
}
