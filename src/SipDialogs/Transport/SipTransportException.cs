namespace SipDialogs.Transport;

/// <summary>A message could not be sent: no route, connection refused or reset, or the transport is closed.</summary>
public sealed class SipTransportException : IOException
{
    /// <summary>Creates the exception.</summary>
    public SipTransportException()
    {
    }

    /// <summary>Creates the exception with a message that says what failed.</summary>
    /// <param name="message">What failed, and where to.</param>
    public SipTransportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the cause.</summary>
    /// <param name="message">What failed, and where to.</param>
    /// <param name="innerException">The socket or TLS error behind it.</param>
    public SipTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
