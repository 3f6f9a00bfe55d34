namespace SipDialogs.Messages;

/// <summary>
/// The one table that maps each <see cref="SipRejectReason"/> to the status code a refused request is answered
/// with and to a reason phrase that names the fault (RFC 3261 §21.4.1: "the reason phrase SHOULD identify the
/// syntax problem in more detail"). Responses that fail to parse are dropped, never answered (RFC 3261 §18.1.2).
/// </summary>
public static class SipRejectReasons
{
    /// <summary>The status code a request refused for <paramref name="reason"/> deserves.</summary>
    /// <param name="reason">Why the request was refused.</param>
    /// <returns>400 for syntax faults, 505 for an unsupported SIP version, 513 for oversize messages.</returns>
    public static int GetStatusCode(SipRejectReason reason) => reason switch
    {
        SipRejectReason.UnsupportedVersion => 505,      // RFC 3261 §21.5.7
        SipRejectReason.HeaderBlockTooLarge => 513,     // RFC 3261 §21.5.8
        SipRejectReason.MessageTooLarge => 513,
        _ => 400,                                       // RFC 3261 §21.4.1
    };

    /// <summary>The reason phrase for <paramref name="error"/>, naming the header concerned when there is one.</summary>
    /// <param name="error">The parse error.</param>
    /// <returns>A phrase such as "Malformed Via" or "Missing Call-ID".</returns>
    public static string GetReasonPhrase(in SipParseError error)
    {
        string? header = error.HeaderDisplayName;
        return error.Reason switch
        {
            SipRejectReason.Empty => "Empty Message",
            SipRejectReason.MalformedStartLine => "Malformed Start Line",
            SipRejectReason.InvalidMethod => "Invalid Method",
            SipRejectReason.MalformedRequestUri => "Malformed Request-URI",
            SipRejectReason.UnsupportedVersion => "Version Not Supported",
            SipRejectReason.InvalidStatusCode => "Invalid Status Code",
            SipRejectReason.MalformedHeaderLine => header is null ? "Malformed Header Line" : "Malformed " + header,
            SipRejectReason.UnterminatedHeaderBlock => "Incomplete Header Block",
            SipRejectReason.HeaderBlockTooLarge => "Header Block Too Large",
            SipRejectReason.MessageTooLarge => "Message Too Large",
            SipRejectReason.MissingHeader => "Missing " + (header ?? "Header"),
            SipRejectReason.DuplicateHeader => "Duplicate " + (header ?? "Header"),
            SipRejectReason.MalformedHeader => "Malformed " + (header ?? "Header"),
            SipRejectReason.ValueOutOfRange => (header ?? "Value") + " Out Of Range",
            SipRejectReason.CSeqMethodMismatch => "CSeq Method Mismatch",
            SipRejectReason.BodyShorterThanContentLength => "Body Shorter Than Content-Length",
            SipRejectReason.MissingContentLength => "Missing Content-Length",
            SipRejectReason.MalformedContentLength => "Malformed Content-Length",
            SipRejectReason.UnterminatedQuotedString => WithHeader("Unterminated Quoted String", header),
            SipRejectReason.MalformedUri => WithHeader("Malformed URI", header),
            SipRejectReason.InvalidEscape => WithHeader("Invalid Escape", header),
            SipRejectReason.InvalidHost => WithHeader("Invalid Host", header),
            SipRejectReason.InvalidPort => WithHeader("Invalid Port", header),
            SipRejectReason.MalformedParameter => WithHeader("Malformed Parameter", header),
            SipRejectReason.InvalidCharacter => WithHeader("Invalid Character", header),
            _ => "Bad Request",
        };
    }

    private static string WithHeader(string phrase, string? header) => header is null ? phrase : phrase + " in " + header;
}
