using System.Diagnostics;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>
/// Places the calls of a <see cref="CallPlan"/> on a running stack: call i starts i / rate seconds after the first
/// (later when <see cref="CallPlan.MaxConcurrent"/> calls are in progress), waits for its answer, holds, and ends with
/// BYE. Stopping (Ctrl-C) places no more calls, cancels the unanswered ones (RFC 3261 §9.1) and ends the answered ones
/// with <see cref="Dialog.DisposeAsync"/>.
/// </summary>
internal sealed class CallRunner : IDisposable
{
    private static readonly TimeSpan s_dialogPollInterval = TimeSpan.FromMilliseconds(10);

    private readonly SipStack _stack;
    private readonly CallPlan _plan;
    private readonly TimeSpan _sixtyFourT1;
    private readonly SemaphoreSlim _slots;
    private readonly CallTally _tally = new();
    private readonly TaskCompletionSource _allFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _inProgress = 1; // The placing loop holds one until it has placed its last call.
    private string? _firstError;

    public CallRunner(SipStack stack, CallPlan plan, TimeSpan t1)
    {
        _stack = stack;
        _plan = plan;
        _sixtyFourT1 = 64 * t1;
        _slots = new SemaphoreSlim(plan.MaxConcurrent, plan.MaxConcurrent);
    }

    /// <summary>Places every call of the plan, or until <paramref name="stopping"/>, and waits until they have ended.</summary>
    /// <param name="stopping">Ctrl-C: stop placing calls and end the live ones.</param>
    /// <returns>The counts.</returns>
    public async Task<CallTally> RunAsync(CancellationToken stopping)
    {
        long start = Stopwatch.GetTimestamp();
        for (long index = 0; _plan.Includes(index) && !stopping.IsCancellationRequested; index++)
        {
            TimeSpan wait = _plan.DueAt(index) - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await _slots.WaitAsync(stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            Interlocked.Increment(ref _inProgress);
            _ = PlaceAsync(stopping); // Tracked by _inProgress; PlaceAsync never throws.
        }

        FinishOne();

        // Every step of a call ends by itself (the answer timeout, then the INVITE's and BYE's 64*T1 transaction
        // timeouts); this bound only keeps a fault from hanging the command.
        TimeSpan bound = _plan.AnswerTimeout + _plan.Hold + (3 * _sixtyFourT1) + TimeSpan.FromSeconds(5);
        await _allFinished.Task.WaitAsync(bound, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!_allFinished.Task.IsCompleted)
        {
            _tally.OnUnfinished(Volatile.Read(ref _inProgress));
        }

        if (Volatile.Read(ref _firstError) is { } error)
        {
            await Console.Error.WriteLineAsync("sipdialogs: call: " + error).ConfigureAwait(false);
        }

        return _tally;
    }

    /// <summary>Waits, at most 64*T1, until the stack holds no dialog (a 2xx that crossed a CANCEL is ended by BYE).</summary>
    /// <returns>The dialogs still live; 0 normally.</returns>
    public async Task<int> WaitForNoDialogsAsync()
    {
        long start = Stopwatch.GetTimestamp();
        using var tick = new PeriodicTimer(s_dialogPollInterval);
        while (_stack.DialogCount > 0 && Stopwatch.GetElapsedTime(start) < _sixtyFourT1)
        {
            await tick.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return _stack.DialogCount;
    }

    private async Task PlaceAsync(CancellationToken stopping)
    {
        try
        {
            await PlaceCoreAsync(stopping).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One call's fault is counted and reported; it never stops the run.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            NoteError(exception);
            _tally.OnError();
        }
        finally
        {
            _slots.Release();
            FinishOne();
        }
    }

    private async Task PlaceCoreAsync(CancellationToken stopping)
    {
        Dialog? dialog = await SetUpAsync(stopping).ConfigureAwait(false);
        if (dialog is null)
        {
            return;
        }

        if (_plan.Hold > TimeSpan.Zero)
        {
            await Task.Delay(_plan.Hold, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (stopping.IsCancellationRequested)
        {
            await dialog.DisposeAsync().ConfigureAwait(false); // BYE, and a peer that does not answer is no error here.
            _tally.OnEnded();
            return;
        }

        SipResponse bye;
        try
        {
            bye = await dialog.ByeAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (dialog.State == DialogState.Terminated)
        {
            _tally.OnEnded(); // The peer hung up first.
            return;
        }
        catch (SipTransportException exception)
        {
            NoteError(exception);
            _tally.OnByeFailed();
            return;
        }

        if (bye.StatusCode is >= 200 and < 300)
        {
            _tally.OnEnded();
        }
        else
        {
            _tally.OnByeFailed();
        }
    }

    /// <summary>Sends the INVITE and waits for its outcome; counts it; returns the dialog when answered.</summary>
    private async Task<Dialog?> SetUpAsync(CancellationToken stopping)
    {
        using var setup = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        setup.CancelAfter(_plan.AnswerTimeout);
        long sent = Stopwatch.GetTimestamp();
        OutgoingCall call;
        try
        {
            call = await _stack.InviteAsync(_plan.Target, _plan.Invite, setup.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return null; // Stopped before the INVITE left: not attempted.
        }
        catch (SipTransportException exception)
        {
            _tally.OnAttempted();
            NoteError(exception);
            _tally.OnError();
            return null;
        }

        _tally.OnAttempted();
        Task<Dialog> answered = call.Answered;
        await ((Task)answered).WaitAsync(setup.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!answered.IsCompleted)
        {
            // The answer timeout or Ctrl-C cancelled the call; once the shard has taken the cancel, an answer that came
            // before it shows in Answered, and a 2xx that comes after is acknowledged and ended with BYE by the stack.
            await call.CancelAsync().ConfigureAwait(false);
            if (!answered.IsCompleted && call.Progress.Count == 0)
            {
                // No provisional response: RFC 3261 §9.1 holds the CANCEL back until one comes, and only Timer B
                // (64*T1) would end the INVITE. The peer is silent; give up on the call now.
                CountUnanswered(stopping);
                return null;
            }

            // The CANCEL is out: the INVITE ends 487 (or 2xx) promptly, at the latest 64*T1 after the CANCEL.
            await ((Task)answered).WaitAsync(_sixtyFourT1 + TimeSpan.FromSeconds(1), CancellationToken.None)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (answered.IsCompletedSuccessfully)
        {
            _tally.OnAnswered(Stopwatch.GetElapsedTime(sent));
            return await answered.ConfigureAwait(false);
        }

        if (answered.Exception?.InnerException is SipCallFailedException refused)
        {
            _tally.OnRefused(refused.StatusCode);
            if (refused.StatusCode is 401 or 407 && _plan.Invite.Digest is not null)
            {
                NoteError(refused); // A challenge that credentials could not answer: the message says why.
            }
        }
        else if (answered.IsFaulted)
        {
            NoteError(answered.Exception!.InnerException!);
            _tally.OnError();
        }
        else
        {
            CountUnanswered(stopping); // Cancelled, or still pending after the bound.
        }

        return null;
    }

    private void CountUnanswered(CancellationToken stopping)
    {
        if (stopping.IsCancellationRequested)
        {
            _tally.OnCancelled();
        }
        else
        {
            _tally.OnTimedOut();
        }
    }

    /// <summary>Frees the concurrency slots once no call uses them (a call still running after the bound keeps them).</summary>
    public void Dispose()
    {
        if (_allFinished.Task.IsCompleted)
        {
            _slots.Dispose();
        }
    }

    private void NoteError(Exception exception) =>
        Interlocked.CompareExchange(ref _firstError, exception.GetType().Name + ": " + exception.Message, null);

    private void FinishOne()
    {
        if (Interlocked.Decrement(ref _inProgress) == 0)
        {
            _allFinished.TrySetResult();
        }
    }
}
