namespace SipDialogs;

/// <summary>
/// Every size and count limit the stack enforces, in one place (bound from configuration through
/// <c>IOptions&lt;T&gt;</c>). Each default is chosen so that an ordinary SIP deployment never meets it while a
/// hostile peer cannot make the stack buffer without bound. <see cref="Validate"/> refuses nonsensical values at
/// startup.
/// </summary>
public sealed class SipLimits
{
    /// <summary>
    /// The largest message accepted, in bytes (start line, headers and body). Default 65,535: the largest UDP
    /// payload, so a datagram can never exceed it and a stream message may be as large as a datagram could be.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 65_535;

    /// <summary>
    /// The largest start line plus header block accepted, in bytes. Default 16,384: a heavily routed INVITE with
    /// dozens of Via and Record-Route entries stays well under 8 KiB; twice that leaves headroom.
    /// </summary>
    public int MaxHeaderBytes { get; set; } = 16_384;

    /// <summary>
    /// The most header lines one message may carry. Default 256: far above any legitimate message, and it bounds
    /// the header index a hostile message can make the parser build.
    /// </summary>
    public int MaxHeaderCount { get; set; } = 256;

    /// <summary>
    /// The most TCP and TLS connections open at once, accepted and opened together. Default 10,000: far above what
    /// one node's peers (a balancer, trunks, a few thousand registered clients) hold open, and low enough that a
    /// flood of connections cannot exhaust file descriptors or memory. Over the limit a new inbound connection is
    /// closed at once, and opening an outbound one fails.
    /// </summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>
    /// The most calls (live dialogs) at once; a new INVITE beyond it is answered 503 with Retry-After and counted, and
    /// requests inside the calls already up are never refused for it. Default 0: no limit but the mailboxes'.
    /// </summary>
    public int MaxCalls { get; set; }

    /// <summary>
    /// The time a connection may take from the first byte of a message to the message's last (its header block and
    /// the body Content-Length announces), and for a TLS handshake. Default 10 seconds: a real peer writes a
    /// message in one go, so this only ever cuts off a peer that trickles bytes to hold a connection and its
    /// buffers (the slowloris attack).
    /// </summary>
    public TimeSpan HeaderReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A connection with no traffic either way for this long is closed. Default 180 seconds: longer than the
    /// keep-alive interval of at most 120 seconds RFC 5626 §4.4.1 gives clients on connection-oriented flows, so a
    /// kept-alive flow is never closed, while connections nobody uses are reclaimed within minutes (RFC 3261
    /// §18.3 leaves the policy to the implementation).
    /// </summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>
    /// The time allowed to open an outbound connection, TLS handshake included. Default 10 seconds: a reachable
    /// peer answers in milliseconds, and a failure must surface well within Timer B / Timer F (32 s,
    /// RFC 3261 §17.1.1.2, §17.1.2.2) so the transaction can report it.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The time one send on a connection may wait for the peer to take the bytes. Default 10 seconds: a peer that
    /// stops reading fills the socket buffers, and every later send on that connection would wait behind it; such a
    /// connection is closed and its sends fail.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A request to a UDP target larger than this many bytes is sent over TCP instead (RFC 3261 §18.1.1: over
    /// 1300 bytes when the path MTU is unknown, so it is not fragmented). Default 1300, the RFC's figure; 0 turns
    /// the switch off. Only applies when the stack listens on TCP, so that the Via can name a TCP sent-by.
    /// </summary>
    public int UdpMaxRequestBytes { get; set; } = 1300;

    /// <summary>
    /// How many receive loops each UDP end point runs, one per socket, each with its own 64 KiB buffer. A socket has
    /// one loop, so one peer's datagrams are handled in the order they arrived (several loops on one socket would
    /// reorder them: a burst of in-dialog requests would meet §12.2.2's 500 for a lower CSeq). Above 1, on Linux,
    /// that many sockets share the port (SO_REUSEPORT) and the kernel keeps each peer's flow on one of them: order
    /// per peer holds and as many cores receive, when there are many peers (one peer, a balancer say, always lands on
    /// one socket). Elsewhere 1. Default 1: one loop receives, parses and hands on far more datagrams a second than
    /// the calls a core can serve, and a second process started on the same port fails to bind instead of sharing
    /// the traffic, which SO_REUSEPORT would let it do.
    /// </summary>
    public int UdpReceiveLoops { get; set; } = 1;

    /// <summary>
    /// The kernel receive buffer of each UDP socket, in bytes; 0 keeps the operating system's default. Default
    /// 4 MiB: at thousands of calls a second a burst or a garbage collection pause must not overflow the buffer and
    /// drop datagrams (the kernel may cap it, e.g. at Linux's net.core.rmem_max).
    /// </summary>
    public int UdpReceiveBufferBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// The kernel send buffer of each UDP socket, in bytes; 0 keeps the operating system's default. Default
    /// 4 MiB, for the same bursts as <see cref="UdpReceiveBufferBytes"/> on the way out.
    /// </summary>
    public int UdpSendBufferBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The defaults, for callers that configure nothing. Do not mutate it.</summary>
    internal static SipLimits Default { get; } = new();

    /// <summary>
    /// Checks the limits for consistency.
    /// </summary>
    /// <exception cref="InvalidOperationException">A limit is out of its range; the message names it.</exception>
    public void Validate()
    {
        if (MaxMessageBytes < 512)
        {
            throw new InvalidOperationException($"{nameof(MaxMessageBytes)} must be at least 512 bytes; it is {MaxMessageBytes}.");
        }

        if (MaxHeaderBytes < 256 || MaxHeaderBytes > MaxMessageBytes)
        {
            throw new InvalidOperationException(
                $"{nameof(MaxHeaderBytes)} must be between 256 and {nameof(MaxMessageBytes)} ({MaxMessageBytes}); it is {MaxHeaderBytes}.");
        }

        if (MaxHeaderCount < 8)
        {
            throw new InvalidOperationException($"{nameof(MaxHeaderCount)} must be at least 8; it is {MaxHeaderCount}.");
        }

        if (MaxCalls < 0)
        {
            throw new InvalidOperationException($"{nameof(MaxCalls)} must be 0 (no limit) or more; it is {MaxCalls}.");
        }

        if (MaxConnections < 1)
        {
            throw new InvalidOperationException($"{nameof(MaxConnections)} must be at least 1; it is {MaxConnections}.");
        }

        ValidateTimeout(HeaderReadTimeout, nameof(HeaderReadTimeout));
        ValidateTimeout(ConnectionIdleTimeout, nameof(ConnectionIdleTimeout));
        ValidateTimeout(ConnectTimeout, nameof(ConnectTimeout));
        ValidateTimeout(SendTimeout, nameof(SendTimeout));

        if (UdpMaxRequestBytes != 0 && (UdpMaxRequestBytes < 512 || UdpMaxRequestBytes > 65_507))
        {
            throw new InvalidOperationException(
                $"{nameof(UdpMaxRequestBytes)} must be 0 (off) or between 512 and 65,507 bytes; it is {UdpMaxRequestBytes}.");
        }

        if (UdpReceiveLoops is < 1 or > 256)
        {
            throw new InvalidOperationException($"{nameof(UdpReceiveLoops)} must be between 1 and 256; it is {UdpReceiveLoops}.");
        }

        if (UdpReceiveBufferBytes < 0 || UdpSendBufferBytes < 0)
        {
            throw new InvalidOperationException(
                $"{nameof(UdpReceiveBufferBytes)} and {nameof(UdpSendBufferBytes)} must be 0 (system default) or positive; they are {UdpReceiveBufferBytes} and {UdpSendBufferBytes}.");
        }
    }

    private static void ValidateTimeout(TimeSpan value, string name)
    {
        if (value < TimeSpan.FromMilliseconds(10) || value > TimeSpan.FromDays(1))
        {
            throw new InvalidOperationException($"{name} must be between 10 ms and one day; it is {value}.");
        }
    }
}
