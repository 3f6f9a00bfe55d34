namespace SipDialogs.Messages;

/// <summary>The form of the host in a SIP or SIPS URI (RFC 3261 §25.1 <c>host</c>).</summary>
public enum SipHostKind
{
    /// <summary>A domain name (RFC 3261 §25.1 <c>hostname</c>).</summary>
    Name = 0,

    /// <summary>An IPv4 address in dotted-quad form (RFC 3261 §25.1 <c>IPv4address</c>).</summary>
    IPv4 = 1,

    /// <summary>An IPv6 address in brackets (RFC 3261 §25.1 <c>IPv6reference</c>, RFC 5954).</summary>
    IPv6 = 2,
}
