using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// Parses SIP messages from bytes (RFC 3261 §7): one pass indexes the start line and the header block, checks
/// what every message must get right (start line, header syntax, Content-Length, the mandatory headers and the
/// CSeq), and leaves every other header value to be decoded when asked for. Never throws on bad input.
/// </summary>
/// <remarks>
/// Line breaks: CRLF as RFC 3261 requires; a bare LF is also accepted, as robust receivers do. Leading CRLFs
/// before the start line are skipped (RFC 3261 §7.5). Values are validated further, header by header, by
/// SipMessage.TryValidate and by the typed accessors.
/// </remarks>
public static class SipMessageParser
{
    /// <summary>
    /// Parses one datagram (RFC 3261 §18.3): a body longer than Content-Length is truncated, a shorter one is an
    /// error, and without Content-Length the body runs to the end of the datagram.
    /// </summary>
    /// <param name="datagram">The datagram. The message refers to it: do not reuse it while the message lives.</param>
    /// <param name="message">The message; on rejection, the partly indexed message when its header block could
    /// be indexed (so that a request can still be answered, RFC 3261 §8.2), else null.</param>
    /// <param name="error">Why the input was rejected.</param>
    /// <param name="limits">The limits to enforce; the defaults when null.</param>
    /// <returns>True when a valid message was read.</returns>
    public static bool TryParse(ReadOnlyMemory<byte> datagram, out SipMessage? message, out SipParseError error, SipLimits? limits = null) =>
        TryParseCore(datagram, stream: false, limits ?? SipLimits.Default, out message, out error);

    /// <summary>
    /// Parses one message framed from a stream (see <see cref="SipStreamFramer"/>): Content-Length is required
    /// (RFC 3261 §18.3). The bytes are copied, so the caller may release the sequence afterwards.
    /// </summary>
    /// <param name="framed">Exactly one message.</param>
    /// <param name="message">The message, or the partly indexed message on rejection when it could be indexed.</param>
    /// <param name="error">Why the input was rejected.</param>
    /// <param name="limits">The limits to enforce; the defaults when null.</param>
    /// <returns>True when a valid message was read.</returns>
    public static bool TryParse(in ReadOnlySequence<byte> framed, out SipMessage? message, out SipParseError error, SipLimits? limits = null)
    {
        limits ??= SipLimits.Default;
        if (framed.Length > limits.MaxMessageBytes)
        {
            message = null;
            error = new SipParseError(SipRejectReason.MessageTooLarge);
            return false;
        }

        return TryParseCore(framed.ToArray(), stream: true, limits, out message, out error);
    }

    /// <summary>Parses a request: as <see cref="TryParse(ReadOnlyMemory{byte}, out SipMessage?, out SipParseError, SipLimits?)"/>, and a response is rejected.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="request">The request.</param>
    /// <param name="error">Why the input was rejected.</param>
    /// <returns>True when a valid request was read.</returns>
    public static bool TryParseRequest(ReadOnlyMemory<byte> datagram, out SipRequest? request, out SipParseError error)
    {
        bool ok = TryParse(datagram, out SipMessage? message, out error);
        request = message as SipRequest;
        if (ok && request is null)
        {
            error = new SipParseError(SipRejectReason.MalformedStartLine, Offset: 0);
            return false;
        }

        return ok;
    }

    /// <summary>Parses a response: as <see cref="TryParse(ReadOnlyMemory{byte}, out SipMessage?, out SipParseError, SipLimits?)"/>, and a request is rejected.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="response">The response.</param>
    /// <param name="error">Why the input was rejected.</param>
    /// <returns>True when a valid response was read.</returns>
    public static bool TryParseResponse(ReadOnlyMemory<byte> datagram, out SipResponse? response, out SipParseError error)
    {
        bool ok = TryParse(datagram, out SipMessage? message, out error);
        response = message as SipResponse;
        if (ok && response is null)
        {
            error = new SipParseError(SipRejectReason.MalformedStartLine, Offset: 0);
            return false;
        }

        return ok;
    }

    /// <summary>
    /// Parses text as a message, for tests and tools: the string is encoded as UTF-8 first.
    /// </summary>
    /// <param name="text">The message text.</param>
    /// <returns>The message.</returns>
    /// <exception cref="FormatException">The text is not a valid message; the message names the fault.</exception>
    public static SipMessage Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(Encoding.UTF8.GetBytes(text), out SipMessage? message, out SipParseError error))
        {
            throw new FormatException($"Not a valid SIP message: {error}.");
        }

        return message!;
    }

    private static bool TryParseCore(ReadOnlyMemory<byte> memory, bool stream, SipLimits limits, out SipMessage? message, out SipParseError error)
    {
        message = null;
        ReadOnlySpan<byte> span = memory.Span;
        if (span.Length > limits.MaxMessageBytes)
        {
            error = new SipParseError(SipRejectReason.MessageTooLarge);
            return false;
        }

        int start = 0;
        while (start < span.Length && span[start] is (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        if (start == span.Length)
        {
            error = new SipParseError(SipRejectReason.Empty);
            return false;
        }

        int headerLimit = start + limits.MaxHeaderBytes;
        if (!TryReadLine(span, start, headerLimit, out int lineEnd, out int next, out error))
        {
            return false;
        }

        SipMessage? parsed = ParseStartLine(memory, span[start..lineEnd], start, out error);
        if (parsed is null)
        {
            return false;
        }

        // A Request-Line wrong only in its spacing, URI or version still names a request that deserves an answer
        // (400, or 505 for RFC 4475 badvers): index the headers so it can be addressed, then report the fault.
        SipParseError startLineError = error;
        bool startLineFaulty = startLineError.Reason != 0;

        // A header line that does not split into name and value (e.g. one bad byte in the name) is refused, but the
        // lines after it are indexed all the same, so that a request whose Via, From, To and CSeq are intact can be
        // answered 400 instead of dropped (RFC 3261 §8.2, §21.4.1). The first such fault is the one reported.
        SipParseError headerLineError = default;
        bool skippingLine = false;
        int pos = next;
        int bodyStart;
        while (true)
        {
            if (!TryReadLine(span, pos, headerLimit, out lineEnd, out next, out error))
            {
                return false;
            }

            if (lineEnd == pos)
            {
                bodyStart = next;
                break;
            }

            if (skippingLine && SipBytes.IsWhitespace(span[pos]))
            {
                // The continuation of a refused line belongs to it, not to the header before.
            }
            else if (SipBytes.IsWhitespace(span[pos]))
            {
                if (parsed.HeaderCount == 0)
                {
                    // RFC 3261 §7.3.1: a continuation line needs a header to continue.
                    error = new SipParseError(SipRejectReason.MalformedHeaderLine, Offset: pos);
                    return false;
                }

                ReadOnlySpan<byte> content = span[pos..lineEnd];
                int lead = content.IndexOfAnyExcept((byte)' ', (byte)'\t');
                if (lead >= 0)
                {
                    int end = lineEnd;
                    while (SipBytes.IsWhitespace(span[end - 1]))
                    {
                        end--;
                    }

                    ref HeaderEntry last = ref parsed.LastEntry;
                    int valueStart = last.ValueLength == 0 ? pos + lead : last.ValueStart;
                    if (!last.TrySetValue(valueStart, end - valueStart))
                    {
                        // A folded value of more than 64 KiB: only a header limit far above the default lets one in.
                        error = new SipParseError(SipRejectReason.HeaderBlockTooLarge, Offset: pos);
                        return false;
                    }

                    last.Folded |= valueStart != pos + lead;
                }
            }
            else
            {
                skippingLine = !TrySplitHeaderLine(span, pos, lineEnd, out HeaderEntry entry);
                if (skippingLine)
                {
                    if (headerLineError.Reason == 0)
                    {
                        headerLineError = new SipParseError(SipRejectReason.MalformedHeaderLine, Offset: pos);
                    }
                }
                else if (!parsed.TryAdd(entry, limits.MaxHeaderCount))
                {
                    error = new SipParseError(SipRejectReason.HeaderBlockTooLarge, Offset: pos);
                    return false;
                }
            }

            pos = next;
        }

        bool finished = TryFinish(parsed, span, bodyStart, stream, limits, out error);
        message = parsed;
        if (startLineFaulty)
        {
            error = startLineError;
            return false;
        }

        if (headerLineError.Reason != 0)
        {
            error = headerLineError;
            return false;
        }

        return finished;
    }

    /// <summary>
    /// Finds the end of the line that starts at <paramref name="pos"/>: <paramref name="contentEnd"/> is where its
    /// content ends (before CRLF or LF) and <paramref name="next"/> where the next line starts.
    /// </summary>
    internal static bool TryReadLine(ReadOnlySpan<byte> span, int pos, int headerLimit, out int contentEnd, out int next, out SipParseError error)
    {
        int lf = pos < span.Length ? span[pos..].IndexOf((byte)'\n') : -1;
        if (lf < 0)
        {
            contentEnd = next = 0;
            error = span.Length > headerLimit
                ? new SipParseError(SipRejectReason.HeaderBlockTooLarge, Offset: headerLimit)
                : new SipParseError(SipRejectReason.UnterminatedHeaderBlock, Offset: span.Length);
            return false;
        }

        next = pos + lf + 1;
        if (next > headerLimit)
        {
            contentEnd = 0;
            error = new SipParseError(SipRejectReason.HeaderBlockTooLarge, Offset: headerLimit);
            return false;
        }

        contentEnd = lf > 0 && span[pos + lf - 1] == (byte)'\r' ? pos + lf - 1 : pos + lf;

        // RFC 3261 §7.3.1, §25.1: in the start line and header block a CR only ends a line. Some would read a bare
        // CR as a line break and others as data, so the same bytes would mean two messages: refuse them.
        int cr = span[pos..contentEnd].IndexOf((byte)'\r');
        if (cr >= 0)
        {
            error = new SipParseError(SipRejectReason.InvalidCharacter, Offset: pos + cr);
            return false;
        }

        error = default;
        return true;
    }

    /// <summary>Splits <c>name HCOLON value</c> (RFC 3261 §7.3.1), whitespace allowed before the colon.</summary>
    internal static bool TrySplitHeaderLine(ReadOnlySpan<byte> span, int pos, int lineEnd, out HeaderEntry entry)
    {
        entry = default;
        ReadOnlySpan<byte> line = span[pos..lineEnd];
        int colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return false;
        }

        int nameEnd = colon;
        while (nameEnd > 0 && SipBytes.IsWhitespace(line[nameEnd - 1]))
        {
            nameEnd--;
        }

        ReadOnlySpan<byte> name = line[..nameEnd];
        if (!SipBytes.IsToken(name) || name.Length > ushort.MaxValue)
        {
            return false;
        }

        int valueStart = colon + 1;
        while (valueStart < line.Length && SipBytes.IsWhitespace(line[valueStart]))
        {
            valueStart++;
        }

        int valueEnd = line.Length;
        while (valueEnd > valueStart && SipBytes.IsWhitespace(line[valueEnd - 1]))
        {
            valueEnd--;
        }

        entry.NameStart = pos;
        entry.NameLength = (ushort)name.Length;
        entry.Kind = SipHeaderNames.Lookup(name);
        return entry.TrySetValue(pos + valueStart, valueEnd - valueStart);
    }

    private static SipMessage? ParseStartLine(ReadOnlyMemory<byte> memory, ReadOnlySpan<byte> line, int offset, out SipParseError error)
    {
        error = default;
        if (line.Length >= 4 && Ascii.EqualsIgnoreCase(line[..4], "SIP/"u8))
        {
            return ParseStatusLine(memory, line, offset, out error);
        }

        // Request-Line = Method SP Request-URI SP SIP-Version CRLF (RFC 3261 §7.1): single spaces, no others.
        int sp1 = line.IndexOf((byte)' ');
        int sp2 = line.LastIndexOf((byte)' ');
        if (sp1 <= 0 || sp2 == sp1)
        {
            error = new SipParseError(SipRejectReason.MalformedStartLine, Offset: offset);
            return null;
        }

        ReadOnlySpan<byte> method = line[..sp1];
        if (!SipBytes.IsToken(method))
        {
            error = new SipParseError(SipRejectReason.InvalidMethod, Offset: offset);
            return null;
        }

        ReadOnlySpan<byte> uri = line[(sp1 + 1)..sp2];
        ReadOnlySpan<byte> version = line[(sp2 + 1)..];
        if (uri.IsEmpty || uri[0] == (byte)' ' || uri[^1] == (byte)' ' || version.IsEmpty)
        {
            error = new SipParseError(SipRejectReason.MalformedStartLine, Offset: offset + sp1);
        }
        else if (!IsSipVersion(version))
        {
            error = new SipParseError(
                version.Length > 4 && Ascii.EqualsIgnoreCase(version[..4], "SIP/"u8) ? SipRejectReason.UnsupportedVersion : SipRejectReason.MalformedStartLine,
                Offset: offset + sp2 + 1);
        }
        else if (!IsPlausibleRequestUri(uri))
        {
            error = new SipParseError(SipRejectReason.MalformedRequestUri, Offset: offset + sp1 + 1);
        }
        else
        {
            return new SipRequest(memory, SipMethods.Intern(method), offset + sp1 + 1, uri.Length);
        }

        // Faulty, but a request: keep the first word after the method as its URI so the caller can answer it.
        int uriStart = sp1 + 1 + line[(sp1 + 1)..].IndexOfAnyExcept((byte)' ');
        int uriLength = line[uriStart..].IndexOf((byte)' ');
        return new SipRequest(memory, SipMethods.Intern(method), offset + uriStart, uriLength < 0 ? line.Length - uriStart : uriLength);
    }

    private static SipResponse? ParseStatusLine(ReadOnlyMemory<byte> memory, ReadOnlySpan<byte> line, int offset, out SipParseError error)
    {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (RFC 3261 §7.2).
        error = default;
        int sp = line.IndexOf((byte)' ');
        if (sp < 0 || !IsSipVersion(line[..sp]))
        {
            error = new SipParseError(sp < 0 ? SipRejectReason.MalformedStartLine : SipRejectReason.UnsupportedVersion, Offset: offset);
            return null;
        }

        ReadOnlySpan<byte> rest = line[(sp + 1)..];
        int codeEnd = rest.IndexOf((byte)' ');
        ReadOnlySpan<byte> code = codeEnd < 0 ? rest : rest[..codeEnd];
        if (code.Length != 3 || !Utf8Parser.TryParse(code, out int status, out int consumed) || consumed != 3 || status < 100 || status > 699 || code[0] == (byte)'+')
        {
            error = new SipParseError(SipRejectReason.InvalidStatusCode, Offset: offset + sp + 1);
            return null;
        }

        int reasonStart = codeEnd < 0 ? line.Length : sp + 1 + codeEnd + 1;
        return new SipResponse(memory, status, offset + reasonStart, line.Length - reasonStart);
    }

    private static bool IsSipVersion(ReadOnlySpan<byte> version) => Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8);

    /// <summary>
    /// The cheap check made on every request: a scheme, then only characters a URI may hold (RFC 3261 §25.1,
    /// RFC 3986 §2). The full grammar is checked when the Request-URI is decoded.
    /// </summary>
    private static bool IsPlausibleRequestUri(ReadOnlySpan<byte> uri)
    {
        int colon = uri.IndexOf((byte)':');
        if (colon <= 0 || !char.IsAsciiLetter((char)uri[0]))
        {
            return false;
        }

        foreach (byte b in uri)
        {
            if (b <= 0x20 || b >= 0x7F || b is (byte)'<' or (byte)'>' or (byte)'"' or (byte)'\\' or (byte)'^' or (byte)'`' or (byte)'{' or (byte)'|' or (byte)'}')
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryFinish(SipMessage message, ReadOnlySpan<byte> span, int bodyStart, bool stream, SipLimits limits, out SipParseError error)
    {
        int via = -1, from = -1, to = -1, callId = -1, cseq = -1, contentLength = -1;
        for (int i = 0; i < message.HeaderCount; i++)
        {
            ref HeaderEntry entry = ref message.Entry(i);
            switch (entry.Kind)
            {
                case SipHeaderKind.Via when via < 0:
                    via = i;
                    break;
                case SipHeaderKind.From:
                    if (!TrySingleton(message, ref from, i, out error))
                    {
                        return false;
                    }

                    break;
                case SipHeaderKind.To:
                    if (!TrySingleton(message, ref to, i, out error))
                    {
                        return false;
                    }

                    break;
                case SipHeaderKind.CallId:
                    if (!TrySingleton(message, ref callId, i, out error))
                    {
                        return false;
                    }

                    break;
                case SipHeaderKind.CSeq:
                    if (!TrySingleton(message, ref cseq, i, out error))
                    {
                        return false;
                    }

                    break;
                case SipHeaderKind.ContentLength:
                    if (!TrySingleton(message, ref contentLength, i, out error))
                    {
                        return false;
                    }

                    break;
                case SipHeaderKind.MaxForwards:
                case SipHeaderKind.ContentType:
                    int first = message.IndexOfHeader(entry.Kind);
                    if (first != i && !message.GetHeaderValueBytes(first).SequenceEqual(message.GetHeaderValueBytes(i)))
                    {
                        error = new SipParseError(SipRejectReason.DuplicateHeader, entry.Kind, entry.NameStart);
                        return false;
                    }

                    break;
            }
        }

        message.SetWellKnown(via, from, to, callId, cseq, contentLength);

        // The body (RFC 3261 §18.3).
        int available = span.Length - bodyStart;
        int bodyLength;
        if (contentLength >= 0)
        {
            ReadOnlySpan<byte> value = message.GetHeaderValueBytes(contentLength);
            if (!TryParseContentLength(value, out bodyLength, out SipRejectReason reason))
            {
                error = new SipParseError(reason, SipHeaderKind.ContentLength, message.Entry(contentLength).ValueStart);
                return false;
            }

            if (bodyLength > available)
            {
                error = new SipParseError(SipRejectReason.BodyShorterThanContentLength, SipHeaderKind.ContentLength, span.Length);
                return false;
            }
        }
        else if (stream)
        {
            error = new SipParseError(SipRejectReason.MissingContentLength, SipHeaderKind.ContentLength);
            return false;
        }
        else
        {
            bodyLength = available;
        }

        if (bodyStart + bodyLength > limits.MaxMessageBytes)
        {
            error = new SipParseError(SipRejectReason.MessageTooLarge);
            return false;
        }

        message.SetBody(bodyStart, bodyLength);

        // The headers every message carries (RFC 3261 §8.1.1; Max-Forwards is not enforced, as most UAS do not).
        if (to < 0 || from < 0 || cseq < 0 || callId < 0 || via < 0)
        {
            SipHeaderKind missing = to < 0 ? SipHeaderKind.To : from < 0 ? SipHeaderKind.From : cseq < 0 ? SipHeaderKind.CSeq
                : callId < 0 ? SipHeaderKind.CallId : SipHeaderKind.Via;
            error = new SipParseError(SipRejectReason.MissingHeader, missing);
            return false;
        }

        // Call-ID = word [ "@" word ] (RFC 3261 §25.1): no whitespace, not empty.
        ReadOnlySpan<byte> callIdValue = message.GetHeaderValueBytes(callId);
        if (callIdValue.IsEmpty || callIdValue.IndexOfAnyInRange((byte)0, (byte)' ') >= 0 || callIdValue.Contains((byte)0x7F))
        {
            error = new SipParseError(SipRejectReason.MalformedHeader, SipHeaderKind.CallId, message.Entry(callId).ValueStart);
            return false;
        }

        return TrySetCSeq(message, cseq, out error);
    }

    private static bool TrySingleton(SipMessage message, ref int slot, int index, out SipParseError error)
    {
        error = default;
        if (slot < 0)
        {
            slot = index;
            return true;
        }

        // RFC 3261 §7.3.1: a header that is not a list may appear once; identical repeats are harmless.
        if (message.GetHeaderValueBytes(slot).SequenceEqual(message.GetHeaderValueBytes(index)))
        {
            return true;
        }

        ref HeaderEntry entry = ref message.Entry(index);
        error = new SipParseError(SipRejectReason.DuplicateHeader, entry.Kind, entry.NameStart);
        return false;
    }

    private static bool TrySetCSeq(SipMessage message, int index, out SipParseError error)
    {
        // CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); the number is below 2^31 (§8.1.1.5).
        ReadOnlySpan<byte> value = message.GetHeaderValueBytes(index);
        int offset = message.Entry(index).ValueStart;
        int digits = value.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        if (digits <= 0)
        {
            error = new SipParseError(SipRejectReason.MalformedHeader, SipHeaderKind.CSeq, offset);
            return false;
        }

        if (digits > 10 || !Utf8Parser.TryParse(value[..digits], out ulong number, out _) || number > int.MaxValue)
        {
            error = new SipParseError(SipRejectReason.ValueOutOfRange, SipHeaderKind.CSeq, offset);
            return false;
        }

        ReadOnlySpan<byte> method = SipBytes.TrimWhitespace(value[digits..]);
        if (method.Length == value.Length - digits || !SipBytes.IsToken(method))
        {
            error = new SipParseError(SipRejectReason.MalformedHeader, SipHeaderKind.CSeq, offset);
            return false;
        }

        if (message is SipRequest request)
        {
            // RFC 3261 §8.1.1.5: the CSeq method matches the request's.
            if (!Ascii.Equals(method, request.Method))
            {
                error = new SipParseError(SipRejectReason.CSeqMethodMismatch, SipHeaderKind.CSeq, offset);
                return false;
            }

            message.SetCSeq((uint)number, request.Method);
        }
        else
        {
            message.SetCSeq((uint)number, SipMethods.Intern(method));
        }

        error = default;
        return true;
    }

    /// <summary>Content-Length = 1*DIGIT (RFC 3261 §20.14).</summary>
    internal static bool TryParseContentLength(ReadOnlySpan<byte> value, out int length, out SipRejectReason reason)
    {
        length = 0;
        if (value.IsEmpty || value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            reason = SipRejectReason.MalformedContentLength;
            return false;
        }

        if (value.Length > 10 || !Utf8Parser.TryParse(value, out long parsed, out _) || parsed > int.MaxValue)
        {
            reason = SipRejectReason.ValueOutOfRange;
            return false;
        }

        length = (int)parsed;
        reason = default;
        return true;
    }
}
