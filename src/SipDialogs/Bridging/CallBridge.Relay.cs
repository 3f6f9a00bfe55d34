using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Bridging;

/// <summary>The requests of one leg that cross to the other: offers in re-INVITE and UPDATE (RFC 3264), and INFO.</summary>
public sealed partial class CallBridge
{
    private void OnCallerRequest(object? sender, DialogRequestEventArgs e)
    {
        if (ReferenceEquals(e.Dialog, CallerDialog))
        {
            Relay(e, fromCaller: true); // A transfer's new leg before it takes the caller's place: the stack answers alone.
        }
    }

    private void OnCalleeRequest(object? sender, DialogRequestEventArgs e)
    {
        if (CalleeDialog is not { } callee || ReferenceEquals(e.Dialog, callee))
        {
            Relay(e, fromCaller: false); // A fork that lost is not the call: the stack answers it alone.
        }
    }

    /// <summary>
    /// Takes an offer or an INFO across; leaves every other request (a session refresh without an offer, OPTIONS) to
    /// the leg's own answers, which keep each leg's session timer its own.
    /// </summary>
    private void Relay(DialogRequestEventArgs request, bool fromCaller)
    {
        string method = request.Method;
        bool offer = method is SipMethods.Invite or SipMethods.Update && !request.Body.IsEmpty;
        if (!offer && method != SipMethods.Info)
        {
            return;
        }

        request.Defer();
        _ = RelayAsync(request, fromCaller, offer);
    }

    private async Task RelayAsync(DialogRequestEventArgs request, bool fromCaller, bool offer)
    {
        try
        {
            Dialog? other;
            if (request.Dialog.State == DialogState.Early)
            {
                // In an early dialog of the callee (an UPDATE or INFO during early media, RFC 3311 §5.1, RFC 6086): it
                // crosses to the caller's early dialog, which the provisional responses that crossed made. Before one
                // has (the request overtook the 18x it follows), an offer gets 491 so that the callee tries again
                // (RFC 3311 §5.2), and an INFO 500.
                other = fromCaller ? null : _caller.Dialog;
                if (other is not { State: DialogState.Early or DialogState.Confirmed })
                {
                    await request.RespondAsync(offer ? 491 : 500).ConfigureAwait(false);
                    return;
                }
            }
            else
            {
                // A request as the call is being bridged (the callee's re-INVITE right after its ACK, while the caller is
                // still being answered) waits for the other leg; one as the call ends finds none.
                other = await _bridged.Task.ConfigureAwait(false) ? (fromCaller ? CalleeDialog : CallerDialog) : null;
                if (other is null || other.State != DialogState.Confirmed || !ReferenceEquals(request.Dialog, fromCaller ? CallerDialog : CalleeDialog))
                {
                    await request.RespondAsync(481).ConfigureAwait(false);
                    return;
                }
            }

            string? body = request.Body.IsEmpty ? null : Encoding.UTF8.GetString(request.Body.Span);
            string type = request.Request.GetHeaderValue(SipHeaderKind.ContentType) ?? (offer ? "application/sdp" : "application/info");
            _stack.Metrics?.Relayed(fromCallee: !fromCaller, response: false);
            SipResponse response;
            try
            {
                response = request.Method switch
                {
                    SipMethods.Invite => await other.ReInviteAsync(body, type).ConfigureAwait(false),
                    SipMethods.Update => await other.UpdateAsync(body, type).ConfigureAwait(false),
                    _ => await other.InfoAsync(body, type).ConfigureAwait(false),
                };
            }
            catch (InvalidOperationException)
            {
                // The other leg has an offer of its own in progress (glare across the bridge): this leg's peer tries
                // again later (RFC 3261 §14.2); or the other leg ended meanwhile.
                await request.RespondAsync(other.State == DialogState.Terminated ? 481 : 491).ConfigureAwait(false);
                return;
            }

            _stack.Metrics?.Relayed(fromCallee: fromCaller, response: true); // The answer comes from the other leg.
            if (!response.IsSuccess)
            {
                int status = UpstreamStatus(response.StatusCode);
                await request.RespondAsync(status, status == response.StatusCode ? response.ReasonPhrase : null).ConfigureAwait(false);
            }
            else if (offer)
            {
                string? answer = response.Body.IsEmpty ? null : Encoding.UTF8.GetString(response.Body.Span);
                await request.AcceptAsync(answer, response.GetHeaderValue(SipHeaderKind.ContentType) ?? "application/sdp").ConfigureAwait(false);
            }
            else
            {
                await request.RespondAsync(response.StatusCode, response.ReasonPhrase).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SipTransportException or InvalidOperationException)
        {
            // The stack stopped, or the request's leg ended: there is no one left to answer.
        }
    }
}
