using System.Globalization;
using SipDialogs.Messages;

namespace SipDialogs.Dialogs;

/// <summary>Building requests within the dialog (RFC 3261 §12.2.1.1).</summary>
public sealed partial class Dialog
{
    /// <summary>The Max-Forwards a UAC puts in a request (RFC 3261 §8.1.1.6).</summary>
    private const string MaxForwards = "70";

    /// <summary>
    /// The first local sequence number, for a UAS that sends its first request in the dialog: any value below 2^31
    /// will do (RFC 3261 §8.1.1.5, §12.2.1.1); 1, as in the RFC 3665 examples.
    /// </summary>
    private const long FirstLocalCSeq = 1;

    /// <summary>
    /// Starts a request within the dialog (RFC 3261 §12.2.1.1), taking the next local sequence number (the first one
    /// when empty): Request-URI and Route from the remote target and route set, loose or strict (below); From with
    /// the local URI and tag, To with the remote URI and tag, Call-ID, CSeq, Max-Forwards; Contact in a target
    /// refresh request. The transaction layer adds the Via; the caller adds any body.
    /// </summary>
    /// <remarks>
    /// When the first route is a loose router (<c>lr</c>), the Request-URI is the remote target and Route is the route
    /// set. When it is a strict router, the Request-URI is that route's URI (without the parameters a Request-URI may
    /// not hold, §19.1.1), and Route is the rest of the route set followed by the remote target.
    /// </remarks>
    /// <param name="method">The method, e.g. <see cref="SipMethods.Bye"/>; not ACK or CANCEL, which reuse the INVITE's number.</param>
    /// <returns>The request, without Via.</returns>
    /// <exception cref="ArgumentException"><paramref name="method"/> is ACK or CANCEL.</exception>
    /// <exception cref="InvalidOperationException">The dialog is terminated.</exception>
    internal SipMessageBuilder CreateRequest(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method == SipMethods.Ack || method == SipMethods.Cancel)
        {
            throw new ArgumentException($"{method} takes the sequence number of the INVITE it is for; use {nameof(CreateAck)} or {nameof(CreateCancel)}.", nameof(method));
        }

        if (_state == DialogState.Terminated)
        {
            throw new InvalidOperationException(_exported
                ? "The dialog was exported to another stack; nothing is sent for it here."
                : "The dialog is terminated; no request can be sent in it (RFC 3261 §12.3).");
        }

        _localCSeq = _localCSeq == EmptyCSeq ? FirstLocalCSeq : _localCSeq + 1;
        Changed(DialogChange.LocalCSeqUsed);
        return Build(method, (uint)_localCSeq);
    }

    /// <summary>
    /// Starts the ACK of a 2xx to an INVITE sent in this dialog (RFC 3261 §13.2.2.4): built like any request of the
    /// dialog, with the INVITE's sequence number; the local sequence number does not move.
    /// </summary>
    /// <param name="inviteCSeq">The CSeq number of the INVITE acknowledged.</param>
    /// <returns>The ACK, without Via.</returns>
    internal SipMessageBuilder CreateAck(uint inviteCSeq) => Build(SipMethods.Ack, inviteCSeq);

    /// <summary>
    /// Starts the CANCEL of an INVITE sent in this dialog (RFC 3261 §9.1): the INVITE's sequence number, and the same
    /// Request-URI, Route, From, To and Call-ID, which the dialog gives as long as its target has not moved since.
    /// </summary>
    /// <param name="inviteCSeq">The CSeq number of the INVITE cancelled.</param>
    /// <returns>The CANCEL, without Via (the transaction layer copies the INVITE's).</returns>
    internal SipMessageBuilder CreateCancel(uint inviteCSeq) => Build(SipMethods.Cancel, inviteCSeq);

    private SipMessageBuilder Build(string method, uint number)
    {
        SipMessageBuilder builder;
        string[] routeSet = _routeSet;
        if (routeSet.Length > 0 && _firstRouteIsStrict)
        {
            builder = SipMessageBuilder.Request(method, StrictRequestUri(routeSet[0]))
                .Add(SipHeaderKind.MaxForwards, MaxForwards);
            for (int i = 1; i < routeSet.Length; i++)
            {
                builder.Add(SipHeaderKind.Route, routeSet[i]);
            }

            builder.Add(SipHeaderKind.Route, "<" + _remoteTarget + ">");
        }
        else
        {
            builder = SipMessageBuilder.Request(method, _remoteTarget)
                .Add(SipHeaderKind.MaxForwards, MaxForwards);
            foreach (string route in routeSet)
            {
                builder.Add(SipHeaderKind.Route, route);
            }
        }

        builder.Add(SipHeaderKind.From, WithTag(_localUri, Id.LocalTag))
            .Add(SipHeaderKind.To, WithTag(_remoteUri, Id.RemoteTag))
            .Add(SipHeaderKind.CallId, Id.CallId)
            .Add(SipHeaderKind.CSeq, string.Create(CultureInfo.InvariantCulture, $"{number} {method}"));
        if (IsTargetRefresh(method))
        {
            builder.Add(SipHeaderKind.Contact, _localContact);
        }

        if (_layer?.Transactions.UserAgent is { Length: > 0 } product)
        {
            builder.Add(SipHeaderKind.UserAgent, product);
        }

        return builder;
    }

    /// <summary>An empty tag (a peer that sent none, RFC 3261 §12.1.1) is left out.</summary>
    private static string WithTag(string address, string tag) => tag.Length == 0 ? address : address + ";tag=" + tag;

    /// <summary>
    /// The URI of a strict router's route as a Request-URI: without the <c>method</c> parameter and headers, which a
    /// Request-URI may not carry (RFC 3261 §19.1.1 table 1, §12.2.1.1).
    /// </summary>
    private static string StrictRequestUri(string route)
    {
        if (!NameAddress.TryParse(route, out NameAddress? address, out _) || address.Uri is not SipUri uri)
        {
            // Only SIP URIs are taken as strict (see IsStrict), and they were parsed once already.
            throw new InvalidOperationException("The first route is not a SIP URI.");
        }

        uri.Parameters.Remove("method");
        uri.Headers.Clear();
        return uri.ToString();
    }
}
