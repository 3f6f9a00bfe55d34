using System.Collections.Concurrent;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// One dialog used from many threads at once, as an application may: its state read while requests go out, an offer
/// in flight, and a hang-up in the middle. Every call either completes or fails with the documented exception, and
/// the dialog ends cleanly on both sides.
/// </summary>
public sealed class DialogStressTests
{
    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
    private const string Answer = "v=0\r\no=bob 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";
    private const string OutOfOrder = " 500 out of order";
    private const int Workers = 8;
    private const int Iterations = 300;
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task ConcurrentReadsRequestsAReInviteAndAHangUpOnOneDialogAllEndCleanly()
    {
        var calleeDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) => calleeDialog.TrySetResult(await call.AnswerAsync(Answer, cancellationToken: ct)));
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);
        Dialog callee = await calleeDialog.Task.WaitAsync(s_timeout);

        string target = dialog.RemoteTarget;
        TimeSpan? interval = dialog.SessionInterval;
        Assert.Contains(parties.CalleePort, target, StringComparison.Ordinal);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var updates = new SemaphoreSlim(0); // Released as each UPDATE completes, so the re-INVITE can try again.
        var unexpected = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<string, int>();
        int done = 0;
        int refused = 0;
        DialogState stateAtHangUp = DialogState.Early;

        async Task WorkerAsync(int worker)
        {
            await start.Task;
            for (int i = 0; i < Iterations; i++)
            {
                CheckReads(dialog, target, interval, unexpected);
                int kind = (worker + i) % 3;
                string method = kind switch { 0 => SipMethods.Info, 1 => SipMethods.Update, _ => SipMethods.Options };
                try
                {
                    Task<SipResponse> request = kind switch
                    {
                        0 => dialog.InfoAsync("Signal=5\r\nDuration=160\r\n", "application/dtmf-relay"),
                        1 => dialog.UpdateAsync(null),
                        _ => dialog.SendRequestAsync(SipMethods.Options),
                    };
                    SipResponse response = await request.WaitAsync(s_timeout);
                    Record(statuses, method, response);
                }
                catch (InvalidOperationException) when (dialog.State == DialogState.Terminated || method == SipMethods.Update)
                {
                    // Documented: no request in a terminated dialog; an UPDATE while this end's re-INVITE is pending.
                    Interlocked.Increment(ref refused);
                }
                catch (Exception ex)
                {
                    unexpected.Enqueue($"{method}: {ex}");
                }

                if (kind == 1)
                {
                    updates.Release();
                }

                if (Interlocked.Increment(ref done) == Workers * Iterations / 2)
                {
                    halfway.TrySetResult();
                }
            }
        }

        async Task ReInviterAsync()
        {
            await start.Task;
            for (int version = 2; dialog.State != DialogState.Terminated; version++)
            {
                try
                {
                    string offer = Offer.Replace("1 1 IN", $"1 {version} IN", StringComparison.Ordinal);
                    SipResponse response = await dialog.ReInviteAsync(offer).WaitAsync(s_timeout);
                    Record(statuses, SipMethods.Invite, response);
                }
                catch (InvalidOperationException)
                {
                    // Documented: the dialog ended, or a worker's UPDATE is pending; try again once one has completed.
                    Interlocked.Increment(ref refused);
                    if (dialog.State != DialogState.Terminated)
                    {
                        await updates.WaitAsync(s_timeout);
                    }
                }
                catch (Exception ex)
                {
                    unexpected.Enqueue($"re-INVITE: {ex}");
                    return;
                }
            }
        }

        async Task HangUpAsync()
        {
            await halfway.Task;
            stateAtHangUp = dialog.State;
            await dialog.DisposeAsync();
        }

        Task[] all = [.. Enumerable.Range(0, Workers).Select(w => Task.Run(() => WorkerAsync(w))), Task.Run(ReInviterAsync), Task.Run(HangUpAsync)];
        start.SetResult();
        await Task.WhenAll(all).WaitAsync(TimeSpan.FromMinutes(2)); // Every request completed: none hangs.

        string summary = string.Join(", ", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {s.Value}")) + $", refused: {refused}";
        Assert.True(unexpected.IsEmpty, summary + "\n" + string.Join("\n", unexpected.Distinct().Take(20)));
        Assert.Equal(DialogState.Confirmed, stateAtHangUp); // Nothing ended the call before the hang-up.
        Assert.True(statuses.GetValueOrDefault("INVITE 200") >= 1, summary);
        Assert.True(statuses.Keys.All(s => s.EndsWith(" 200", StringComparison.Ordinal) || s.EndsWith(" 481", StringComparison.Ordinal) || s.EndsWith(OutOfOrder, StringComparison.Ordinal)), summary);
        Assert.Equal(DialogState.Terminated, dialog.State);
        await Poll.UntilAsync(() => callee.State == DialogState.Terminated, s_timeout, "the callee's dialog ends");
        await parties.AssertEverythingFreedAsync();
        Assert.Equal(0, parties.Caller.HandlerFaults);
        Assert.Equal(0, parties.Callee.HandlerFaults);
    }

    /// <summary>
    /// Counts a final response by method and status: 200; 481 for a request that reached the callee after the BYE; and
    /// 500 Request Out Of Order, which RFC 3261 §12.2.2 obliges the callee to send when UDP hands it a request after
    /// one with a higher CSeq (concurrent requests may cross on the way), kept apart from any other 500.
    /// </summary>
    private static void Record(ConcurrentDictionary<string, int> statuses, string method, SipResponse response)
    {
        string key = response.StatusCode == 500 && response.ReasonPhrase == "Request Out Of Order"
            ? method + OutOfOrder
            : $"{method} {response.StatusCode}";
        statuses.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    /// <summary>
    /// What another thread reads of a dialog is always whole and as negotiated: confirmed or terminated, the callee's
    /// target, no route, the session interval of the answer (re-INVITE and UPDATE refresh it, RFC 4028, without change).
    /// </summary>
    private static void CheckReads(Dialog dialog, string target, TimeSpan? interval, ConcurrentQueue<string> unexpected)
    {
        DialogState state = dialog.State;
        if (state is not (DialogState.Confirmed or DialogState.Terminated))
        {
            unexpected.Enqueue($"state {state}");
        }

        if (dialog.RemoteTarget != target)
        {
            unexpected.Enqueue($"remote target '{dialog.RemoteTarget}', not '{target}'");
        }

        if (dialog.RouteSet.Count != 0)
        {
            unexpected.Enqueue($"route set of {dialog.RouteSet.Count}");
        }

        if (dialog.SessionInterval != interval)
        {
            unexpected.Enqueue($"session interval {dialog.SessionInterval}, not {interval}");
        }

        if (dialog.IsAwaitingAck) // A UAC's dialog sends no 2xx to an INVITE.
        {
            unexpected.Enqueue("a UAC's dialog awaits an ACK");
        }
    }
}
