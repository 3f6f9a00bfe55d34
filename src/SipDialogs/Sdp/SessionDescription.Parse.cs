using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Unicode;

namespace SipDialogs.Sdp;

/// <content>Reading a description from bytes or text; never throws on bad input.</content>
public sealed partial class SessionDescription
{
    /// <summary>
    /// Parses a session description from UTF-8 bytes, e.g. the body of an <c>application/sdp</c> message.
    /// </summary>
    /// <remarks>
    /// Lines end in CRLF or a bare LF; the last line may lack its line end, and empty lines at the very end are
    /// ignored. <c>v=0</c> comes first; <c>o=</c> and <c>s=</c> once each; the other session-level lines in any order
    /// (a missing <c>t=</c> is accepted, as many agents omit it); after the first <c>m=</c> only <c>i=</c>, <c>c=</c>,
    /// <c>b=</c>, <c>k=</c> and <c>a=</c>. The grammar of <c>o=</c>, <c>c=</c>, <c>t=</c>, <c>b=</c>, <c>m=</c> and the
    /// attribute name is checked; attribute values are not (a malformed <c>a=rtpmap</c> just names no format).
    /// </remarks>
    /// <param name="utf8">The bytes.</param>
    /// <param name="description">The description, or null when refused.</param>
    /// <param name="error">Why it was refused.</param>
    /// <returns>True when the input is a session description.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out SessionDescription? description, out SdpParseError error)
    {
        description = null;
        char[] chars = ArrayPool<char>.Shared.Rent(Math.Max(utf8.Length, 1));
        try
        {
            if (Utf8.ToUtf16(utf8, chars, out int read, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                // The line of the first byte that is not UTF-8.
                error = new SdpParseError(SdpRejectReason.InvalidCharacter, utf8[..read].Count((byte)'\n') + 1);
                return false;
            }

            return TryParseCore(new string(chars, 0, written), out description, out error);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Parses a session description from UTF-8 bytes; see <see cref="TryParse(ReadOnlySpan{byte}, out SessionDescription?, out SdpParseError)"/>.</summary>
    /// <param name="utf8">The bytes.</param>
    /// <param name="description">The description, or null when refused.</param>
    /// <param name="reason">Why it was refused, e.g. "Malformed m= line (line 6)"; empty on success.</param>
    /// <returns>True when the input is a session description.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out SessionDescription? description, out string reason)
    {
        bool parsed = TryParse(utf8, out description, out SdpParseError error);
        reason = parsed ? string.Empty : error.ToString();
        return parsed;
    }

    /// <summary>Parses a session description from text; see <see cref="TryParse(ReadOnlySpan{byte}, out SessionDescription?, out SdpParseError)"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="description">The description, or null when refused.</param>
    /// <param name="error">Why it was refused.</param>
    /// <returns>True when the input is a session description.</returns>
    public static bool TryParse(string text, [NotNullWhen(true)] out SessionDescription? description, out SdpParseError error)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseCore(text, out description, out error);
    }

    /// <summary>Parses a session description from text; see <see cref="TryParse(ReadOnlySpan{byte}, out SessionDescription?, out SdpParseError)"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="description">The description, or null when refused.</param>
    /// <param name="reason">Why it was refused, e.g. "Missing v= line (line 1)"; empty on success.</param>
    /// <returns>True when the input is a session description.</returns>
    public static bool TryParse(string text, [NotNullWhen(true)] out SessionDescription? description, out string reason)
    {
        bool parsed = TryParse(text, out description, out SdpParseError error);
        reason = parsed ? string.Empty : error.ToString();
        return parsed;
    }

    /// <summary>Parses text as a session description, for tests, tools and configuration.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The description.</returns>
    /// <exception cref="FormatException">The text is not a session description; the message names the fault.</exception>
    public static SessionDescription Parse(string text) =>
        TryParse(text, out SessionDescription? description, out SdpParseError error)
            ? description
            : throw new FormatException($"Not a valid session description: {error}.");

    private static bool TryParseCore(string text, [NotNullWhen(true)] out SessionDescription? description, out SdpParseError error)
    {
        description = null;
        var session = new List<SdpLine>(8);
        var media = new List<MediaDescription>(2);
        List<SdpLine>? mediaLines = null; // One list for every media description's lines, copied out and cleared at each.
        string? mLine = null;
        int mLineNumber = 0;
        SdpOrigin? origin = null;
        string? name = null;
        SdpConnection? connection = null;
        SdpTiming? timing = null;
        int pos = 0, number = 0;
        while (pos < text.Length)
        {
            int lf = text.IndexOf('\n', pos);
            int end = lf < 0 ? text.Length : lf;
            int next = lf < 0 ? text.Length : lf + 1;
            int contentEnd = end > pos && text[end - 1] == '\r' ? end - 1 : end;
            ReadOnlySpan<char> line = text.AsSpan(pos, contentEnd - pos);
            number++;
            pos = next;
            if (line.IsEmpty)
            {
                if (text.AsSpan(next).IndexOfAnyExcept('\r', '\n') < 0)
                {
                    break; // Blank lines at the very end.
                }

                error = new SdpParseError(SdpRejectReason.MalformedLine, number);
                return false;
            }

            // RFC 8866 §5: text is UTF-8 without control characters; a CR only ends a line.
            if (line.IndexOfAnyInRange('\0', '\u0008') >= 0 || line.IndexOfAnyInRange('\u000A', '\u001F') >= 0 || line.Contains('\u007F'))
            {
                error = new SdpParseError(SdpRejectReason.InvalidCharacter, number);
                return false;
            }

            if (line.Length < 2 || line[1] != '=' || line[0] is < 'a' or > 'z')
            {
                error = new SdpParseError(SdpRejectReason.MalformedLine, number);
                return false;
            }

            char type = line[0];
            string value = line[2..].ToString();
            if (number == 1 || type == 'v')
            {
                if (number != 1)
                {
                    error = new SdpParseError(SdpRejectReason.MisplacedLine, number);
                    return false;
                }

                if (type != 'v' || value != "0")
                {
                    error = new SdpParseError(type == 'v' ? SdpRejectReason.UnsupportedVersion : SdpRejectReason.MissingVersion, number);
                    return false;
                }

                session.Add(new SdpLine(type, value));
                continue;
            }

            if (mLine is not null && type is not ('m' or 'i' or 'c' or 'b' or 'k' or 'a'))
            {
                error = new SdpParseError(
                    type is 'o' or 's' or 'u' or 'e' or 'p' or 't' or 'r' or 'z' ? SdpRejectReason.MisplacedLine : SdpRejectReason.UnknownLineType,
                    number);
                return false;
            }

            SdpRejectReason fault = type switch
            {
                'o' => origin is not null ? SdpRejectReason.DuplicateLine : SdpOrigin.TryParse(value, out origin) ? 0 : SdpRejectReason.MalformedOrigin,
                's' => name is not null ? SdpRejectReason.DuplicateLine : 0,
                'c' when mLine is null => connection is not null ? SdpRejectReason.DuplicateLine
                    : SdpConnection.TryParse(value, out connection) ? 0 : SdpRejectReason.MalformedConnection,
                'c' => SdpConnection.TryParse(value, out _) ? 0 : SdpRejectReason.MalformedConnection,
                't' => TryParseTiming(value, out _) ? 0 : SdpRejectReason.MalformedTiming,
                'b' => IsBandwidth(value) ? 0 : SdpRejectReason.MalformedBandwidth,
                'a' => IsAttribute(value) ? 0 : SdpRejectReason.MalformedAttribute,
                'm' or 'i' or 'u' or 'e' or 'p' or 'r' or 'z' or 'k' => 0,
                _ => SdpRejectReason.UnknownLineType,
            };
            if (fault != 0)
            {
                error = new SdpParseError(fault, number);
                return false;
            }

            name ??= type == 's' ? value : null;
            if (type == 't' && timing is null && TryParseTiming(value, out SdpTiming first))
            {
                timing = first;
            }

            if (type == 'm')
            {
                if (!TryAddMedia(media, mLine, mediaLines, mLineNumber, out error))
                {
                    return false;
                }

                mLine = value;
                mLineNumber = number;
                mediaLines ??= new List<SdpLine>(16);
                mediaLines.Clear();
            }
            else
            {
                (mLine is null ? session : mediaLines!).Add(new SdpLine(type, value));
            }
        }

        if (number == 0 || session.Count == 0)
        {
            error = new SdpParseError(SdpRejectReason.Empty);
            return false;
        }

        if (!TryAddMedia(media, mLine, mediaLines, mLineNumber, out error))
        {
            return false;
        }

        if (origin is null || name is null)
        {
            error = new SdpParseError(origin is not null ? SdpRejectReason.MissingSessionName : SdpRejectReason.MissingOrigin);
            return false;
        }

        error = default;
        SdpLine[] lines = [.. session];
        description = new SessionDescription(lines, [.. media], origin, name, connection, timing);
        return true;
    }

    private static bool TryAddMedia(List<MediaDescription> media, string? mLine, List<SdpLine>? lines, int number, out SdpParseError error)
    {
        error = default;
        if (mLine is null)
        {
            return true;
        }

        if (!MediaDescription.TryCreate(mLine, [.. lines!], out MediaDescription? description, out SdpRejectReason reason))
        {
            error = new SdpParseError(reason, number);
            return false;
        }

        media.Add(description);
        return true;
    }

    /// <summary><c>attribute = (attribute-name ":" attribute-value) / attribute-name</c> (RFC 8866 §9).</summary>
    private static bool IsAttribute(ReadOnlySpan<char> value)
    {
        int colon = value.IndexOf(':');
        return SdpGrammar.IsToken(colon < 0 ? value : value[..colon]);
    }

    /// <summary><c>t=&lt;start-time&gt; &lt;stop-time&gt;</c> (RFC 8866 §5.9).</summary>
    internal static bool TryParseTiming(ReadOnlySpan<char> value, out SdpTiming timing)
    {
        timing = default;
        Span<Range> f = stackalloc Range[2];
        if (!SdpGrammar.TrySplit(value, f) || !SdpGrammar.TryParseUInt64(value[f[0]], out ulong start) ||
            !SdpGrammar.TryParseUInt64(value[f[1]], out ulong stop))
        {
            return false;
        }

        timing = new SdpTiming(start, stop);
        return true;
    }

    /// <summary><c>b=&lt;bwtype&gt;:&lt;bandwidth&gt;</c> (RFC 8866 §5.8).</summary>
    internal static bool TryParseBandwidth(string value, out SdpBandwidth bandwidth)
    {
        bandwidth = default;
        if (!IsBandwidth(value))
        {
            return false;
        }

        int colon = value.IndexOf(':', StringComparison.Ordinal);
        bandwidth = new SdpBandwidth(value[..colon], ulong.Parse(value.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture));
        return true;
    }

    private static bool IsBandwidth(ReadOnlySpan<char> value)
    {
        int colon = value.IndexOf(':');
        return colon > 0 && SdpGrammar.IsToken(value[..colon]) && SdpGrammar.TryParseUInt64(value[(colon + 1)..], out _);
    }
}
