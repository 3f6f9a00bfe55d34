using SipDialogs.Dialogs;
using SipDialogs.Messages;

namespace SipDialogs.Hosting;

/// <summary>
/// A UAS that passes each call (an INVITE outside any dialog) to the application as an <see cref="IncomingCall"/>, off
/// the shards: the application rings, answers, rejects or redirects it, and the stack runs the dialog that follows
/// (2xx until ACK, in-dialog requests, BYE). The rest of RFC 3261 §8.2 is <see cref="UasCore"/>'s.
/// </summary>
/// <remarks>
/// <para>
/// <c>onCall</c> is called where the request handler is, in order with the other requests of the call's shard, and runs
/// there until its first <c>await</c>: it must not block. The call must have its final response when its task
/// completes: one still unanswered then is refused 480 Temporarily Unavailable, so no call is left waiting. A handler
/// that throws is logged and counted and its call refused 500.
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

        if (stack.DialogLayer.CreateIncomingCall(request.Transaction, request.Request) is not { } call)
        {
            return; // Answered 422 (RFC 4028 §9).
        }

        request.Call = call; // Its CANCEL now reaches the call, through the same queue, after this.
        if (call.Request.IndexOfHeader(SipHeaderKind.Replaces) < 0)
        {
            _ = RunAsync(stack, call);
            return;
        }

        // RFC 3891 §3: a call that replaces a dialog reaches the application only once that dialog is found, on the
        // dialog's shard; the answer comes back to the call's shard, and from there here, in order.
        if (!call.Shard.Post(static s => ((Replacing)s!).Hold(), new Replacing(this, stack, call)))
        {
            _ = call.RejectAsync(503).AsTask(); // The stack is stopping.
        }
    }

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

        if (call.HasFinalResponse)
        {
            return; // Answered, refused or cancelled: no need to ask the shard.
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

    /// <summary>A call whose INVITE carries Replaces, on its way to the replaced dialog's shard and back.</summary>
    private sealed class Replacing(IncomingCallUas uas, SipStack stack, IncomingCall call)
    {
        /// <summary>On the call's shard.</summary>
        public void Hold() => _ = stack.DialogLayer.HoldForReplaces(call, static (_, s) => s.Proceed(), this);

        /// <summary>Back on the call's shard, the dialog found: the call goes to the application, off the shard.</summary>
        private void Proceed() => _ = call.Shard.Outbox.Post(static s => ((Replacing)s!).Run(), this);

        private void Run() => _ = uas.RunAsync(stack, call);
    }
}
