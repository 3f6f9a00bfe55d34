namespace SipDialogs.Messages;

/// <summary>
/// Thrown by a typed accessor of <see cref="SipMessage"/> (such as <see cref="SipMessage.Via"/> or
/// <see cref="SipRequest.RequestUri"/>) when the header or URI it decodes is present but malformed. Parsing itself
/// never throws, and neither need reading: each accessor has a <c>TryGet</c> method (such as
/// <see cref="SipMessage.TryGetVia"/> or <see cref="SipRequest.TryGetRequestUri"/>) that returns false with the same
/// <see cref="SipParseError"/>, and <see cref="SipMessage.TryValidate"/> checks every known header at once.
/// </summary>
public sealed class SipMessageException : FormatException
{
    /// <summary>Creates an exception for a generic message fault.</summary>
    public SipMessageException()
        : this(new SipParseError(SipRejectReason.MalformedHeader))
    {
    }

    /// <summary>Creates an exception with a custom message and a generic fault.</summary>
    /// <param name="message">The message.</param>
    public SipMessageException(string message)
        : base(message)
    {
        Error = new SipParseError(SipRejectReason.MalformedHeader);
    }

    /// <summary>Creates an exception with a custom message, a generic fault and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public SipMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new SipParseError(SipRejectReason.MalformedHeader);
    }

    /// <summary>Creates an exception for <paramref name="error"/>; the message is the error's text.</summary>
    /// <param name="error">What was wrong, with the header and offset concerned.</param>
    public SipMessageException(SipParseError error)
        : base(error.ToString())
    {
        Error = error;
    }

    /// <summary>What was wrong: the reason, the header concerned and where its value starts.</summary>
    public SipParseError Error { get; }
}
