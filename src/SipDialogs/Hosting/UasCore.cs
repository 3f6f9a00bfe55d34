using SipDialogs.Messages;

namespace SipDialogs.Hosting;

/// <summary>
/// The request checks every UAS makes before acting (RFC 3261 §8.2) and the answers of a UAS that serves nothing
/// yet but OPTIONS: a malformed request gets 400 with a reason naming the fault, an unknown method 501, a known
/// one it does not serve 405 with Allow (§8.2.1), a request inside a dialog it does not hold 481 (§12.2.2), an
/// unknown required extension 420 with Unsupported (§8.2.2.3), and OPTIONS 200 with Allow, Accept and Supported
/// (§11.2). Applications derive from it and override what they serve.
/// </summary>
public class UasCore : ISipRequestHandler
{
    private static readonly HashSet<string> s_knownMethods =
    [
        SipMethods.Invite, SipMethods.Ack, SipMethods.Bye, SipMethods.Cancel, SipMethods.Options, SipMethods.Register,
        SipMethods.Prack, SipMethods.Subscribe, SipMethods.Notify, SipMethods.Publish, SipMethods.Info, SipMethods.Refer,
        SipMethods.Message, SipMethods.Update,
    ];

    /// <summary>The methods this UAS serves, for Allow (RFC 3261 §20.5).</summary>
    public virtual string Allow => "OPTIONS";

    /// <summary>The extensions this UAS supports, for Supported (RFC 3261 §20.37) and the Require check.</summary>
    public virtual IReadOnlyCollection<string> Supported => [];

    /// <inheritdoc/>
    public void OnRequest(SipServerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        SipRequest message = request.Request;

        // The §8.2 checks read only what this UAS and the dialog layer use, in place: decoding stays on demand.
        if (!message.TryValidateAsUas(out SipParseError error))
        {
            request.Respond(error.StatusCode, error.ReasonPhrase);
            return;
        }

        if (!s_knownMethods.Contains(message.Method))
        {
            request.Respond(request.CreateResponse(501).Add(SipHeaderKind.Allow, Allow));
            return;
        }

        string? unsupported = FindUnsupported(message);
        if (unsupported is not null)
        {
            request.Respond(request.CreateResponse(420).Add(SipHeaderKind.Unsupported, unsupported));
            return;
        }

        if (!message.ToTag.IsEmpty && !HandleInDialog(request))
        {
            request.Respond(481);
            return;
        }

        if (message.ToTag.IsEmpty)
        {
            HandleOutOfDialog(request);
        }
    }

    /// <summary>A CANCEL matched a pending INVITE (RFC 3261 §9.2): the INVITE is answered 487.</summary>
    /// <param name="invite">The INVITE cancelled.</param>
    public virtual void OnCancel(SipServerRequest invite)
    {
        ArgumentNullException.ThrowIfNull(invite);
        invite.Respond(487);
    }

    /// <summary>
    /// A request outside any dialog that passed the §8.2 checks. The default answers OPTIONS; a request that lives only
    /// inside a dialog (BYE, INFO, UPDATE, PRACK, NOTIFY) gets 481 (§15.1.2), SUBSCRIBE 489 Bad Event (RFC 6665), and
    /// the rest 405 with Allow (§8.2.1).
    /// </summary>
    /// <param name="request">The request.</param>
    protected virtual void HandleOutOfDialog(SipServerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Request.Method == SipMethods.Options)
        {
            // RFC 3261 §11.2: Allow, Accept, Accept-Encoding, Accept-Language and Supported should be present
            // (Supported may be empty, §20.37).
            request.Respond(request.CreateResponse(200)
                .Add(SipHeaderKind.Allow, Allow)
                .Add(SipHeaderKind.Accept, "application/sdp")
                .Add(SipHeaderKind.AcceptEncoding, "identity")
                .Add(SipHeaderKind.AcceptLanguage, "en")
                .Add(SipHeaderKind.Supported, string.Join(", ", Supported)));
            return;
        }

        switch (request.Request.Method)
        {
            case SipMethods.Bye:
            case SipMethods.Info:
            case SipMethods.Update:
            case SipMethods.Prack:
            case SipMethods.Notify:
                // Requests that live only inside a dialog (or, for NOTIFY, a subscription) that this end does not
                // hold: RFC 3261 §15.1.2 and §12.2.2, RFC 6665 §4.1.3.
                request.Respond(481);
                return;
            case SipMethods.Subscribe:
                // No event package is served outside a dialog (RFC 6665 §3.1.2): 489 Bad Event.
                request.Respond(489);
                return;
            default:
                request.Respond(request.CreateResponse(405).Add(SipHeaderKind.Allow, Allow));
                return;
        }
    }

    /// <summary>A request inside a dialog (its To has a tag). Return false when no such dialog exists: 481.</summary>
    /// <param name="request">The request.</param>
    /// <returns>True when handled.</returns>
    protected virtual bool HandleInDialog(SipServerRequest request) => false;

    private string? FindUnsupported(SipRequest message)
    {
        // RFC 3261 §8.2.2.3: not for CANCEL, nor ACK (which never reach here). Without Require, one look at the index.
        if (message.Method == SipMethods.Cancel || message.IndexOfHeader(SipHeaderKind.Require) < 0)
        {
            return null;
        }

        List<string>? missing = null;
        foreach (string option in message.Require)
        {
            bool known = false;
            foreach (string supported in Supported)
            {
                if (string.Equals(option, supported, StringComparison.OrdinalIgnoreCase))
                {
                    known = true;
                    break;
                }
            }

            if (!known)
            {
                (missing ??= []).Add(option);
            }
        }

        return missing is null ? null : string.Join(", ", missing);
    }
}
