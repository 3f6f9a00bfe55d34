namespace SipDialogs.Messages;

/// <summary>
/// Every reason for which the message layer refuses input. Parsing never throws on malformed input: it
/// returns one of these (with the header name and byte offset in <see cref="SipParseError"/>), and
/// <see cref="SipRejectReasons"/> maps each to the status code and reason phrase a request deserves
/// (RFC 3261 §21.4.1). The numeric values are stable: logs and metrics carry them.
/// </summary>
public enum SipRejectReason
{
    /// <summary>The input held no message at all (empty, or only CRLF keep-alives).</summary>
    Empty = 1,

    /// <summary>The start line is neither a Request-Line nor a Status-Line (RFC 3261 §7.1, §7.2).</summary>
    MalformedStartLine = 2,

    /// <summary>The request method is not a valid token (RFC 3261 §25.1).</summary>
    InvalidMethod = 3,

    /// <summary>The Request-URI is not a valid URI (RFC 3261 §19.1, §25.1).</summary>
    MalformedRequestUri = 4,

    /// <summary>The SIP-Version is not SIP/2.0 (RFC 3261 §8.2.2, answered 505).</summary>
    UnsupportedVersion = 5,

    /// <summary>The status code is not three digits in 100–699 (RFC 3261 §7.2, §21).</summary>
    InvalidStatusCode = 6,

    /// <summary>A header line has no colon or an empty or invalid field name (RFC 3261 §7.3.1).</summary>
    MalformedHeaderLine = 7,

    /// <summary>The header block does not end with an empty line (a truncated datagram).</summary>
    UnterminatedHeaderBlock = 8,

    /// <summary>The header block is larger than <see cref="SipLimits.MaxHeaderBytes"/>.</summary>
    HeaderBlockTooLarge = 9,

    /// <summary>The message is larger than <see cref="SipLimits.MaxMessageBytes"/>.</summary>
    MessageTooLarge = 10,

    /// <summary>A header every request or response must carry is absent (RFC 3261 §8.1.1, §20).</summary>
    MissingHeader = 11,

    /// <summary>A header that may appear once appears more than once with different values (RFC 3261 §7.3.1).</summary>
    DuplicateHeader = 12,

    /// <summary>A header's value does not follow its grammar; the header is named in the error.</summary>
    MalformedHeader = 13,

    /// <summary>A numeric header value is out of its range (RFC 3261 §8.1.1.5, §20.14, §20.22).</summary>
    ValueOutOfRange = 14,

    /// <summary>The CSeq method differs from the request method (RFC 3261 §8.1.1.5).</summary>
    CSeqMethodMismatch = 15,

    /// <summary>The body is shorter than Content-Length says (RFC 3261 §18.3).</summary>
    BodyShorterThanContentLength = 16,

    /// <summary>A message on a stream transport has no Content-Length (RFC 3261 §18.3, §20.14).</summary>
    MissingContentLength = 17,

    /// <summary>A quoted string is not closed (RFC 3261 §25.1).</summary>
    UnterminatedQuotedString = 18,

    /// <summary>A URI does not follow the SIP, SIPS, tel or absolute-URI grammar (RFC 3261 §19.1, RFC 3966).</summary>
    MalformedUri = 19,

    /// <summary>A percent escape is not followed by two hex digits (RFC 3261 §25.1).</summary>
    InvalidEscape = 20,

    /// <summary>A host is not a valid hostname, IPv4 address or IPv6 reference (RFC 3261 §25.1).</summary>
    InvalidHost = 21,

    /// <summary>A port is not a number in 0–65535 (RFC 3261 §25.1).</summary>
    InvalidPort = 22,

    /// <summary>A parameter is malformed: empty name, bad characters, or a bad value (RFC 3261 §25.1).</summary>
    MalformedParameter = 23,

    /// <summary>A character appears where the grammar does not allow it (e.g. a control character).</summary>
    InvalidCharacter = 24,

    /// <summary>A Content-Length header is not a valid non-negative integer (RFC 3261 §20.14).</summary>
    MalformedContentLength = 25,
}
