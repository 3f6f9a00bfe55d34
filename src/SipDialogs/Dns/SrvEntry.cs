namespace SipDialogs.Dns;

/// <summary>One SRV record (RFC 2782): where a service runs, with its priority and weight.</summary>
internal readonly record struct SrvEntry(int Priority, int Weight, int Port, string Target);
