using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>
/// The UAS of <c>sipdialogs serve --mode uas</c>: rings if asked, answers every INVITE with 200 and its SDP, and hangs
/// up after a set time if asked. An application of the stack's public API like any other: the calls come to it off the
/// shards through <see cref="IncomingCallUas"/>, and the dialog layer does the rest (2xx until ACK and BYE when none
/// comes, RFC 3261 §13.3.1.4; re-INVITE, UPDATE, INFO, OPTIONS and BYE in the dialog).
/// </summary>
internal sealed class CallAnsweringUas : IncomingCallUas
{
    /// <summary>Makes the answerer.</summary>
    /// <param name="options">How to answer; validated.</param>
    /// <param name="timeProvider">The clock of the ringing and hang-up delays; the system's when null.</param>
    /// <param name="calls">Where the calls being answered and answered are held for the drain; none when null.</param>
    public CallAnsweringUas(CallAnsweringOptions options, TimeProvider? timeProvider = null, LiveCalls? calls = null)
        : base(Answering(options, timeProvider ?? TimeProvider.System, calls))
    {
    }

    private static Func<IncomingCall, CancellationToken, Task> Answering(CallAnsweringOptions options, TimeProvider time, LiveCalls? calls)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string sdp = options.AnswerSdp ?? CallAnsweringOptions.DefaultSdp;
        TimeSpan ring = options.RingFor ?? TimeSpan.Zero;
        TimeSpan hangUp = options.HangUpAfter ?? TimeSpan.Zero;
        if (calls is null)
        {
            return (call, cancelled) => AnswerAsync(call, sdp, ring, hangUp, time, null, cancelled);
        }

        return async (call, cancelled) =>
        {
            calls.SetupStarted();
            try
            {
                await AnswerAsync(call, sdp, ring, hangUp, time, calls, cancelled).ConfigureAwait(false);
            }
            finally
            {
                calls.SetupEnded();
            }
        };
    }

    private static async Task AnswerAsync(
        IncomingCall call, string sdp, TimeSpan ring, TimeSpan hangUp, TimeProvider time, LiveCalls? calls, CancellationToken cancelled)
    {
        if (ring > TimeSpan.Zero)
        {
            await call.RingAsync(cancelled).ConfigureAwait(false);
            await Task.Delay(ring, time, cancelled).ConfigureAwait(false); // A CANCEL ends the wait; the stack answered 487.
        }

        Dialog dialog;
        try
        {
            dialog = await call.AnswerAsync(sdp, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            calls?.Add(dialog); // Still counted as being set up until this returns: the drain sees no gap.
        }
        catch (InvalidOperationException)
        {
            // Cancelled meanwhile (the stack answered 487), or an INVITE that makes no dialog: no usable Contact, or
            // its dialog exists.
            if (!cancelled.IsCancellationRequested)
            {
                await call.RejectAsync(400, "Cannot Establish Dialog", CancellationToken.None).ConfigureAwait(false);
            }

            return;
        }

        if (hangUp > TimeSpan.Zero)
        {
            _ = HangUpAsync(dialog, hangUp, time);
        }
    }

    private static async Task HangUpAsync(Dialog dialog, TimeSpan after, TimeProvider time)
    {
        try
        {
            await Task.Delay(after, time).ConfigureAwait(false);
            if (dialog.State == DialogState.Confirmed)
            {
                await dialog.ByeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or SipTransportException)
        {
            // The caller hung up first, or the stack stopped: nothing left to end.
        }
    }
}
