namespace SipDialogs.Sdp;

/// <summary>
/// Which way media flows on a stream, from the point of view of the side that wrote the description (RFC 8866
/// §6.7, RFC 3264 §5.1, §6.1). Absent from a description, it is <see cref="SendRecv"/>.
/// </summary>
public enum SdpDirection
{
    /// <summary><c>a=sendrecv</c>: send and receive (the default).</summary>
    SendRecv = 0,

    /// <summary><c>a=sendonly</c>: send only; the usual way to put the other side on hold (RFC 3264 §8.4).</summary>
    SendOnly = 1,

    /// <summary><c>a=recvonly</c>: receive only.</summary>
    RecvOnly = 2,

    /// <summary><c>a=inactive</c>: neither.</summary>
    Inactive = 3,
}
