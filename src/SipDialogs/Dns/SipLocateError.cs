namespace SipDialogs.Dns;

/// <summary>Why <see cref="SipServerLocator.LocateAsync"/> found no target.</summary>
public enum SipLocateError
{
    /// <summary>Targets were found.</summary>
    None = 0,

    /// <summary>The name has no usable NAPTR, SRV, A or AAAA records (or does not exist).</summary>
    NoRecords,

    /// <summary>A CNAME chain came back to a name already seen, or was longer than 8 links.</summary>
    CnameLoop,

    /// <summary>An answer came back truncated and could not be had whole (over TCP).</summary>
    Truncated,

    /// <summary>No DNS server answered in time.</summary>
    ServerUnreachable,

    /// <summary>The DNS server answered with an error (SERVFAIL, REFUSED, a malformed answer).</summary>
    ServerFailure,

    /// <summary>The URI asks for a transport this stack has not (<c>transport=sctp</c>, <c>ws</c>, UDP with <c>sips</c>).</summary>
    UnsupportedTransport,
}
