namespace SipDialogs.Sdp;

/// <summary>
/// Every reason for which a session description is refused. Parsing never throws on malformed input: it returns one
/// of these in an <see cref="SdpParseError"/>, with the line it concerns. A UAS answers an offer it cannot read with
/// 400 or 488 (RFC 3261 §13.3.1.1, RFC 3264 §6). The numeric values are stable: logs and metrics carry them.
/// </summary>
public enum SdpRejectReason
{
    /// <summary>The input holds no lines at all.</summary>
    Empty = 1,

    /// <summary>The first line is not <c>v=</c> (RFC 8866 §5.1).</summary>
    MissingVersion = 2,

    /// <summary>The <c>v=</c> line is not <c>v=0</c> (RFC 8866 §5.1).</summary>
    UnsupportedVersion = 3,

    /// <summary>A line is not <c>&lt;type&gt;=&lt;value&gt;</c> with a lower-case letter for type, or is empty (RFC 8866 §5).</summary>
    MalformedLine = 4,

    /// <summary>The input holds a byte that is not UTF-8, a control character, or a CR that does not end a line (RFC 8866 §5).</summary>
    InvalidCharacter = 5,

    /// <summary>A line's type letter is not one RFC 8866 defines; §5 asks that such a description be ignored.</summary>
    UnknownLineType = 6,

    /// <summary>A line stands where it may not: a session-level line after the first <c>m=</c>, or <c>v=</c> again (RFC 8866 §5).</summary>
    MisplacedLine = 7,

    /// <summary>A line that may appear once at session level appears again (<c>o=</c>, <c>s=</c>, <c>c=</c>).</summary>
    DuplicateLine = 8,

    /// <summary>There is no <c>o=</c> line (RFC 8866 §5.2).</summary>
    MissingOrigin = 9,

    /// <summary>The <c>o=</c> line does not have its six fields, or its version is not a 64-bit number (RFC 8866 §5.2).</summary>
    MalformedOrigin = 10,

    /// <summary>There is no <c>s=</c> line (RFC 8866 §5.3).</summary>
    MissingSessionName = 11,

    /// <summary>A <c>c=</c> line does not have its three fields (RFC 8866 §5.7).</summary>
    MalformedConnection = 12,

    /// <summary>A <c>t=</c> line is not two numbers (RFC 8866 §5.9).</summary>
    MalformedTiming = 13,

    /// <summary>A <c>b=</c> line is not <c>&lt;bwtype&gt;:&lt;bandwidth&gt;</c> (RFC 8866 §5.8).</summary>
    MalformedBandwidth = 14,

    /// <summary>An <c>m=</c> line does not have its media, port, proto and at least one format (RFC 8866 §5.14).</summary>
    MalformedMedia = 15,

    /// <summary>An <c>m=</c> line's port is not a number in 0–65535, or its port count is not a positive number.</summary>
    InvalidPort = 16,

    /// <summary>An <c>a=</c> line has no name, or a name that is not a token (RFC 8866 §5.13).</summary>
    MalformedAttribute = 17,
}
