using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>The top Via made for a new request (RFC 3261 §8.1.1.7, §18.1.1) and where the request goes.</summary>
/// <param name="Value">The Via header value, <c>SIP/2.0/UDP host:port;branch=z9hG4bK…;rport</c>.</param>
/// <param name="Branch">Its branch, which names the client transaction (§17.1.3).</param>
/// <param name="Target">The next hop with the transport the Via names (UDP may have become TCP for a large request).</param>
internal readonly record struct RequestVia(string Value, string Branch, SipEndPoint Target);
