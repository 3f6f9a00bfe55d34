using System.Net.Sockets;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Bridging;

/// <summary>
/// A back-to-back user agent's call (RFC 3261 §6, "B2BUA"): the call received (the A leg, an <see cref="IncomingCall"/>)
/// linked to a call this stack places (the B leg, an <see cref="OutgoingCall"/>). The legs are two independent dialogs,
/// usually on two shards; the bridge holds no lock and runs on neither: it reacts to each leg's events on the thread
/// pool and acts on the other leg through its public methods, which post to that leg's shard.
/// </summary>
/// <remarks>
/// <para>
/// Topology is hidden by construction: the B leg is a new call with its own Call-ID, tags, Via, Contact and CSeq, and
/// its From keeps only the caller's display name and user. Only <see cref="BridgeOptions.CrossingHeaders"/> cross.
/// </para>
/// <para>
/// What crosses: provisional responses but 100 (with their body: 183 with early media), the final response (a 2xx
/// answers the caller with the callee's session description; a refusal is the application's to pass on, with
/// <see cref="UpstreamStatus"/> applying RFC 3261 §16.7's rule), CANCEL (the caller's cancels the B leg), re-INVITE and
/// UPDATE offers and their answers (each leg keeps its own CSeq and glare handling: an offer that meets the other leg's
/// own offer in progress gets 491 on its leg), INFO, and the end of either leg, which ends the other with BYE.
/// Session refreshes (a re-INVITE or UPDATE without an offer) and OPTIONS are answered by each leg itself: session
/// timers run per leg (RFC 4028), and a leg that expires ends the call. Forks on the B leg are the stack's: the first 2xx
/// wins, later ones are acknowledged and ended with BYE (§13.2.2.4); every fork's provisional responses cross.
/// </para>
/// <para>
/// Transfers (RFC 5589): with <see cref="BridgeOptions.RouteTransfer"/> set, a REFER on either leg makes the bridge the
/// transferee, which calls the routed target with the remaining party's offer, reports the call's progress to the
/// referrer by NOTIFY and, once it answers, re-INVITEs the remaining leg with the target's session description and
/// bridges the two; the referrer ends its leg with BYE as usual. A target that fails leaves the call as it was. An
/// INVITE with Replaces naming a leg takes that leg's place through <see cref="ReplaceLegAsync"/>. The remaining
/// party's answer to the re-INVITE does not go back to the new party, who already has the remaining party's offer: give
/// both the same answer (most do), or re-offer from the application.
/// </para>
/// <para>
/// A caller's INVITE without an offer (a delayed offer, RFC 3264 §5) places the B leg without one too: the callee's
/// offer in its 2xx goes to the caller in the 200, and the answer in the caller's ACK goes to the callee in the B leg's
/// ACK, which the bridge holds until then (<see cref="InviteOptions.AnswerInAck"/>).
/// </para>
/// </remarks>
public sealed partial class CallBridge : IAsyncDisposable
{
    private readonly SipStack _stack;
    private readonly IncomingCall _caller;
    private readonly BridgeOptions _options;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource<CallRecord> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once both legs are up and known; false when the call ended first.</summary>
    private readonly TaskCompletionSource<bool> _bridged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DateTimeOffset _startedAt;
    private readonly Action<Dialog> _prepareCaller;
    private readonly Action<Dialog> _calleeDialogCreated;
    private readonly Action<Dialog> _callerSideDialogCreated;
    private readonly Action<Dialog, object?> _callerAcked;
    private OutgoingCall? _attempt;
    private Dialog? _callerDialog;
    private Dialog? _calleeDialog;
    private string? _target;
    private long _answeredAtTicks;
    private int _ending;
    private int _connecting;

    /// <summary>Makes the bridge for a call received; nothing is sent until <see cref="ConnectAsync"/> or <see cref="RejectAsync"/>.</summary>
    /// <param name="stack">The running stack the call came to, which places the B leg.</param>
    /// <param name="caller">The call received: the A leg.</param>
    /// <param name="options">What crosses; the defaults when null.</param>
    /// <param name="timeProvider">The clock of the call record's times; the system's when null.</param>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public CallBridge(SipStack stack, IncomingCall caller, BridgeOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(caller);
        _stack = stack;
        _caller = caller;
        _options = options ?? new BridgeOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _startedAt = _time.GetUtcNow();
        CalleeCallId = SipIds.NewCallId();
        _prepareCaller = PrepareCallerDialog;
        _calleeDialogCreated = OnCalleeDialogCreated;
        _callerSideDialogCreated = SubscribeCallerSide;
        _callerAcked = OnCallerAck;
    }

    /// <summary>The call received (the A leg).</summary>
    public IncomingCall Caller => _caller;

    /// <summary>
    /// The Call-ID every B leg of this bridge carries, drawn when the bridge is made (before any INVITE leaves), so that
    /// an application can recognise the call coming back to it in a loop (RFC 3261 §8.2.2.2, 482).
    /// </summary>
    public string CalleeCallId { get; }

    /// <summary>The call placed by the latest <see cref="ConnectAsync"/> (the B leg), or null before.</summary>
    public OutgoingCall? Callee => Volatile.Read(ref _attempt);

    /// <summary>
    /// The A leg's confirmed dialog once the call is bridged; after a transfer of the caller's side, the dialog of the
    /// party that took the caller's place.
    /// </summary>
    public Dialog? CallerDialog => Volatile.Read(ref _callerDialog);

    /// <summary>The B leg's confirmed dialog once the callee answered; after a transfer of the callee's side, the new party's.</summary>
    public Dialog? CalleeDialog => Volatile.Read(ref _calleeDialog);

    /// <summary>Completes once the call has ended on both legs, with its record.</summary>
    public Task<CallRecord> Ended => _ended.Task;

    /// <summary>
    /// The status to send the caller for a final status received from downstream (RFC 3261 §16.7 step 6): a 503 means
    /// the next hop is unavailable, not this element, so the caller gets 500 instead. A 401 or 407 that the B leg could
    /// not answer (no <see cref="BridgeOptions.Digest"/>, or its credentials refused) becomes 403: the challenge was for
    /// the bridge's credentials, which the caller neither has nor may be asked for, and the challenge headers stay on
    /// the B side. Anything else passes.
    /// </summary>
    /// <param name="statusCode">The downstream status.</param>
    /// <returns>The upstream status.</returns>
    public static int UpstreamStatus(int statusCode) => statusCode switch
    {
        503 => 500,
        401 or 407 => 403,
        _ => statusCode,
    };

    /// <summary>
    /// Places the B leg to <paramref name="target"/> and bridges it when it answers: its provisional responses reach the
    /// caller as they come, and its 2xx answers the caller with the callee's session description. A refusal leaves the
    /// caller without a final response, for the application to try another target or to <see cref="RejectAsync"/>.
    /// The B leg's Max-Forwards is one less than the caller's (RFC 3261 §16.6 step 3); at 0 no B leg is placed and the
    /// attempt fails 483. One attempt at a time; any thread.
    /// </summary>
    /// <param name="target">The B leg's Request-URI, e.g. <c>sip:bob@192.0.2.4:5060</c>.</param>
    /// <param name="nextHop">Where to send it (an outbound proxy or the target's address), or null for the URI's own address.</param>
    /// <param name="cancellationToken">Cancels the B leg while it has no final response, as the caller's CANCEL does.</param>
    /// <returns>How the attempt ended.</returns>
    /// <exception cref="InvalidOperationException">Another attempt is in progress, or the call is bridged already.</exception>
    public async Task<BridgeAttempt> ConnectAsync(string target, SipEndPoint? nextHop = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (Interlocked.Exchange(ref _connecting, 1) != 0)
        {
            throw new InvalidOperationException("The bridge is connecting or connected already.");
        }

        BridgeAttempt attempt = await ConnectCoreAsync(target, nextHop, cancellationToken).ConfigureAwait(false);
        if (attempt.Outcome == BridgeAttemptOutcome.Failed)
        {
            Volatile.Write(ref _connecting, 0);
        }
        else if (attempt.Outcome == BridgeAttemptOutcome.Cancelled)
        {
            End(BridgeSide.Caller, CallEndCause.Cancelled, 487);
        }

        return attempt;
    }

    /// <summary>
    /// Refuses the call with a final status (after every target failed, or before any was tried) and ends the bridge:
    /// <see cref="Ended"/> completes, with <see cref="CallEndCause.Refused"/> when no B leg was placed. Any thread.
    /// </summary>
    /// <param name="statusCode">300–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's when null.</param>
    /// <param name="retryAfter">A Retry-After to send, e.g. with 503 for capacity; none when null.</param>
    /// <returns>False when the caller had its final response already (a CANCEL came first).</returns>
    public async ValueTask<bool> RejectAsync(int statusCode, string? reasonPhrase = null, TimeSpan? retryAfter = null)
    {
        bool sent = false;
        try
        {
            sent = retryAfter is { } after
                ? await _caller.RejectAsync(statusCode, after, reasonPhrase).ConfigureAwait(false)
                : await _caller.RejectAsync(statusCode, reasonPhrase).ConfigureAwait(false);
        }
        finally
        {
            // Ended whatever happened, a stack stopping meanwhile included: nothing waits on a bridge that never ends.
            bool placed = Volatile.Read(ref _attempt) is not null;
            End(placed ? BridgeSide.Callee : BridgeSide.Bridge, placed ? CallEndCause.Rejected : CallEndCause.Refused, sent ? statusCode : 487);
        }

        return sent;
    }

    /// <summary>
    /// Ends the call: BYE on each leg that is up, or, while the B leg is being placed, CANCEL to it and 480 to the caller.
    /// Idempotent, any thread; completes once <see cref="Ended"/> has.
    /// </summary>
    /// <returns>Completes when the call has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.CompareExchange(ref _ending, 1, 0) == 0)
        {
            int status = 200;
            if (Volatile.Read(ref _answeredAtTicks) == 0)
            {
                try
                {
                    if (Volatile.Read(ref _attempt) is { } attempt)
                    {
                        await attempt.CancelAsync().ConfigureAwait(false);
                    }

                    status = await _caller.RejectAsync(480).ConfigureAwait(false) ? 480 : 487;
                }
                catch (ObjectDisposedException)
                {
                    status = 487; // The stack stopped, and the call with it.
                }
            }

            await FinishAsync(CallerDialog, CalleeDialog, BridgeSide.Bridge, CallEndCause.Ended, status).ConfigureAwait(false);
        }

        await _ended.Task.ConfigureAwait(false);
    }

    private async Task<BridgeAttempt> ConnectCoreAsync(string target, SipEndPoint? nextHop, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _ending) != 0 || _caller.Cancelled.IsCancellationRequested)
        {
            return new BridgeAttempt(BridgeAttemptOutcome.Cancelled, 487, null);
        }

        int hops = _caller.Request.TryGetMaxForwards(out int? maxForwards, out _) && maxForwards is int value ? value : 70;
        if (hops <= 0)
        {
            return new BridgeAttempt(BridgeAttemptOutcome.Failed, 483, "Too Many Hops"); // RFC 3261 §16.3 step 3.
        }

        var options = new InviteOptions
        {
            CallId = CalleeCallId,
            MaxForwards = Math.Min(hops - 1, 255),
            From = HiddenFrom(nextHop),
            NextHop = nextHop,
            DialogCreated = _calleeDialogCreated,
            Digest = _options.Digest,
        };
        if (!_caller.Offer.IsEmpty)
        {
            options.SessionDescription = Encoding.UTF8.GetString(_caller.Offer.Span);
            options.ContentType = _caller.Request.GetHeaderValue(SipHeaderKind.ContentType) ?? "application/sdp";
        }
        else
        {
            options.AnswerInAck = true; // A delayed offer: the caller's answer comes in its ACK, and goes in the B leg's.
        }

        _options.CopyCrossing(_caller.Request, options.Headers);
        Volatile.Write(ref _target, nextHop is { } hop ? target + " via " + hop : target);
        _stack.Metrics?.Relayed(fromCallee: false, response: false); // The caller's INVITE, crossing as the B leg's.
        using CancellationTokenSource? linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(_caller.Cancelled, cancellationToken)
            : null;
        OutgoingCall call;
        try
        {
            call = await _stack.InviteAsync(target, options, linked?.Token ?? _caller.Cancelled).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SipTransportException or ArgumentException)
        {
            return new BridgeAttempt(BridgeAttemptOutcome.Failed, 503, "Service Unavailable"); // No way to the target: the next one may do.
        }
        catch (OperationCanceledException)
        {
            return new BridgeAttempt(BridgeAttemptOutcome.Cancelled, 487, null);
        }

        Volatile.Write(ref _attempt, call);
        Task relay = RelayProgressAsync(call);
        Dialog callee;
        try
        {
            callee = await call.Answered.ConfigureAwait(false);
        }
        catch (SipCallFailedException failed)
        {
            await relay.ConfigureAwait(false);
            return new BridgeAttempt(BridgeAttemptOutcome.Failed, failed.StatusCode == 0 ? 500 : failed.StatusCode, failed.Response?.ReasonPhrase);
        }
        catch (OperationCanceledException)
        {
            await relay.ConfigureAwait(false);
            return new BridgeAttempt(BridgeAttemptOutcome.Cancelled, 487, null);
        }

        await relay.ConfigureAwait(false); // Every provisional response reaches the caller before the 2xx does.
        return await AnswerCallerAsync(callee, call.Answer).ConfigureAwait(false);
    }

    /// <summary>The callee answered: the caller gets 200 with the callee's session description.</summary>
    private async Task<BridgeAttempt> AnswerCallerAsync(Dialog callee, SipResponse? response)
    {
        Volatile.Write(ref _calleeDialog, callee);
        ReadOnlyMemory<byte> description = callee.RemoteSessionDescription;
        string? answer = description.IsEmpty ? null : Encoding.UTF8.GetString(description.Span);
        Dialog caller;
        _stack.Metrics?.Relayed(fromCallee: true, response: true);
        try
        {
            caller = await _caller.AnswerWithHeadersAsync(answer, _prepareCaller, "application/sdp", response is null ? null : _options.CrossingOf(response))
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // The caller's CANCEL crossed the callee's 2xx (the stack answered the caller 487): the B leg ends with BYE.
            await callee.DisposeAsync().ConfigureAwait(false);
            return new BridgeAttempt(BridgeAttemptOutcome.Cancelled, 487, null);
        }

        Volatile.Write(ref _answeredAtTicks, _time.GetUtcNow().UtcTicks);
        _bridged.TrySetResult(true);
        if (Volatile.Read(ref _ending) != 0)
        {
            await caller.DisposeAsync().ConfigureAwait(false); // The callee hung up while the caller was being answered.
        }
        else if (callee.State == DialogState.Terminated)
        {
            OnLegEnded(callee, BridgeSide.Callee); // Its event may have come before the bridge knew the dialog.
        }

        return new BridgeAttempt(BridgeAttemptOutcome.Answered, 200, null);
    }

    /// <summary>Passes the B leg's provisional responses to the caller, but 100, which is hop by hop (RFC 3261 §16.7 step 5).</summary>
    private async Task RelayProgressAsync(OutgoingCall call)
    {
        await foreach (SipResponse response in call.Progress.ReadAllAsync().ConfigureAwait(false))
        {
            if (response.StatusCode == 100)
            {
                continue;
            }

            string? body = response.Body.IsEmpty ? null : Encoding.UTF8.GetString(response.Body.Span);
            string type = response.GetHeaderValue(SipHeaderKind.ContentType) ?? "application/sdp";
            try
            {
                _stack.Metrics?.Relayed(fromCallee: true, response: true);
                await _caller.ProgressWithHeadersAsync(response.StatusCode, body, type, _options.CrossingOf(response)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
                return; // The caller has its final response (a CANCEL came): the B leg's call is being cancelled.
            }
        }
    }

    /// <summary>The A leg's dialog, before its 200 leaves: its events are the bridge's from the first.</summary>
    private void PrepareCallerDialog(Dialog dialog)
    {
        Volatile.Write(ref _callerDialog, dialog);
        if (_caller.Offer.IsEmpty)
        {
            dialog.AckObserver = _callerAcked;
        }

        SubscribeCallerSide(dialog);
    }

    /// <summary>The caller's ACK of a delayed offer's 200: its answer (or none) goes in the B leg's held ACK.</summary>
    private void OnCallerAck(Dialog caller, object? state)
    {
        if (state is SipRequest ack && CalleeDialog is { } callee)
        {
            string? answer = ack.Body.IsEmpty ? null : Encoding.UTF8.GetString(ack.Body.Span);
            _ = AckCalleeAsync(callee, answer, ack.GetHeaderValue(SipHeaderKind.ContentType) ?? "application/sdp");
        }
    }

    private static async Task AckCalleeAsync(Dialog callee, string? answer, string contentType)
    {
        try
        {
            await callee.AckAsync(answer, contentType).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The stack stopped: the ACK goes unsent, as every request does then.
        }
    }

    /// <summary>A dialog on the caller's side: the A leg's, or one of a party that takes its place in a transfer.</summary>
    private void SubscribeCallerSide(Dialog dialog)
    {
        dialog.Owner = this;
        dialog.RequestReceived += OnCallerRequest;
        dialog.StateChanged += OnCallerStateChanged;
        if (_options.RouteTransfer is not null)
        {
            dialog.ReferReceived += OnReferReceived;
        }
    }

    /// <summary>Each dialog the B leg makes (one per fork), before any of its events.</summary>
    private void OnCalleeDialogCreated(Dialog dialog)
    {
        dialog.Owner = this;
        dialog.RequestReceived += OnCalleeRequest;
        dialog.StateChanged += OnCalleeStateChanged;
        if (_options.RouteTransfer is not null)
        {
            dialog.ReferReceived += OnReferReceived;
        }
    }

    private void OnCallerStateChanged(object? sender, DialogStateChangedEventArgs e)
    {
        if (e.State == DialogState.Terminated && IsLegOf(e.Dialog, BridgeSide.Caller))
        {
            OnLegEnded(e.Dialog, BridgeSide.Caller);
        }
    }

    private void OnCalleeStateChanged(object? sender, DialogStateChangedEventArgs e)
    {
        if (e.State == DialogState.Terminated && IsLegOf(e.Dialog, BridgeSide.Callee))
        {
            OnLegEnded(e.Dialog, BridgeSide.Callee); // A fork that lost, or an attempt that failed, is not the call.
        }
    }

    /// <summary>
    /// Whether <paramref name="dialog"/> is the call's leg on <paramref name="side"/> and its end ends the call: not a
    /// fork that lost, not a transfer's new leg before it takes its place, and not the leg a transfer is taking away
    /// (whose end the transfer decides on).
    /// </summary>
    private bool IsLegOf(Dialog dialog, BridgeSide side) =>
        ReferenceEquals(dialog, side == BridgeSide.Caller ? CallerDialog : CalleeDialog) &&
        !ReferenceEquals(dialog, Volatile.Read(ref _transferred));

    /// <summary>A leg of the bridged call ended: the first to end says who and why, and the other ends with BYE.</summary>
    private void OnLegEnded(Dialog leg, BridgeSide side)
    {
        if (Interlocked.CompareExchange(ref _ending, 1, 0) != 0)
        {
            return;
        }

        (BridgeSide by, CallEndCause cause) = leg.EndReason switch
        {
            DialogEndReason.SessionExpired => (BridgeSide.Bridge, CallEndCause.SessionExpired),
            DialogEndReason.AckTimeout => (BridgeSide.Bridge, CallEndCause.AckTimeout),
            DialogEndReason.RequestFailed => (BridgeSide.Bridge, CallEndCause.RequestFailed),
            DialogEndReason.ByeSent => (BridgeSide.Bridge, CallEndCause.Ended),
            _ => (side, CallEndCause.Bye),
        };
        if (cause == CallEndCause.Bye)
        {
            _stack.Metrics?.Relayed(fromCallee: side == BridgeSide.Callee, response: false); // The party's BYE, crossing as the bridge's.
        }

        // A leg a transfer is taking away is left to the transfer: its referrer ends it once told the outcome.
        Dialog? transferred = Volatile.Read(ref _transferred);
        Dialog? caller = side == BridgeSide.Caller ? null : CallerDialog;
        Dialog? callee = side == BridgeSide.Callee ? null : CalleeDialog;
        _ = FinishAsync(ReferenceEquals(caller, transferred) ? null : caller, ReferenceEquals(callee, transferred) ? null : callee, by, cause, 200);
    }

    /// <summary>Ends the call once, when nothing is left to hang up (a refusal or a cancel before any dialog).</summary>
    private void End(BridgeSide by, CallEndCause cause, int status)
    {
        if (Interlocked.CompareExchange(ref _ending, 1, 0) == 0)
        {
            _ = FinishAsync(null, null, by, cause, status);
        }
    }

    /// <summary>Ends the legs still up with BYE, then completes <see cref="Ended"/> with the record.</summary>
    private async Task FinishAsync(Dialog? first, Dialog? second, BridgeSide by, CallEndCause cause, int status)
    {
        _bridged.TrySetResult(false);
        if (first is not null)
        {
            await first.DisposeAsync().ConfigureAwait(false);
        }

        if (second is not null)
        {
            await second.DisposeAsync().ConfigureAwait(false);
        }

        if (Volatile.Read(ref _transferCall) is { } transfer && !transfer.Answered.IsCompleted)
        {
            await transfer.CancelAsync().ConfigureAwait(false); // A transfer's new leg still ringing goes with the call.
        }

        long answered = Volatile.Read(ref _answeredAtTicks);
        _ended.TrySetResult(new CallRecord
        {
            CallerCallId = _caller.Request.CallId,
            CalleeCallId = Volatile.Read(ref _attempt) is null ? null : CalleeCallId,
            Caller = _caller.Request.TryGetFrom(out NameAddress? from, out _) ? from.Uri.ToString() : string.Empty,
            Callee = _caller.Request.RequestUriText,
            Target = Volatile.Read(ref _target),
            StartedAt = _startedAt,
            AnsweredAt = answered == 0 ? null : new DateTimeOffset(answered, TimeSpan.Zero),
            EndedAt = _time.GetUtcNow(),
            FinalStatus = status,
            HungUpBy = by,
            Cause = cause,
        });
    }

    /// <summary>
    /// The B leg's From: the caller's display name and user at this stack's own address, so that no host or port of the
    /// A side reaches the B side.
    /// </summary>
    private string HiddenFrom(SipEndPoint? nextHop)
    {
        string? user = null;
        string? display = null;
        if (_caller.Request.TryGetFrom(out NameAddress? from, out _))
        {
            display = from.DisplayName;
            user = (from.Uri as SipUri)?.User;
        }

        return HiddenAddress(user, display, nextHop);
    }

    /// <summary>A display name and user at this stack's own address, for the transport of <paramref name="nextHop"/>.</summary>
    private string HiddenAddress(string? user, string? display, SipEndPoint? nextHop)
    {
        SipTransportProtocol protocol = nextHop?.Protocol ?? SipTransportProtocol.Udp;
        IReadOnlyList<SipEndPoint> locals = _stack.LocalEndPoints;
        SipEndPoint? local = null;
        foreach (SipEndPoint candidate in locals)
        {
            if (candidate.Protocol == protocol)
            {
                local = candidate;
                break;
            }
        }

        System.Net.IPAddress address = (local ?? locals[0]).Address.Address;
        string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        return new NameAddress(new SipUri(string.IsNullOrEmpty(user) ? null : user, host), string.IsNullOrEmpty(display) ? null : display).ToString();
    }
}
