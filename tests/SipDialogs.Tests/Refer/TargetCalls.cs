using System.Collections.Concurrent;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Refer;

/// <summary>
/// How the transfer target answers, user by user, as the test decides: a call to a user the test has already given a
/// status is answered (200) or rejected at once; any other rings (180) and waits for the test's word. Answered dialogs
/// are kept so the test can end them from the target's side.
/// </summary>
internal sealed class TargetCalls
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<int>> _verdicts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _ringing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Dialog>> _answered = new(StringComparer.Ordinal);

    /// <summary>The target's call handler (for <see cref="Trio.StartAsync"/>).</summary>
    public async Task HandleAsync(IncomingCall call, CancellationToken cancellationToken)
    {
        string user = ((SipUri)call.Request.RequestUri).User ?? string.Empty;
        TaskCompletionSource<int> verdict = Verdict(user);
        if (!verdict.Task.IsCompleted)
        {
            await call.RingAsync(cancellationToken);
            Ringing(user).TrySetResult();
        }

        int status = await verdict.Task.WaitAsync(cancellationToken);
        if (status >= 300)
        {
            await call.RejectAsync(status, cancellationToken: cancellationToken);
            return;
        }

        Answered(user).TrySetResult(await call.AnswerAsync(Trio.Sdp, cancellationToken: cancellationToken));
    }

    /// <summary>Answers the user's call: now if it rings, at once if it comes later.</summary>
    public void Answer(string user) => Verdict(user).TrySetResult(200);

    /// <summary>Rejects the user's call with <paramref name="status"/>: now if it rings, at once if it comes later.</summary>
    public void Reject(string user, int status = 486) => Verdict(user).TrySetResult(status);

    /// <summary>Completes when the user's call has rung.</summary>
    public Task RingingAsync(string user) => Ringing(user).Task.WaitAsync(CallTests.Timeout);

    /// <summary>Ends the user's answered call with BYE from the target, once the caller's ACK has confirmed it.</summary>
    public async Task HangUpAsync(string user)
    {
        Dialog dialog = await Answered(user).Task.WaitAsync(CallTests.Timeout);
        await Poll.UntilAsync(() => dialog.State == DialogState.Confirmed, CallTests.Timeout, user + "'s call is confirmed");
        Assert.Equal(200, (await dialog.ByeAsync().WaitAsync(CallTests.Timeout)).StatusCode);
    }

    private TaskCompletionSource<int> Verdict(string user) =>
        _verdicts.GetOrAdd(user, static _ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource Ringing(string user) =>
        _ringing.GetOrAdd(user, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource<Dialog> Answered(string user) =>
        _answered.GetOrAdd(user, static _ => new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously));
}
