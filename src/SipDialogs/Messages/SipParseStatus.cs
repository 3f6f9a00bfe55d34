namespace SipDialogs.Messages;

/// <summary>The three outcomes of reading a message from input: it never throws on bad input.</summary>
public enum SipParseStatus
{
    /// <summary>A whole message was read.</summary>
    Complete = 0,

    /// <summary>The input ends before the message does: read more bytes and try again (streams only).</summary>
    Incomplete = 1,

    /// <summary>The input is not a valid message; <see cref="SipParseError"/> says why.</summary>
    Rejected = 2,
}
