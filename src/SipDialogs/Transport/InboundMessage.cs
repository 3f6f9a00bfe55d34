using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>A message as the transport received it: the message and where it came from and arrived.</summary>
/// <param name="Message">The parsed message.</param>
/// <param name="Remote">The sender: the source address of the datagram or connection.</param>
/// <param name="Local">The local end point it arrived on.</param>
/// <param name="ConnectionId">The connection it came on for TCP/TLS (responses go back on it, RFC 3261 §18.2.2), 0 for UDP.</param>
internal sealed record InboundMessage(SipMessage Message, SipEndPoint Remote, SipEndPoint Local, long ConnectionId);
