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
    }
}
