using SipDialogs.Dialogs;
using SipDialogs.Messages;

namespace SipDialogs.Hosting;

/// <summary>
/// A UAS that passes each call (an INVITE outside any dialog) to the application as an <see cref="IncomingCall"/>, on
/// the thread pool, never on a shard: the application rings, answers, rejects or redirects it, and the stack runs the
/// dialog that follows (2xx until ACK, in-dialog requests, BYE). The rest of RFC 3261 §8.2 is <see cref="UasCore"/>'s.
/// </summary>
/// <remarks>
/// <para>
/// The call must have its final response when the task of <c>onCall</c> completes: one still unanswered then is
/// refused 480 Temporarily Unavailable, so no call is left waiting. A handler that throws is logged and counted and
/// its call refused 500.
/// </para>
/// <para>
/// Open to derivation, unlike the stack's other classes: to serve other requests besides calls, override
/// <see cref="UasCore.HandleOutOfDialog"/> and pass INVITE, and whatever else you do not serve, to the base.
/// </para>
/// </remarks>
public class IncomingCallUas : UasCore
{
    private readonly Func<IncomingCall, CancellationToken, Task> _onCall;

    /// <summary>Makes the UAS.</summary>
    /// <param name="onCall">Handles one call; its token fires when the caller cancels (CANCEL, RFC 3261 §9.2).</param>
    public IncomingCallUas(Func<IncomingCall, CancellationToken, Task> onCall)
    {
        ArgumentNullException.ThrowIfNull(onCall);
        _onCall = onCall;
    }

    /// <inheritdoc/>
    public override string Allow => DialogLayer.Allow;

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Supported => DialogLayer.Supported;

    /// <inheritdoc/>
    protected override void HandleOutOfDialog(SipServerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Request.Method != SipMethods.Invite || request.Stack is not { } stack)
        {
            base.HandleOutOfDialog(request);
            return;
        }

        if (stack.DialogLayer.CreateIncomingCall(request.Transaction) is not { } call)
        {
            return; // Answered 422 (RFC 4028 §9).
        }

        // RFC 3891 §3: a call that replaces a dialog reaches the application only once that dialog is found.
        if (!stack.DialogLayer.HoldForReplaces(call, static (c, s) => s.uas.Start(s.stack, c), (uas: this, stack)))
        {
            Start(stack, call);
        }
    }

    private void Start(SipStack stack, IncomingCall call) =>
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.uas.RunAsync(s.stack, s.call), (uas: this, stack, call), preferLocal: false);

    private async Task RunAsync(SipStack stack, IncomingCall call)
    {
        int status = 480;
        try
        {
            await _onCall(call, call.Cancelled).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (call.Cancelled.IsCancellationRequested)
        {
            // The caller cancelled; the stack answered 487.
        }
#pragma warning disable CA1031 // An application's handler must never hurt the stack: logged, counted, answered 500.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            status = 500;
            stack.ReportHandlerFault(SipMethods.Invite, exception);
        }

        try
        {
            await call.RejectAsync(status).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The stack stopped.
        }
    }
}
