using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Dialogs;

/// <summary>
/// The state of one dialog (RFC 3261 §12): identifier, local and remote sequence numbers, local and remote URIs,
/// remote target, route set and secure flag, and whether it is early, confirmed or terminated.
/// </summary>
/// <remarks>
/// <para>
/// A dialog belongs to the shard of its Call-ID and is read and changed only on that shard's thread, so it holds no
/// lock and nothing in it is volatile. Code on another thread posts to the shard.
/// </para>
/// <para>
/// It is kept small, since a server holds a million of them: the identifier is one array, the URIs, the remote
/// target and the route set are the text they are written as in the headers of a request built from them, and the
/// empty sequence numbers of RFC 3261 §12.1 are -1 rather than a flag each.
/// </para>
/// </remarks>
public sealed partial class Dialog
{
    private const long EmptyCSeq = -1;

    private readonly string _localUri;
    private readonly string _remoteUri;
    private readonly string _localContact;
    private string[] _routeSet;
    private string _remoteTarget;
    private long _localCSeq;
    private long _remoteCSeq;
    private DialogState _state;
    private DialogEndReason _endReason;
    private bool _firstRouteIsStrict;

    private Dialog(
        DialogId id, bool isUac, bool isSecure, DialogState state, string localUri, string remoteUri, string localContact,
        string remoteTarget, string[] routeSet, bool firstRouteIsStrict, long localCSeq, long remoteCSeq, InviteUsage? invite)
    {
        Id = id;
        IsUac = isUac;
        IsSecure = isSecure;
        _state = state;
        _localUri = localUri;
        _remoteUri = remoteUri;
        _localContact = localContact;
        _remoteTarget = remoteTarget;
        _routeSet = routeSet;
        _firstRouteIsStrict = firstRouteIsStrict;
        _localCSeq = localCSeq;
        _remoteCSeq = remoteCSeq;
        _invite = invite;
    }

    /// <summary>The dialog's identifier as this end sees it (RFC 3261 §12).</summary>
    public DialogId Id { get; }

    /// <summary>True when this end sent the request that made the dialog (RFC 3261 §12.1.2).</summary>
    public bool IsUac { get; }

    /// <summary>
    /// The secure flag (RFC 3261 §12.1.1, §12.1.2): the creating request's Request-URI was a SIPS URI and it went
    /// over TLS.
    /// </summary>
    public bool IsSecure { get; }

    /// <summary>Early, confirmed or terminated.</summary>
    public DialogState State => (DialogState)Volatile.Read(ref Unsafe.As<DialogState, byte>(ref _state));

    /// <summary>Why the dialog ended; <see cref="DialogEndReason.None"/> while it is up. Any thread.</summary>
    public DialogEndReason EndReason => (DialogEndReason)Volatile.Read(ref Unsafe.As<DialogEndReason, byte>(ref _endReason));

    /// <summary>The local URI (From of the requests this end sends), as a name-addr without the tag.</summary>
    public string LocalUri => _localUri;

    /// <summary>The remote URI (To of the requests this end sends), as a name-addr without the tag.</summary>
    public string RemoteUri => _remoteUri;

    /// <summary>This end's Contact, as a name-addr: put in target refresh requests (RFC 3261 §12.2.1.1).</summary>
    internal string LocalContact => _localContact;

    /// <summary>The remote target: the peer's Contact URI, where requests go (RFC 3261 §12.1, §12.2).</summary>
    public string RemoteTarget => Volatile.Read(ref _remoteTarget);

    /// <summary>
    /// The route set, in the order requests follow it (RFC 3261 §12.1.1: Record-Route as received by the UAS;
    /// §12.1.2: reversed for the UAC), each value a name-addr with all its parameters.
    /// </summary>
    public IReadOnlyList<string> RouteSet => Volatile.Read(ref _routeSet);

    /// <summary>The local sequence number, or null while empty (a UAS's until it sends a request, RFC 3261 §12.1.1).</summary>
    internal uint? LocalCSeq => _localCSeq == EmptyCSeq ? null : (uint)_localCSeq;

    /// <summary>The remote sequence number, or null while empty (a UAC's until it gets a request, RFC 3261 §12.1.2).</summary>
    internal uint? RemoteCSeq => _remoteCSeq == EmptyCSeq ? null : (uint)_remoteCSeq;

    /// <summary>
    /// The dialog a UAS makes when it sends a response with a To tag, 101–199 (early) or 2xx (confirmed), to a
    /// dialog-creating request (RFC 3261 §12.1.1): route set = Record-Route in order, remote target = Contact,
    /// remote CSeq = the request's, local CSeq empty, remote URI = From, local URI = To, remote tag = From tag
    /// (empty when the peer sent none), local tag = the tag of the response.
    /// </summary>
    /// <param name="request">The request received, e.g. an INVITE.</param>
    /// <param name="statusCode">The status of the response sent: 101–299.</param>
    /// <param name="localTag">The To tag of the response.</param>
    /// <param name="localContact">The Contact of the response, a name-addr such as <c>&lt;sip:uas@192.0.2.1&gt;</c>; pass the same
    /// string to every dialog that shares it.</param>
    /// <param name="overTls">Whether the request arrived over TLS.</param>
    /// <param name="dialog">The dialog, on success.</param>
    /// <returns>False when the status makes no dialog, or the request has no usable Contact or Record-Route.</returns>
    internal static bool TryCreateAsUas(
        SipRequest request, int statusCode, string localTag, string localContact, bool overTls, [NotNullWhen(true)] out Dialog? dialog)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(localTag);
        ArgumentException.ThrowIfNullOrEmpty(localContact);
        dialog = null;
        if (statusCode is < 101 or > 299 ||
            !TryGetRemoteTarget(request, out string? remoteTarget) ||
            !request.TryGetRecordRoute(out IReadOnlyList<NameAddress>? recordRoute, out _) ||
            !request.TryGetFrom(out NameAddress? from, out _) ||
            !request.TryGetTo(out NameAddress? to, out _))
        {
            return false;
        }

        // RFC 3261 §12.1.1: the route set is the Record-Route list in order.
        string[] routeSet = recordRoute.Count == 0 ? [] : new string[recordRoute.Count];
        for (int i = 0; i < routeSet.Length; i++)
        {
            routeSet[i] = recordRoute[i].ToString();
        }

        var id = new DialogId(request.CallIdBytes, Encoding.UTF8.GetBytes(localTag), request.FromTag);
        dialog = new Dialog(
            id, isUac: false, IsSipsOverTls(request, overTls), statusCode < 200 ? DialogState.Early : DialogState.Confirmed,
            localUri: WithoutTag(to), remoteUri: WithoutTag(from), localContact, remoteTarget ?? request.RequestUriText,
            routeSet, IsStrict(recordRoute, 0), localCSeq: EmptyCSeq, remoteCSeq: request.CSeqNumber, new InviteUsage());
        if (request.Method == SipMethods.Invite)
        {
            dialog.SetRemoteBody(request); // The offer (RFC 3264 §5), unless it comes in the ACK.
        }

        return true;
    }

    /// <summary>
    /// The dialog a UAS makes with <paramref name="response"/>, a response it sends to <paramref name="request"/>
    /// (RFC 3261 §12.1.1): the local tag is its To tag and the local contact its Contact.
    /// </summary>
    /// <param name="request">The request received.</param>
    /// <param name="response">The response sent, 101–299 with a To tag and a Contact.</param>
    /// <param name="overTls">Whether the request arrived over TLS.</param>
    /// <param name="dialog">The dialog, on success.</param>
    /// <returns>False when the response makes no dialog or either message lacks what a dialog needs.</returns>
    internal static bool TryCreateAsUas(SipRequest request, SipResponse response, bool overTls, [NotNullWhen(true)] out Dialog? dialog)
    {
        ArgumentNullException.ThrowIfNull(response);
        dialog = null;
        return !response.ToTag.IsEmpty &&
            response.TryGetContact(out IReadOnlyList<ContactHeader>? contacts, out _) &&
            contacts.Count > 0 && contacts[0].Address is { } contact &&
            TryCreateAsUas(request, response.StatusCode, Encoding.UTF8.GetString(response.ToTag), contact.ToString(), overTls, out dialog);
    }

    /// <summary>
    /// The dialog a UAC makes from a response to its dialog-creating request: a 101–199 with a To tag (early) or a
    /// 2xx (confirmed) (RFC 3261 §12.1.2): route set = Record-Route of the response reversed, remote target = its
    /// Contact, local CSeq = the request's, remote CSeq empty, local URI = From, remote URI = To, local tag = From
    /// tag, remote tag = To tag. A response without Contact (allowed in a provisional) leaves the Request-URI as the
    /// remote target until a later response brings one.
    /// </summary>
    /// <param name="request">The request sent, e.g. an INVITE; its Contact becomes the local contact.</param>
    /// <param name="response">The response received.</param>
    /// <param name="overTls">Whether the request was sent over TLS.</param>
    /// <param name="dialog">The dialog, on success.</param>
    /// <returns>False when the response makes no dialog (100, a final non-2xx, no To tag) or a header is unusable.</returns>
    internal static bool TryCreateAsUac(SipRequest request, SipResponse response, bool overTls, [NotNullWhen(true)] out Dialog? dialog)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        dialog = null;
        if (response.StatusCode is < 101 or > 299 || response.ToTag.IsEmpty ||
            !request.TryGetContact(out IReadOnlyList<ContactHeader>? contacts, out _) ||
            contacts.Count == 0 || contacts[0].Address is not { } localContact ||
            !TryGetRemoteTarget(response, out string? remoteTarget) ||
            !TryGetReversedRouteSet(response, out string[]? routeSet, out bool firstRouteIsStrict) ||
            !response.TryGetFrom(out NameAddress? from, out _) ||
            !response.TryGetTo(out NameAddress? to, out _))
        {
            return false;
        }

        dialog = new Dialog(
            DialogId.ForUac(response), isUac: true, IsSipsOverTls(request, overTls),
            response.StatusCode < 200 ? DialogState.Early : DialogState.Confirmed,
            localUri: WithoutTag(from), remoteUri: WithoutTag(to), localContact.ToString(), remoteTarget ?? request.RequestUriText,
            routeSet, firstRouteIsStrict, localCSeq: request.CSeqNumber, remoteCSeq: EmptyCSeq, new InviteUsage());
        dialog.SetRemoteBody(response);
        return true;
    }

    /// <summary>
    /// Takes a request received within the dialog (RFC 3261 §12.2.2): a CSeq lower than the remote CSeq is out of
    /// order and changes nothing; otherwise the remote CSeq becomes the request's (set if it was empty), a target
    /// refresh request with a Contact replaces the remote target, and a BYE terminates the dialog (§15.1.2).
    /// An ACK carries its INVITE's number, which a later request may have passed: the runtime matches it by that number
    /// and does not pass it here.
    /// </summary>
    /// <param name="request">The request, already matched to this dialog.</param>
    /// <returns>Whether it was accepted or must be answered 500.</returns>
    internal InDialogRequestResult ReceiveRequest(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long number = request.CSeqNumber;
        if (_remoteCSeq != EmptyCSeq && number < _remoteCSeq)
        {
            return InDialogRequestResult.OutOfOrder;
        }

        bool moved = _remoteCSeq != number;
        _remoteCSeq = number;
        if (moved)
        {
            Changed(DialogChange.RemoteCSeqChanged);
        }

        string method = request.Method;
        if (IsTargetRefresh(method) && TryGetRemoteTarget(request, out string? target) && target is not null)
        {
            SetRemoteTarget(target);
        }
        else if (method == SipMethods.Bye)
        {
            MarkEnd(DialogEndReason.ByeReceived);
            SetState(DialogState.Terminated);
        }

        return InDialogRequestResult.Accepted;
    }

    /// <summary>
    /// Takes a response received to a request this end sent in (or to create) the dialog:
    /// <list type="bullet">
    /// <item>to the creating INVITE while early: a 2xx confirms the dialog and, for a UAC, recomputes the route set
    /// and remote target from it (RFC 3261 §13.2.2.4); a final non-2xx terminates it (§12.3);</item>
    /// <item>a 2xx to a target refresh request (re-INVITE, UPDATE) replaces the remote target with its Contact (§12.2.1.2);</item>
    /// <item>a 481 or 408 terminates the dialog (§12.2.1.2), as does any final response to a BYE (§15.1.1).</item>
    /// </list>
    /// </summary>
    /// <param name="response">The response, already matched to this dialog.</param>
    internal void ReceiveResponse(SipResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        int status = response.StatusCode;
        if (status < 200 || _state == DialogState.Terminated)
        {
            return;
        }

        string method = response.CSeqMethod;
        if (status is 481 or 408 || method == SipMethods.Bye)
        {
            MarkEnd(DialogEndReason.RequestFailed); // A BYE's own response: its reason was set as it left.
            SetState(DialogState.Terminated);
            return;
        }

        bool success = status < 300;
        if (_state == DialogState.Early && method == SipMethods.Invite)
        {
            if (!success)
            {
                SetState(DialogState.Terminated);
                return;
            }

            if (IsUac && TryGetReversedRouteSet(response, out string[]? routeSet, out bool firstRouteIsStrict))
            {
                Volatile.Write(ref _routeSet, routeSet);
                _firstRouteIsStrict = firstRouteIsStrict;
            }

            if (success && TryGetRemoteTarget(response, out string? confirmedTarget) && confirmedTarget is not null)
            {
                Volatile.Write(ref _remoteTarget, confirmedTarget);
            }

            SetRemoteBody(response);
            SetState(DialogState.Confirmed);
        }
        else if (success && method is SipMethods.Invite or SipMethods.Update)
        {
            SetRemoteBody(response); // The answer to our offer (RFC 3264 §6).
        }

        if (success && IsTargetRefresh(method) && TryGetRemoteTarget(response, out string? target) && target is not null)
        {
            SetRemoteTarget(target);
        }
    }

    /// <summary>A target refresh (RFC 3261 §12.2): told to the store when the target really moved.</summary>
    private void SetRemoteTarget(string target)
    {
        if (target != _remoteTarget)
        {
            Volatile.Write(ref _remoteTarget, target);
            Changed(DialogChange.TargetRefreshed);
        }
    }

    /// <summary>
    /// Takes a final response this end sends to the request that created the dialog (a UAS's early dialog):
    /// a 2xx to the INVITE confirms it, a non-2xx terminates it (RFC 3261 §12.1.1, §13.3.1.4).
    /// </summary>
    /// <param name="statusCode">The status sent.</param>
    /// <param name="method">The method of the request answered (its CSeq method).</param>
    internal void ResponseSent(int statusCode, string method)
    {
        if (_state != DialogState.Early || statusCode < 200 || method != SipMethods.Invite)
        {
            return;
        }

        SetState(statusCode < 300 ? DialogState.Confirmed : DialogState.Terminated);
    }

    /// <summary>Ends the dialog, e.g. when a BYE is sent and its transaction gives up (RFC 3261 §15.1.1).</summary>
    internal void Terminate() => SetState(DialogState.Terminated);

    /// <summary>Records why the dialog ends, once: the first cause stands. On the shard.</summary>
    internal void MarkEnd(DialogEndReason reason)
    {
        if (_endReason == DialogEndReason.None && _state != DialogState.Terminated)
        {
            Volatile.Write(ref Unsafe.As<DialogEndReason, byte>(ref _endReason), (byte)reason);
        }
    }

    /// <summary>Target refresh requests (RFC 3261 §12.2; UPDATE, RFC 3311 §5.1; SUBSCRIBE and NOTIFY, RFC 6665 §4.1.2.2).</summary>
    private static bool IsTargetRefresh(string method) =>
        method == SipMethods.Invite || method == SipMethods.Update || method == SipMethods.Subscribe || method == SipMethods.Notify;

    /// <summary>RFC 3261 §12.1.1, §12.1.2: the secure flag needs both a SIPS Request-URI and TLS.</summary>
    private static bool IsSipsOverTls(SipRequest request, bool overTls)
    {
        ReadOnlySpan<byte> uri = request.RequestUriBytes;
        return overTls && uri.Length > 5 && Ascii.EqualsIgnoreCase(uri[..5], "sips:"u8);
    }

    /// <summary>
    /// The URI of the first Contact, or null when the message has none (true) — false when Contact is malformed
    /// or a wildcard.
    /// </summary>
    private static bool TryGetRemoteTarget(SipMessage message, out string? target)
    {
        target = null;
        if (message.IndexOfHeader(SipHeaderKind.Contact) < 0)
        {
            return true;
        }

        if (!message.TryGetContact(out IReadOnlyList<ContactHeader>? contacts, out _) || contacts.Count == 0 ||
            contacts[0].Address is not { } address)
        {
            return false;
        }

        target = address.Uri.ToString();
        return true;
    }

    /// <summary>RFC 3261 §12.1.2: the UAC's route set is the response's Record-Route list, reversed.</summary>
    private static bool TryGetReversedRouteSet(SipResponse response, [NotNullWhen(true)] out string[]? routeSet, out bool firstRouteIsStrict)
    {
        firstRouteIsStrict = false;
        if (!response.TryGetRecordRoute(out IReadOnlyList<NameAddress>? recordRoute, out _))
        {
            routeSet = null;
            return false;
        }

        int count = recordRoute.Count;
        routeSet = count == 0 ? [] : new string[count];
        for (int i = 0; i < count; i++)
        {
            routeSet[i] = recordRoute[count - 1 - i].ToString();
        }

        firstRouteIsStrict = IsStrict(recordRoute, count - 1);
        return true;
    }

    /// <summary>Whether the route at <paramref name="index"/> is a strict router: a SIP URI without <c>lr</c> (RFC 3261 §16.12).</summary>
    private static bool IsStrict(IReadOnlyList<NameAddress> routes, int index) =>
        (uint)index < (uint)routes.Count && routes[index].Uri is SipUri { IsLooseRouter: false };

    /// <summary>The address as a name-addr with its display name and URI, without the tag (RFC 3261 §12.2.1.1 sets tags apart).</summary>
    private static string WithoutTag(NameAddress address) => new NameAddress(address.Uri, address.DisplayName).ToString();
}
