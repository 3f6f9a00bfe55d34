using System.Buffers;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// Builds a request or response and writes it as canonical bytes into a buffer writer (a pooled one on the hot
/// path). Header values copied from a parsed message stay bytes: nothing is decoded to be written again.
/// Content-Length is always written and always matches the body (RFC 3261 §18.3, §20.14).
/// </summary>
public sealed class SipMessageBuilder
{
    private readonly List<Header> _headers = new(12);
    private readonly string? _method;
    private readonly string? _requestUri;
    private readonly int _statusCode;
    private readonly string? _reasonPhrase;
    private ReadOnlyMemory<byte> _body;

    private SipMessageBuilder(string method, string requestUri)
    {
        _method = method;
        _requestUri = requestUri;
    }

    private SipMessageBuilder(int statusCode, string reasonPhrase)
    {
        _statusCode = statusCode;
        _reasonPhrase = reasonPhrase;
    }

    /// <summary>True when this builds a request.</summary>
    public bool IsRequest => _method is not null;

    /// <summary>The number of headers added so far (Content-Length, written last, is not counted).</summary>
    public int HeaderCount => _headers.Count;

    /// <summary>Starts a request: <c>Method SP Request-URI SP SIP/2.0</c> (RFC 3261 §7.1).</summary>
    /// <param name="method">The method, a token such as <see cref="SipMethods.Invite"/>.</param>
    /// <param name="requestUri">The Request-URI, e.g. <c>sip:bob@example.com</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The method is not a token or the URI holds whitespace.</exception>
    public static SipMessageBuilder Request(string method, string requestUri)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        if (!SipMethods.IsValidMethod(method))
        {
            throw new ArgumentException($"'{method}' is not a valid SIP method token (RFC 3261 §25.1).", nameof(method));
        }

        if (requestUri.Length == 0 || requestUri.AsSpan().IndexOfAny(" \t\r\n") >= 0)
        {
            throw new ArgumentException("The Request-URI must be non-empty and hold no whitespace (RFC 3261 §7.1).", nameof(requestUri));
        }

        return new SipMessageBuilder(method, requestUri);
    }

    /// <summary>Starts a response with the given status (RFC 3261 §7.2).</summary>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <returns>The builder.</returns>
    public static SipMessageBuilder Response(int statusCode, string? reasonPhrase = null)
    {
        if (statusCode is < 100 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A SIP status code is 100 to 699.");
        }

        if (reasonPhrase is not null && reasonPhrase.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A reason phrase cannot hold a line break.", nameof(reasonPhrase));
        }

        return new SipMessageBuilder(statusCode, reasonPhrase ?? SipStatusCodes.GetReasonPhrase(statusCode));
    }

    /// <summary>
    /// Starts a response to <paramref name="request"/> as RFC 3261 §8.2.6 draws it: the Via headers in order,
    /// From, To, Call-ID and CSeq copied byte for byte; a To tag added when the request had none and the status is
    /// not 100 (§8.2.6.2); Timestamp copied into a 100 (§8.2.6.1).
    /// </summary>
    /// <param name="request">The request answered.</param>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <param name="toTag">The To tag to add when the request has none; a fresh one when null.</param>
    /// <returns>The builder, ready for more headers and a body.</returns>
    public static SipMessageBuilder ResponseTo(SipRequest request, int statusCode, string? reasonPhrase = null, string? toTag = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        SipMessageBuilder builder = Response(statusCode, reasonPhrase);
        for (int i = 0; i < request.HeaderCount; i++)
        {
            switch (request.GetHeaderKind(i))
            {
                case SipHeaderKind.Via:
                case SipHeaderKind.From:
                case SipHeaderKind.CallId:
                case SipHeaderKind.CSeq:
                    builder.CopyHeader(request, i);
                    break;
                case SipHeaderKind.To:
                    if (statusCode != 100 && request.ToTag.IsEmpty)
                    {
                        builder.AddToWithTag(request, i, toTag ?? SipIds.NewTag());
                    }
                    else
                    {
                        builder.CopyHeader(request, i);
                    }

                    break;
                case SipHeaderKind.Timestamp when statusCode == 100:
                    builder.CopyHeader(request, i);
                    break;
            }
        }

        return builder;
    }

    /// <summary>Adds a header (RFC 3261 §7.3). Headers are written in the order they are added.</summary>
    /// <param name="name">The header name, e.g. <c>Contact</c> or an extension name.</param>
    /// <param name="value">The value, on one line.</param>
    /// <returns>This builder.</returns>
    public SipMessageBuilder Add(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!SipGrammar.IsToken(name))
        {
            throw new ArgumentException($"'{name}' is not a valid header name (RFC 3261 §7.3.1).", nameof(name));
        }

        SipHeaderKind kind = SipHeaderNames.Lookup(name);
        return Add(kind, kind == SipHeaderKind.Unknown ? name : null, value);
    }

    /// <summary>Adds a known header.</summary>
    /// <param name="kind">The header; not <see cref="SipHeaderKind.Unknown"/>.</param>
    /// <param name="value">The value, on one line.</param>
    /// <returns>This builder.</returns>
    public SipMessageBuilder Add(SipHeaderKind kind, string value)
    {
        if (kind == SipHeaderKind.Unknown)
        {
            throw new ArgumentException("Name an unknown header with Add(string, string).", nameof(kind));
        }

        ArgumentNullException.ThrowIfNull(value);
        return Add(kind, null, value);
    }

    /// <summary>Puts a header before every other, e.g. the top Via a request gets when it is sent (RFC 3261 §8.1.1.7).</summary>
    /// <param name="kind">The header; not <see cref="SipHeaderKind.Unknown"/>.</param>
    /// <param name="value">The value, on one line.</param>
    /// <returns>This builder.</returns>
    public SipMessageBuilder InsertFirst(SipHeaderKind kind, string value)
    {
        Add(kind, value);
        Header header = _headers[^1];
        _headers.RemoveAt(_headers.Count - 1);
        _headers.Insert(0, header);
        return this;
    }

    /// <summary>
    /// Puts a header whose value is already bytes before all others, written as given: the transport's stamped top
    /// Via (RFC 3261 §18.2.1) and the request's other Via rows, without a string for each.
    /// </summary>
    /// <param name="kind">A known header.</param>
    /// <param name="value">The value's bytes, one line, which the caller never changes afterwards.</param>
    /// <returns>This builder.</returns>
    internal SipMessageBuilder InsertFirst(SipHeaderKind kind, ReadOnlyMemory<byte> value)
    {
        _headers.Insert(0, new Header(kind, null, value));
        return this;
    }

    /// <summary>Copies header <paramref name="index"/> of <paramref name="source"/>, value bytes unchanged.</summary>
    /// <param name="source">A parsed message.</param>
    /// <param name="index">The header's position in it.</param>
    /// <returns>This builder.</returns>
    public SipMessageBuilder CopyHeader(SipMessage source, int index)
    {
        ArgumentNullException.ThrowIfNull(source);
        SipHeaderKind kind = source.GetHeaderKind(index);
        _headers.Add(new Header(kind, kind == SipHeaderKind.Unknown ? source.GetHeaderName(index) : null, source.GetHeaderValueMemory(index)));
        return this;
    }

    /// <summary>Copies every header of <paramref name="kind"/> from <paramref name="source"/>, in order.</summary>
    /// <param name="source">A parsed message.</param>
    /// <param name="kind">The header to copy, e.g. Record-Route for a dialog-creating response (RFC 3261 §12.1.1).</param>
    /// <returns>This builder.</returns>
    public SipMessageBuilder CopyHeaders(SipMessage source, SipHeaderKind kind)
    {
        ArgumentNullException.ThrowIfNull(source);
        for (int i = source.IndexOfHeader(kind); i >= 0; i = source.IndexOfHeader(kind, i + 1))
        {
            CopyHeader(source, i);
        }

        return this;
    }

    /// <summary>Removes every header of <paramref name="kind"/> added so far.</summary>
    /// <param name="kind">The header.</param>
    /// <returns>How many were removed.</returns>
    public int Remove(SipHeaderKind kind)
    {
        int removed = 0;
        for (int i = _headers.Count - 1; i >= 0; i--)
        {
            if (_headers[i].Kind == kind)
            {
                _headers.RemoveAt(i);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Sets the body and its Content-Type (RFC 3261 §7.4, §20.15).</summary>
    /// <param name="contentType">The media type, e.g. <c>application/sdp</c>.</param>
    /// <param name="body">The body bytes.</param>
    /// <returns>This builder.</returns>
    public SipMessageBuilder WithBody(string contentType, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        Remove(SipHeaderKind.ContentType);
        Add(SipHeaderKind.ContentType, null, contentType);
        _body = body;
        return this;
    }

    /// <summary>Writes the message: start line, headers in order, Content-Length, blank line, body.</summary>
    /// <param name="writer">Where to write; a pooled writer on the hot path.</param>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_method is not null)
        {
            SipWriter.WriteString(writer, _method);
            SipWriter.WriteAscii(writer, " "u8);
            SipWriter.WriteString(writer, _requestUri!);
            SipWriter.WriteAscii(writer, " SIP/2.0\r\n"u8);
        }
        else
        {
            SipWriter.WriteAscii(writer, "SIP/2.0 "u8);
            SipWriter.WriteNumber(writer, _statusCode);
            SipWriter.WriteAscii(writer, " "u8);
            SipWriter.WriteString(writer, _reasonPhrase!);
            SipWriter.WriteAscii(writer, "\r\n"u8);
        }

        foreach (Header header in _headers)
        {
            if (header.Kind != SipHeaderKind.Unknown)
            {
                SipWriter.WriteAscii(writer, SipHeaderNames.GetCanonicalNameBytes(header.Kind));
            }
            else
            {
                SipWriter.WriteString(writer, header.Text!);
            }

            SipWriter.WriteAscii(writer, ": "u8);
            if (header.Kind != SipHeaderKind.Unknown && header.Text is not null && !header.ToTag)
            {
                SipWriter.WriteString(writer, header.Text);
            }
            else
            {
                SipWriter.WriteAscii(writer, header.Raw.Span);
            }

            if (header.ToTag)
            {
                SipWriter.WriteAscii(writer, ";tag="u8);
                SipWriter.WriteString(writer, header.Text!);
            }

            SipWriter.WriteAscii(writer, "\r\n"u8);
        }

        SipWriter.WriteContentLength(writer, _body.Length);
        SipWriter.WriteAscii(writer, "\r\n"u8);
        SipWriter.WriteAscii(writer, _body.Span);
    }

    /// <summary>The message's bytes.</summary>
    /// <returns>A new array.</returns>
    public byte[] ToArray()
    {
        var writer = new ArrayBufferWriter<byte>(512);
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the message and parses it back, for callers that want the message object.</summary>
    /// <returns>The parsed message.</returns>
    /// <exception cref="SipMessageException">What was built is not a valid message (e.g. a header it needs is missing).</exception>
    public SipMessage Build()
    {
        if (!SipMessageParser.TryParse(ToArray(), out SipMessage? message, out SipParseError error))
        {
            throw new SipMessageException(error);
        }

        return message!;
    }

    private SipMessageBuilder Add(SipHeaderKind kind, string? name, string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A header value cannot hold a line break; folding is not written.", nameof(value));
        }

        if (kind == SipHeaderKind.ContentLength)
        {
            return this; // Always computed from the body.
        }

        // An unknown header keeps its name as the text and its value as bytes; a known one keeps its value as the text.
        _headers.Add(kind == SipHeaderKind.Unknown ? new Header(kind, name, Encoding.UTF8.GetBytes(value)) : new Header(kind, value, default));
        return this;
    }

    private void AddToWithTag(SipMessage source, int index, string tag)
    {
        if (!SipGrammar.IsToken(tag))
        {
            throw new ArgumentException($"'{tag}' is not a valid tag token (RFC 3261 §19.3).", nameof(tag));
        }

        _headers.Add(new Header(SipHeaderKind.To, tag, source.GetHeaderValueMemory(index)) { ToTag = true });
    }

    /// <summary>
    /// One header row in 32 bytes (a list of them is made per message): a known header's value is
    /// <see cref="Text"/> or else <see cref="Raw"/>; an unknown header's name is <see cref="Text"/> and its value
    /// <see cref="Raw"/>; with <see cref="ToTag"/>, <see cref="Raw"/> is a To value and <see cref="Text"/> the tag
    /// written after it.
    /// </summary>
    private readonly record struct Header(SipHeaderKind Kind, string? Text, ReadOnlyMemory<byte> Raw)
    {
        public bool ToTag { get; init; }
    }
}
