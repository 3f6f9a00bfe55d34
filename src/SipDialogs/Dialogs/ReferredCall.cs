using System.Text;
using System.Threading.Channels;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// The call a transferee places for an accepted REFER (RFC 3515 §2.4.3), and the NOTIFYs that follow it: each
/// provisional response above 100 and the final response, reported to the transferor as a sipfrag (§2.4.5).
/// </summary>
internal static class ReferredCall
{
    /// <summary>
    /// Calls the Refer-To target: From is the dialog's local URI, the offer this end's last session description, and
    /// Referred-By (RFC 3892 §3) and the URI's headers (Replaces, RFC 3891 §5; RFC 3261 §19.1.5) go into the INVITE.
    /// Never throws: a call that cannot be placed is reported by NOTIFY as 503, and null is returned.
    /// </summary>
    public static async Task<OutgoingCall?> PlaceAsync(
        Dialog dialog, ReferReceivedEventArgs refer, ReferNotifier? notifier, InviteOptions? options, string? requestUri = null)
    {
        options ??= new InviteOptions();
        options.From ??= dialog.LocalUri;
        ReadOnlyMemory<byte> sdp = dialog.LocalSessionDescription;
        if (options.SessionDescription is null && !sdp.IsEmpty)
        {
            options.SessionDescription = Encoding.UTF8.GetString(sdp.Span);
        }

        if (refer.ReferredBy is { } referredBy)
        {
            options.Headers.Add(new KeyValuePair<string, string>("Referred-By", referredBy.ToString()));
        }

        string referTo = refer.Target.ToString();
        if (!AddrSpec.TryParse(referTo, out AddrSpec? copy, out _) || copy is not SipUri target)
        {
            notifier?.Post(400, "Bad Refer-To"); // Checked when the REFER came; kept for safety.
            return null;
        }

        // RFC 3261 §19.1.5: the URI's headers become headers of the request; the rest of the URI is its target.
        for (int i = 0; i < target.Headers.Count; i++)
        {
            SipParameter header = target.Headers[i];
            if (!string.Equals(header.Name, "body", StringComparison.OrdinalIgnoreCase) && header.Value is not null)
            {
                options.Headers.Add(new KeyValuePair<string, string>(header.Name, header.Value));
            }
        }

        target.Headers.Clear();
        OutgoingCall call;
        try
        {
            call = await dialog.Layer.InviteAsync(requestUri ?? target.ToString(), options, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or SipTransportException or ObjectDisposedException or InvalidOperationException)
        {
            notifier?.Post(503, "Service Unavailable");
            return null;
        }

        if (notifier is not null)
        {
            _ = FollowAsync(call, notifier);
        }

        return call;
    }

    private static async Task FollowAsync(OutgoingCall call, ReferNotifier notifier)
    {
        ChannelReader<SipResponse> progress = call.Progress;
        while (await progress.WaitToReadAsync().ConfigureAwait(false))
        {
            while (progress.TryRead(out SipResponse? response))
            {
                if (response.StatusCode > 100)
                {
                    notifier.Post(response.StatusCode, response.ReasonPhrase);
                }
            }
        }

        try
        {
            await call.Answered.ConfigureAwait(false);
            notifier.Post(200, "OK");
        }
        catch (SipCallFailedException failed)
        {
            notifier.Post(failed.StatusCode == 0 ? 408 : failed.StatusCode, failed.Response?.ReasonPhrase);
        }
        catch (OperationCanceledException)
        {
            notifier.Post(487, "Request Terminated");
        }
    }
}
