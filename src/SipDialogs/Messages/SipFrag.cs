using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// A <c>message/sipfrag</c> body (RFC 3420): an optional start line, some headers, and an optional body. REFER
/// progress NOTIFYs carry one holding the status line of the referred request's latest response
/// (RFC 3515 §2.4.5), e.g. <c>SIP/2.0 200 OK</c>.
/// </summary>
public sealed class SipFrag
{
    /// <summary>The media type of a sipfrag body.</summary>
    public const string MediaType = "message/sipfrag";

    private readonly List<KeyValuePair<string, string>> _headers;

    private SipFrag(int? statusCode, string? reasonPhrase, string? method, string? requestUri, List<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Method = method;
        RequestUri = requestUri;
        _headers = headers;
        Body = body;
    }

    /// <summary>The status code when the fragment starts with a Status-Line.</summary>
    public int? StatusCode { get; }

    /// <summary>The reason phrase when the fragment starts with a Status-Line.</summary>
    public string? ReasonPhrase { get; }

    /// <summary>The method when the fragment starts with a Request-Line.</summary>
    public string? Method { get; }

    /// <summary>The Request-URI when the fragment starts with a Request-Line.</summary>
    public string? RequestUri { get; }

    /// <summary>The headers in order: canonical names for known headers, values unfolded.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The fragment's body, empty when none.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>A fragment holding only a Status-Line, as REFER progress reports carry (RFC 3515 §2.4.5).</summary>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <returns>The fragment.</returns>
    public static SipFrag ForStatus(int statusCode, string? reasonPhrase = null)
    {
        if (statusCode is < 100 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A SIP status code is 100 to 699.");
        }

        return new SipFrag(statusCode, reasonPhrase ?? SipStatusCodes.GetReasonPhrase(statusCode), null, null, [], default);
    }

    /// <summary>Parses a sipfrag body (RFC 3420 §2). Never throws on bad input.</summary>
    /// <param name="body">The body bytes. The fragment's <see cref="Body"/> is copied out of them.</param>
    /// <param name="fragment">The fragment.</param>
    /// <param name="error">Why the body was refused.</param>
    /// <returns>True when the body is a valid fragment.</returns>
    public static bool TryParse(ReadOnlySpan<byte> body, out SipFrag? fragment, out SipParseError error)
    {
        fragment = null;
        var headers = new List<KeyValuePair<string, string>>();
        int? statusCode = null;
        string? reason = null, method = null, uri = null;
        int pos = 0;
        bool first = true;
        while (pos < body.Length)
        {
            int contentEnd, next;
            int lf = body[pos..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                contentEnd = next = body.Length; // The last line may lack its line break.
            }
            else
            {
                next = pos + lf + 1;
                contentEnd = lf > 0 && body[pos + lf - 1] == (byte)'\r' ? pos + lf - 1 : pos + lf;
            }

            if (contentEnd == pos)
            {
                pos = next;
                break; // The empty line before the fragment's body.
            }

            ReadOnlySpan<byte> line = body[pos..contentEnd];
            if (first && TryReadStartLine(line, out statusCode, out reason, out method, out uri))
            {
                first = false;
                pos = next;
                continue;
            }

            first = false;
            if (SipBytes.IsWhitespace(line[0]) && headers.Count > 0)
            {
                KeyValuePair<string, string> last = headers[^1];
                headers[^1] = new(last.Key, last.Value + " " + Encoding.UTF8.GetString(SipBytes.TrimWhitespace(line)));
            }
            else if (SipMessageParser.TrySplitHeaderLine(body, pos, contentEnd, out HeaderEntry entry))
            {
                string name = entry.Kind != SipHeaderKind.Unknown
                    ? SipHeaderNames.GetCanonicalName(entry.Kind)
                    : Encoding.ASCII.GetString(body.Slice(entry.NameStart, entry.NameLength));
                headers.Add(new(name, Encoding.UTF8.GetString(body.Slice(entry.ValueStart, entry.ValueLength))));
            }
            else
            {
                error = new SipParseError(SipRejectReason.MalformedHeaderLine, Offset: pos);
                return false;
            }

            pos = next;
        }

        error = default;
        fragment = new SipFrag(statusCode, reason, method, uri, headers, pos < body.Length ? body[pos..].ToArray() : default);
        return true;
    }

    /// <summary>Writes the fragment: start line, headers, and the body after an empty line when there is one.</summary>
    /// <param name="writer">Where to write.</param>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (StatusCode is int code)
        {
            SipWriter.WriteAscii(writer, "SIP/2.0 "u8);
            SipWriter.WriteNumber(writer, code);
            SipWriter.WriteAscii(writer, " "u8);
            SipWriter.WriteString(writer, ReasonPhrase ?? string.Empty);
            SipWriter.WriteAscii(writer, "\r\n"u8);
        }
        else if (Method is not null)
        {
            SipWriter.WriteString(writer, Method);
            SipWriter.WriteAscii(writer, " "u8);
            SipWriter.WriteString(writer, RequestUri ?? string.Empty);
            SipWriter.WriteAscii(writer, " SIP/2.0\r\n"u8);
        }

        foreach (KeyValuePair<string, string> header in _headers)
        {
            SipWriter.WriteString(writer, header.Key);
            SipWriter.WriteAscii(writer, ": "u8);
            SipWriter.WriteString(writer, header.Value);
            SipWriter.WriteAscii(writer, "\r\n"u8);
        }

        if (!Body.IsEmpty)
        {
            SipWriter.WriteAscii(writer, "\r\n"u8);
            SipWriter.WriteAscii(writer, Body.Span);
        }
    }

    /// <summary>The fragment's bytes.</summary>
    /// <returns>A new array.</returns>
    public byte[] ToArray()
    {
        var writer = new ArrayBufferWriter<byte>(64);
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static bool TryReadStartLine(ReadOnlySpan<byte> line, out int? statusCode, out string? reason, out string? method, out string? uri)
    {
        statusCode = null;
        reason = method = uri = null;
        if (line.Length > 8 && Ascii.EqualsIgnoreCase(line[..8], "SIP/2.0 "u8))
        {
            ReadOnlySpan<byte> rest = line[8..];
            int sp = rest.IndexOf((byte)' ');
            ReadOnlySpan<byte> code = sp < 0 ? rest : rest[..sp];
            if (code.Length == 3 && Utf8Parser.TryParse(code, out int value, out int consumed) && consumed == 3 && value is >= 100 and <= 699)
            {
                statusCode = value;
                reason = sp < 0 ? string.Empty : Encoding.UTF8.GetString(rest[(sp + 1)..]);
                return true;
            }

            return false;
        }

        int sp1 = line.IndexOf((byte)' ');
        int sp2 = line.LastIndexOf((byte)' ');
        if (sp1 > 0 && sp2 > sp1 + 1 && Ascii.EqualsIgnoreCase(line[(sp2 + 1)..], "SIP/2.0"u8) && SipBytes.IsToken(line[..sp1]))
        {
            method = SipMethods.Intern(line[..sp1]);
            uri = Encoding.UTF8.GetString(line[(sp1 + 1)..sp2]);
            return true;
        }

        return false;
    }
}
