using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>
/// <c>serve</c> as the transferee of a blind transfer (RFC 3515, RFC 5589 §6). It accepts a REFER (202; the stack then
/// reports the new call's progress by NOTIFY), places the referred call, and ends it as <c>call</c> ends its calls:
/// held for <see cref="ServeTransferOptions.Hold"/> once answered, then BYE. The call the REFER came in is left as it
/// is, for the transferor to end with BYE. Stopping accepts no more REFERs (503), cancels the referred calls not yet
/// answered, ends the held ones at once, and waits for them.
/// </summary>
internal sealed class Transferee : IDisposable
{
    private readonly ServeTransferOptions _options;
    private readonly SipStackOptions _stackOptions;
    private readonly string _answerSdp;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _inProgress = 1; // Held by the running service until it stops, so that 0 means "stopped, none left".
    private int _stopped;

    public Transferee(
        IOptions<ServeTransferOptions> options, IOptions<SipStackOptions> stackOptions, IOptions<CallAnsweringOptions> answering, ILogger<Transferee> logger)
    {
        _options = options.Value;
        _stackOptions = stackOptions.Value;
        _answerSdp = answering.Value.AnswerSdp ?? CallAnsweringOptions.DefaultSdp;
        _logger = logger;
    }

    /// <summary>Takes the stack's REFERs, when transfers are accepted; before the stack listens. Otherwise the stack declines them 603.</summary>
    public void Attach(SipStack stack)
    {
        if (_stackOptions.Transfers.AcceptReferrals)
        {
            stack.ReferReceived += OnReferReceived;
        }
    }

    /// <summary>Stops taking transfers and ends the referred calls in progress; waits for them until <paramref name="cancellationToken"/>.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            FinishOne();
        }

        await _allEnded.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>On the thread pool, in order with the dialog's other events; the answer is given off this thread.</summary>
    private void OnReferReceived(object? sender, ReferReceivedEventArgs refer)
    {
        refer.Defer(); // Otherwise the stack would answer when this returns, before TransferAsync does.
        if (Volatile.Read(ref _stopped) != 0 || Interlocked.Increment(ref _inProgress) == 1)
        {
            _ = DeclineAsync(refer); // Stopping: a count back at 0 has been reported, so this one is not counted.
            return;
        }

        _ = TransferAsync(refer); // Counted in _inProgress; never throws.
    }

    private static async Task DeclineAsync(ReferReceivedEventArgs refer)
    {
        try
        {
            await refer.RejectAsync(503).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The stack stopped first: the REFER goes unanswered, as every request does then.
        }
    }

    private async Task TransferAsync(ReferReceivedEventArgs refer)
    {
        string target = refer.ReferTo.Address.Uri.ToString();
        try
        {
            // In a call the stack offers the call's own session; a REFER outside any dialog has none, so serve's answer.
            InviteOptions? invite = refer.IsInDialog
                ? null
                : new InviteOptions { SessionDescription = _answerSdp };
            OutgoingCall? call = await refer.AcceptAsync(invite, CancellationToken.None).ConfigureAwait(false);
            if (call is null)
            {
                ServerLog.ReferredCallUnanswered(_logger, target, 503); // The last NOTIFY said so too.
                return;
            }

            if (await AnsweredAsync(call, target).ConfigureAwait(false) is { } dialog)
            {
                await HoldAndEndAsync(dialog, target).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // One transfer's fault is logged; it never reaches the stack or stops serve.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            ServerLog.TransferFault(_logger, target, exception);
        }
        finally
        {
            FinishOne();
        }
    }

    /// <summary>
    /// The referred call's dialog once answered; null when refused, or cancelled (stopping, or still unanswered when the
    /// subscription ends: the transferor has then been told it timed out).
    /// </summary>
    private async Task<Dialog?> AnsweredAsync(OutgoingCall call, string target)
    {
        Task<Dialog> answered = call.Answered;
        if (!answered.IsCompleted)
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            bound.CancelAfter(_stackOptions.Transfers.SubscriptionDuration);
            await ((Task)answered).WaitAsync(bound.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!answered.IsCompleted)
            {
                // Once the shard has taken the cancel, an answer that came before it shows in Answered; a 2xx that comes
                // after it is acknowledged and ended with BYE by the stack.
                await call.CancelAsync().ConfigureAwait(false);
            }
        }

        int status = 487; // Cancelled, or still waiting for the CANCEL's outcome.
        if (answered.IsCompleted)
        {
            try
            {
                return await answered.ConfigureAwait(false); // Completed: no wait.
            }
            catch (SipCallFailedException refused)
            {
                status = refused.StatusCode;
            }
            catch (OperationCanceledException)
            {
                // Cancelled: 487.
            }
        }

        ServerLog.ReferredCallUnanswered(_logger, target, status);
        return null;
    }

    private async Task HoldAndEndAsync(Dialog dialog, string target)
    {
        if (_options.Hold > TimeSpan.Zero)
        {
            await Task.Delay(_options.Hold, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        SipResponse bye;
        try
        {
            bye = await dialog.ByeAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (dialog.State == DialogState.Terminated)
        {
            return; // The target hung up first.
        }
        catch (SipTransportException exception)
        {
            ServerLog.TransferFault(_logger, target, exception);
            return;
        }

        if (bye.StatusCode >= 300)
        {
            ServerLog.ReferredCallByeRefused(_logger, target, bye.StatusCode);
        }
    }

    private void FinishOne()
    {
        if (Interlocked.Decrement(ref _inProgress) == 0)
        {
            _allEnded.TrySetResult();
        }
    }
}
