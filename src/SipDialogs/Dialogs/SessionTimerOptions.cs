namespace SipDialogs.Dialogs;

/// <summary>
/// Session timers (RFC 4028): each dialog's session is refreshed by re-INVITE or UPDATE at half its interval, and a
/// dialog whose refresh never comes is ended with BYE, so that a peer that died cannot leave a dialog behind.
/// </summary>
public sealed class SessionTimerOptions
{
    /// <summary>Use session timers (default true): ask for them in INVITEs sent, honour and offer them in INVITEs received.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The session interval asked for (Session-Expires, RFC 4028 §4); default 30 minutes, RFC 4028 §4's recommendation.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The smallest interval accepted (Min-SE, RFC 4028 §5): a request asking for less gets 422. Default and least 90 s.</summary>
    public TimeSpan MinimumInterval { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Checks the values.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (MinimumInterval < TimeSpan.FromSeconds(90) || MinimumInterval > TimeSpan.FromDays(1))
        {
            throw new InvalidOperationException($"{nameof(MinimumInterval)} must be between 90 s (RFC 4028 §4) and one day; it is {MinimumInterval}.");
        }

        if (Interval < MinimumInterval || Interval > TimeSpan.FromDays(1))
        {
            throw new InvalidOperationException($"{nameof(Interval)} must be between {nameof(MinimumInterval)} ({MinimumInterval}) and one day; it is {Interval}.");
        }
    }
}
