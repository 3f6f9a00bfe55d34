namespace SipDialogs;

/// <summary>
/// The SIP timer values of RFC 3261 §17 and Table 4 (Appendix A), from which every transaction timer is derived:
/// T1 (round-trip estimate), T2 (cap on non-INVITE and response retransmission intervals), T4 (how long the network
/// may hold a message), and the delay before a server INVITE transaction sends 100 Trying on its own (§17.2.1).
/// Bound from configuration through <c>IOptions&lt;T&gt;</c>; <see cref="Validate"/> refuses nonsensical values at
/// startup.
/// </summary>
public sealed class SipTimerOptions
{
    /// <summary>
    /// T1, the round-trip time estimate (RFC 3261 §17.1.1.1). Default 500 ms, the RFC's recommended value; it may be
    /// lowered on a private network known to be faster. Timers A, E and G start at T1; B, F, H, J, L and M are 64*T1.
    /// </summary>
    public TimeSpan T1 { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// T2, the maximum retransmission interval for non-INVITE requests and INVITE responses (RFC 3261 §17.1.2.2,
    /// §17.2.1). Default 4 s, the RFC's value.
    /// </summary>
    public TimeSpan T2 { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// T4, the maximum duration a message remains in the network (RFC 3261 §17.1.2.2): Timers I and K on unreliable
    /// transports. Default 5 s, the RFC's value.
    /// </summary>
    public TimeSpan T4 { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Timer D: how long a client INVITE transaction stays Completed on an unreliable transport to absorb
    /// retransmitted final responses (RFC 3261 §17.1.1.2: at least 32 s). Default 32 s; it is never shorter than
    /// 64*T1 is long when T1 is raised, because the server retransmits for that long. On a network where T1 was
    /// lowered (a LAN, loopback), it may be lowered to 64*T1, the longest a server retransmits there.
    /// </summary>
    public TimeSpan TimerD { get; set; } = TimeSpan.FromSeconds(32);

    /// <summary>
    /// How long a server INVITE transaction waits for the transaction user's first response before it sends
    /// 100 Trying itself (RFC 3261 §17.2.1: "if the TU will not generate a provisional response within 200 ms").
    /// Default 200 ms. <see cref="TimeSpan.Zero"/> sends 100 Trying at once; <see cref="Timeout.InfiniteTimeSpan"/>
    /// never sends it.
    /// </summary>
    public TimeSpan TryingDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The defaults, for callers that configure nothing. Do not mutate it.</summary>
    internal static SipTimerOptions Default { get; } = new();

    /// <summary>64*T1: Timers B, F, H, J (unreliable), L and M (RFC 3261 §17, RFC 6026 §8.4, §8.7).</summary>
    internal TimeSpan SixtyFourT1 => T1 * 64;

    /// <summary>Timer D as used: <see cref="TimerD"/>, and never less than 64*T1 (RFC 3261 §17.1.1.2).</summary>
    internal TimeSpan EffectiveTimerD => TimerD >= SixtyFourT1 ? TimerD : SixtyFourT1;

    /// <summary>
    /// Checks the values for consistency.
    /// </summary>
    /// <exception cref="InvalidOperationException">A value is out of its range; the message names it.</exception>
    public void Validate()
    {
        if (T1 < TimeSpan.FromMilliseconds(1) || T1 > TimeSpan.FromSeconds(30))
        {
            throw new InvalidOperationException($"{nameof(T1)} must be between 1 ms and 30 s; it is {T1}.");
        }

        if (T2 < T1 || T2 > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException($"{nameof(T2)} must be at least {nameof(T1)} ({T1}) and at most 5 minutes; it is {T2}.");
        }

        if (T4 < TimeSpan.Zero || T4 > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException($"{nameof(T4)} must be between 0 and 5 minutes; it is {T4}.");
        }

        TimeSpan minimumD = SixtyFourT1 < TimeSpan.FromSeconds(32) ? SixtyFourT1 : TimeSpan.FromSeconds(32);
        if (TimerD < minimumD || TimerD > TimeSpan.FromMinutes(10))
        {
            throw new InvalidOperationException(
                $"{nameof(TimerD)} must be between 32 s (RFC 3261 §17.1.1.2; 64*T1 when T1 is lowered) and 10 minutes; it is {TimerD}.");
        }

        if (TryingDelay != Timeout.InfiniteTimeSpan && (TryingDelay < TimeSpan.Zero || TryingDelay > TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException(
                $"{nameof(TryingDelay)} must be between 0 and 10 s, or infinite to never send 100 Trying; it is {TryingDelay}.");
        }
    }
}
