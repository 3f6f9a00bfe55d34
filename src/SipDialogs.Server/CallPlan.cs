using SipDialogs.Dialogs;

namespace SipDialogs.Server;

/// <summary>What <c>sipdialogs call</c> does: which calls, how many or for how long, how fast, and how each one goes.</summary>
/// <param name="Target">The Request-URI of every call.</param>
/// <param name="Invite">The INVITE's From, next hop and offer, shared by every call (the stack only reads it).</param>
/// <param name="Calls">How many calls to place, or null when <paramref name="Duration"/> bounds the run.</param>
/// <param name="Duration">How long to keep placing calls, or null when <paramref name="Calls"/> counts them.</param>
/// <param name="Rate">Calls started per second, on a schedule: call i starts i / rate seconds after the first.</param>
/// <param name="Hold">Time between the answer and the BYE.</param>
/// <param name="MaxConcurrent">Calls in progress at most; the next scheduled call waits for one to end.</param>
/// <param name="AnswerTimeout">How long a call may go unanswered before it is cancelled and counted as a timeout.</param>
internal sealed record CallPlan(
    string Target, InviteOptions Invite, long? Calls, TimeSpan? Duration, double Rate, TimeSpan Hold, int MaxConcurrent, TimeSpan AnswerTimeout)
{
    /// <summary>Whether call number <paramref name="index"/> (from 0) is part of the plan.</summary>
    /// <param name="index">The call's number.</param>
    /// <returns>False once the count is reached or the call would start after the duration.</returns>
    public bool Includes(long index) =>
        Calls is long calls ? index < calls : index / Rate < Duration!.Value.TotalSeconds;

    /// <summary>When call number <paramref name="index"/> is due, from the start of the run.</summary>
    /// <param name="index">The call's number.</param>
    /// <returns>Its start time.</returns>
    public TimeSpan DueAt(long index) => TimeSpan.FromSeconds(index / Rate);
}
