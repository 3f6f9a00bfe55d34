using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Bridging;

/// <summary>
/// Transfers of a bridged call: a blind transfer (a REFER on either leg, which the bridge carries out as the transferee,
/// RFC 5589 §6) and an attended one (an INVITE with Replaces naming a leg, RFC 3891, <see cref="ReplaceLegAsync"/>).
/// Either way one leg gives its place to a new party, who is bridged to the remaining leg by a re-INVITE that carries
/// the new party's session description; one transfer at a time.
/// </summary>
public sealed partial class CallBridge
{
    /// <summary>The leg a transfer is taking away while it runs: its end is the transfer's to decide on, not the call's.</summary>
    private Dialog? _transferred;

    /// <summary>The latest blind transfer's new leg, cancelled with the call while it rings.</summary>
    private OutgoingCall? _transferCall;

    /// <summary>
    /// The bridge whose leg <paramref name="dialog"/> is now, e.g. the dialog an INVITE's Replaces names
    /// (<see cref="IncomingCall.Replaces"/>), or null when it is no bridge's leg. Any thread.
    /// </summary>
    /// <param name="dialog">A dialog of this stack.</param>
    /// <returns>The bridge, or null.</returns>
    public static CallBridge? OfLeg(Dialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        return dialog.Owner is CallBridge bridge && bridge.SideOf(dialog) != BridgeSide.None ? bridge : null;
    }

    /// <summary>
    /// Attended transfer (RFC 3891 §3, RFC 5589 §7): <paramref name="call"/>, whose Replaces names one of this call's legs
    /// (<see cref="IncomingCall.Replaces"/>), takes that leg's place. Its offer goes to the remaining leg in a re-INVITE,
    /// whose answer answers the new call; the stack then ends the replaced leg with BYE. When the remaining leg refuses
    /// the offer, or the call has no offer, ends or has a transfer in progress, the new call is refused and the call
    /// stays as it was. Any thread.
    /// </summary>
    /// <param name="call">The new call, not yet answered.</param>
    /// <returns>True when the new call was answered and bridged; false when it was refused.</returns>
    /// <exception cref="ArgumentException">The call replaces none of this bridge's legs.</exception>
    public async Task<bool> ReplaceLegAsync(IncomingCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        Dialog replaced = call.Replaces ?? throw new ArgumentException("The call replaces no dialog.", nameof(call));
        BridgeSide side = SideOf(replaced);
        if (side == BridgeSide.None)
        {
            throw new ArgumentException("The call replaces no leg of this bridge.", nameof(call));
        }

        if (call.Offer.IsEmpty)
        {
            await call.RejectAsync(488).ConfigureAwait(false); // An answer in the ACK would have to cross a re-INVITE's 200: not done.
            return false;
        }

        // A leg may be named as the call is being bridged (the caller's 200 is on its way): its end decides first.
        if (!await _bridged.Task.ConfigureAwait(false) || !TryStartTransfer(replaced, out Dialog? remaining))
        {
            await call.RejectAsync(491).ConfigureAwait(false); // Another transfer is in progress, or the call is not up.
            return false;
        }

        Dialog? joined = null;
        try
        {
            string offer = Encoding.UTF8.GetString(call.Offer.Span);
            string type = call.Request.GetHeaderValue(SipHeaderKind.ContentType) ?? "application/sdp";
            SipResponse? response = await ReInviteAsync(remaining, offer, type).ConfigureAwait(false);
            if (response is not { IsSuccess: true })
            {
                int status = response is null ? 491 : UpstreamStatus(response.StatusCode);
                await call.RejectAsync(status).ConfigureAwait(false);
                return false;
            }

            string? answer = response.Body.IsEmpty ? null : Encoding.UTF8.GetString(response.Body.Span);
            Action<Dialog> subscribe = side == BridgeSide.Caller ? _callerSideDialogCreated : _calleeDialogCreated;
            joined = await call.AnswerAsync(answer, subscribe, response.GetHeaderValue(SipHeaderKind.ContentType) ?? "application/sdp").ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or SipTransportException)
        {
            return false; // The new caller cancelled, or the stack stopped.
        }
        finally
        {
            FinishTransfer(replaced, side, joined);
        }
    }

    /// <summary>A REFER on a leg of the call: the bridge is the transferee (RFC 5589 §6). On the thread pool.</summary>
    private void OnReferReceived(object? sender, ReferReceivedEventArgs refer)
    {
        refer.Defer(); // Answered off this thread, by TransferAsync.
        _ = TransferAsync(refer);
    }

    private async Task TransferAsync(ReferReceivedEventArgs refer)
    {
        Dialog referrer = refer.Dialog;
        BridgeSide side = SideOf(referrer);
        Dialog? joined = null;
        bool started = false;
        try
        {
            BridgeTarget? route = side == BridgeSide.None || refer.ReferTo.Address.Uri is not SipUri uri ? null : _options.RouteTransfer?.Invoke(uri);
            if (route is not { } target)
            {
                await refer.RejectAsync(603).ConfigureAwait(false); // Not a leg of the call (a fork that lost), or nowhere to go.
                return;
            }

            if (!await _bridged.Task.ConfigureAwait(false) || !TryStartTransfer(referrer, out Dialog? remaining))
            {
                await refer.RejectAsync(491).ConfigureAwait(false); // Another transfer is in progress, or the call is not up.
                return;
            }

            started = true;
            var options = new InviteOptions
            {
                From = NewPartyFrom(remaining, target.NextHop),
                NextHop = target.NextHop,
                DialogCreated = side == BridgeSide.Caller ? _callerSideDialogCreated : _calleeDialogCreated,
            };
            ReadOnlyMemory<byte> description = remaining.RemoteSessionDescription;
            if (!description.IsEmpty)
            {
                options.SessionDescription = Encoding.UTF8.GetString(description.Span); // The remaining party's offer.
            }

            Volatile.Write(ref _target, target.NextHop is { } hop ? target.Uri + " via " + hop : target.Uri);
            OutgoingCall? call = await refer.AcceptAtAsync(target.Uri, options).ConfigureAwait(false);
            if (call is null)
            {
                return; // Could not be placed: the last NOTIFY said 503.
            }

            Volatile.Write(ref _transferCall, call);
            Dialog placed;
            try
            {
                placed = await call.Answered.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SipCallFailedException or OperationCanceledException)
            {
                return; // The NOTIFY reported the failure; the remaining leg stays up.
            }

            if (Volatile.Read(ref _ending) != 0)
            {
                await placed.DisposeAsync().ConfigureAwait(false); // The call ended while the new party was ringing.
                return;
            }

            ReadOnlyMemory<byte> answer = placed.RemoteSessionDescription;
            if (!answer.IsEmpty)
            {
                SipResponse? response = await ReInviteAsync(remaining, Encoding.UTF8.GetString(answer.Span), "application/sdp").ConfigureAwait(false);
                if (response is not { IsSuccess: true })
                {
                    await placed.DisposeAsync().ConfigureAwait(false); // The remaining party refused the new party's media.
                    return;
                }
            }

            joined = placed;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or SipTransportException)
        {
            // The REFER was answered already, the stack stopped, or a leg ended meanwhile.
        }
        finally
        {
            if (started)
            {
                FinishTransfer(referrer, side, joined);
            }
        }
    }

    /// <summary>Which side <paramref name="dialog"/> is the leg of now, or <see cref="BridgeSide.None"/>.</summary>
    private BridgeSide SideOf(Dialog dialog) =>
        ReferenceEquals(dialog, CallerDialog) ? BridgeSide.Caller : ReferenceEquals(dialog, CalleeDialog) ? BridgeSide.Callee : BridgeSide.None;

    /// <summary>
    /// Starts a transfer of <paramref name="leaving"/>: false when the call is not up (not answered, ending, the other leg
    /// gone) or another transfer runs.
    /// </summary>
    private bool TryStartTransfer(Dialog leaving, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Dialog? remaining)
    {
        remaining = null;
        if (Volatile.Read(ref _answeredAtTicks) == 0 || Volatile.Read(ref _ending) != 0 ||
            Interlocked.CompareExchange(ref _transferred, leaving, null) is not null)
        {
            return false;
        }

        BridgeSide side = SideOf(leaving);
        Dialog? other = side == BridgeSide.Caller ? CalleeDialog : side == BridgeSide.Callee ? CallerDialog : null;
        if (other is not { State: DialogState.Confirmed } || leaving.State == DialogState.Terminated)
        {
            Volatile.Write(ref _transferred, null);
            return false;
        }

        remaining = other;
        return true;
    }

    /// <summary>
    /// Ends a transfer: the new party's dialog, when it joined, takes <paramref name="leaving"/>'s place; otherwise the
    /// call stays as it was, and a leaving leg that ended meanwhile (the referrer hung up early) ends it now.
    /// </summary>
    private void FinishTransfer(Dialog leaving, BridgeSide side, Dialog? joined)
    {
        if (joined is not null)
        {
            if (side == BridgeSide.Caller)
            {
                Volatile.Write(ref _callerDialog, joined);
            }
            else
            {
                Volatile.Write(ref _calleeDialog, joined);
            }
        }

        Interlocked.Exchange(ref _transferred, null); // A full fence: the call's end, racing this, sees null or is seen below.
        Dialog current = joined ?? leaving;
        if (current.State == DialogState.Terminated)
        {
            OnLegEnded(current, side); // Its event came while the transfer ran, and was left to it.
        }
        else if (Volatile.Read(ref _ending) != 0)
        {
            _ = current.DisposeAsync().AsTask(); // The call ended while the transfer ran: the leg that stays in it goes too.
        }
    }

    /// <summary>A re-INVITE of the remaining leg; null when it could not be sent (an offer of its own in progress, or it ended).</summary>
    private static async Task<SipResponse?> ReInviteAsync(Dialog remaining, string offer, string contentType)
    {
        try
        {
            return await remaining.ReInviteAsync(offer, contentType).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The new leg's From: the remaining party's display name and user at this stack's own address.</summary>
    private string NewPartyFrom(Dialog remaining, SipEndPoint? nextHop)
    {
        _ = NameAddress.TryParse(remaining.RemoteUri, out NameAddress? party, out _);
        return HiddenAddress((party?.Uri as SipUri)?.User, party?.DisplayName, nextHop);
    }
}
