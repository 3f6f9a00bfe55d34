using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Sdp;
using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>
/// The UAS of <c>sipdialogs serve --mode uas</c>: rings if asked, answers every INVITE with 200 and an SDP answer made
/// from its capabilities by RFC 3264 (only offered formats, the direction mirrored, streams it cannot take at port 0;
/// 488 when it can take none), answers re-INVITE and UPDATE offers the same way (hold and resume), and hangs up after a
/// set time if asked. It sends and receives no media. An application of the stack's public API like any other: the
/// calls come to it off the shards through <see cref="IncomingCallUas"/>, and the dialog layer does the rest (2xx until
/// ACK and BYE when none comes, RFC 3261 §13.3.1.4; INFO, OPTIONS and BYE in the dialog).
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
        MediaCapabilities capabilities = options.GetCapabilities();
        TimeSpan ring = options.RingFor ?? TimeSpan.Zero;
        TimeSpan hangUp = options.HangUpAfter ?? TimeSpan.Zero;
        if (calls is null)
        {
            return (call, cancelled) => AnswerAsync(call, capabilities, ring, hangUp, time, null, cancelled);
        }

        return async (call, cancelled) =>
        {
            calls.SetupStarted();
            try
            {
                await AnswerAsync(call, capabilities, ring, hangUp, time, calls, cancelled).ConfigureAwait(false);
            }
            finally
            {
                calls.SetupEnded();
            }
        };
    }

    private static async Task AnswerAsync(
        IncomingCall call, MediaCapabilities capabilities, TimeSpan ring, TimeSpan hangUp, TimeProvider time, LiveCalls? calls, CancellationToken cancelled)
    {
        // One offer/answer session per call; its dialog's events run one at a time, so it is never used concurrently.
        var session = new OfferAnswerSession(capabilities, "sipdialogs");
        string answer;
        if (call.Offer.IsEmpty)
        {
            answer = session.CreateOffer().ToString(); // A delayed offer (RFC 3261 §13.2.1): the 200 offers, the ACK answers.
        }
        else if (!TryAnswer(session, call.Offer, out answer, out int refusal, out string? reason))
        {
            await call.RejectAsync(refusal, reason, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        if (ring > TimeSpan.Zero)
        {
            await call.RingAsync(cancelled).ConfigureAwait(false);
            await Task.Delay(ring, time, cancelled).ConfigureAwait(false); // A CANCEL ends the wait; the stack answered 487.
        }

        Dialog dialog;
        try
        {
            dialog = await call.AnswerAsync(answer, d => d.RequestReceived += (_, e) => OnRequest(session, e), cancellationToken: CancellationToken.None)
                .ConfigureAwait(false);
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

    /// <summary>
    /// A re-INVITE or UPDATE is answered from the session (a hold offer gets recvonly or inactive, RFC 3264 §8.4); a
    /// re-INVITE without an offer gets one. Every other request is left to the dialog's own answers.
    /// </summary>
    private static void OnRequest(OfferAnswerSession session, DialogRequestEventArgs request)
    {
        string answer;
        if (request.Method == SipMethods.Invite && request.Body.IsEmpty)
        {
            answer = session.CreateOffer().ToString();
        }
        else if (request.Method is SipMethods.Invite or SipMethods.Update && !request.Body.IsEmpty)
        {
            if (!TryAnswer(session, request.Body, out answer, out int refusal, out string? reason))
            {
                request.Defer();
                _ = request.RespondAsync(refusal, reason).AsTask();
                return;
            }
        }
        else
        {
            return;
        }

        request.Defer();
        _ = request.AcceptAsync(answer).AsTask();
    }

    /// <summary>The answer to an offer, or the refusal: 400 for SDP that cannot be read, 488 when no stream can be taken.</summary>
    private static bool TryAnswer(OfferAnswerSession session, ReadOnlyMemory<byte> offer, out string answer, out int refusal, out string? reason)
    {
        answer = string.Empty;
        if (!SessionDescription.TryParse(offer.Span, out SessionDescription? description, out string why))
        {
            (refusal, reason) = (400, "Malformed SDP: " + why);
            return false;
        }

        SessionDescription made = session.CreateAnswer(description);
        foreach (MediaDescription media in made.Media)
        {
            if (!media.IsRejected)
            {
                answer = made.ToString();
                (refusal, reason) = (0, null);
                return true;
            }
        }

        (refusal, reason) = (488, null); // RFC 3261 §13.3.1.1: no stream of the offer can be taken.
        return false;
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
