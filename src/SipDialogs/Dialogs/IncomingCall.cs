using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// A call received (an INVITE outside any dialog, RFC 3261 §13.3): ring, send progress with early media, answer with a
/// session description, reject with a status, or redirect. A provisional response with a tag makes an early dialog and
/// a 2xx a confirmed one (§12.1.1), which the stack retransmits until its ACK (§13.3.1.4). The methods may be called
/// from any thread; they run on the call's shard.
/// </summary>
public sealed class IncomingCall : ITimerTarget, IServerTransactionOwner, IEarlyDialogOwner
{
    private readonly DialogLayer _layer;
    private readonly ServerTransaction _invite;
    private readonly SipRequest _request;
    private Dialog? _dialog;
    private CancellationTokenSource? _cancelled;
    private bool _wasCancelled;
    private TimerHandle _answerTimer;
    private byte[]? _pendingAnswer;
    private TimeSpan _pendingHangUp;

    internal IncomingCall(DialogLayer layer, ServerTransaction invite)
    {
        _layer = layer;
        _invite = invite;
        _request = invite.Request;
        Offer = _request.Body;
    }

    /// <summary>The INVITE. Read its headers before answering: after the final response the stack keeps only its bytes.</summary>
    public SipRequest Request => _request;

    /// <summary>Where the INVITE came from.</summary>
    public SipEndPoint Remote => _invite.Received.Remote;

    /// <summary>The caller's offer (RFC 3264), empty when the INVITE had no body.</summary>
    public ReadOnlyMemory<byte> Offer { get; }

    /// <summary>The call's dialog once a provisional response with a tag or the 2xx made it; null before.</summary>
    public Dialog? Dialog => Volatile.Read(ref _dialog);

    /// <summary>
    /// The dialog this call takes the place of (RFC 3891 §3), or null when the INVITE had no Replaces header. The stack
    /// found the dialog the header names (confirmed, or early on a call this end placed) before the application saw the
    /// call; the application may still refuse a caller it does not trust to take that dialog's place, a check §3 asks
    /// for and the stack leaves to it. Once this call is answered the stack ends the replaced dialog, BYE when confirmed
    /// and CANCEL when early; a call refused or cancelled leaves it alone.
    /// </summary>
    public Dialog? Replaces { get; internal set; }

    /// <summary>Cancelled when the caller sent CANCEL (RFC 3261 §9.2); the stack has then answered the INVITE 487.</summary>
    public CancellationToken Cancelled
    {
        get
        {
            if (Volatile.Read(ref _wasCancelled))
            {
                return new CancellationToken(true);
            }

            CancellationTokenSource source = Volatile.Read(ref _cancelled) ?? Create();
            return source.Token;

            CancellationTokenSource Create()
            {
                var mine = new CancellationTokenSource();
                CancellationTokenSource winner = Interlocked.CompareExchange(ref _cancelled, mine, null) ?? mine;
                if (!ReferenceEquals(winner, mine))
                {
                    mine.Dispose();
                }
                else if (Volatile.Read(ref _wasCancelled))
                {
                    mine.Cancel();
                }

                return winner;
            }
        }
    }

    /// <summary>Sends 180 Ringing (RFC 3261 §13.3.1.1).</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when sent.</returns>
    /// <exception cref="InvalidOperationException">The call has a final response already (it was cancelled, say).</exception>
    public ValueTask RingAsync(CancellationToken cancellationToken = default) => ProgressAsync(180, null, "application/sdp", cancellationToken);

    /// <summary>Sends a provisional response, e.g. 183 Session Progress with early media.</summary>
    /// <param name="statusCode">101–199.</param>
    /// <param name="sessionDescription">A body (the answer for early media), or null.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when sent.</returns>
    /// <exception cref="InvalidOperationException">The call has a final response already.</exception>
    public ValueTask ProgressAsync(int statusCode = 183, string? sessionDescription = null, string contentType = "application/sdp", CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 101);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 199);
        byte[]? body = sessionDescription is null ? null : System.Text.Encoding.UTF8.GetBytes(sessionDescription);
        return _invite.Shard.RunAsync(static s => s.call.Provisional(s.statusCode, s.body, s.contentType), (call: this, statusCode, body, contentType), cancellationToken);
    }

    /// <summary>Answers 200 OK with this end's answer (RFC 3261 §13.3.1.4) and gives the confirmed dialog.</summary>
    /// <param name="sessionDescription">The answer to the offer (or this end's offer when the INVITE had none), or null.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The confirmed dialog.</returns>
    /// <exception cref="InvalidOperationException">The call has a final response already (it was cancelled, say).</exception>
    public Task<Dialog> AnswerAsync(string? sessionDescription, string contentType = "application/sdp", CancellationToken cancellationToken = default) =>
        AnswerAsync(sessionDescription, static _ => { }, contentType, cancellationToken);

    /// <summary>
    /// Answers 200 OK as <see cref="AnswerAsync(string?, string, CancellationToken)"/> does, first letting
    /// <paramref name="prepare"/> subscribe to the dialog's events: it runs before the 200 leaves, so no request of the
    /// peer can come before the handlers are in place. It runs on the call's shard and must not block.
    /// </summary>
    /// <param name="sessionDescription">The answer, or null.</param>
    /// <param name="prepare">Called with the dialog before the 200 is sent.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The confirmed dialog.</returns>
    /// <exception cref="InvalidOperationException">The call has a final response already (it was cancelled, say).</exception>
    public async Task<Dialog> AnswerAsync(string? sessionDescription, Action<Dialog> prepare, string contentType = "application/sdp", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        byte[]? body = sessionDescription is null ? null : System.Text.Encoding.UTF8.GetBytes(sessionDescription);
        return await _invite.Shard.RunAsync(
            static s => s.call.Answer(s.body, s.contentType, TimeSpan.Zero, s.prepare), (call: this, body, contentType, prepare), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Refuses the call with a final status, e.g. 486 Busy Here or 603 Decline.</summary>
    /// <param name="statusCode">300–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's when null.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when sent; false when the call had a final response already.</returns>
    public ValueTask<bool> RejectAsync(int statusCode, string? reasonPhrase = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 300);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 699);
        return _invite.Shard.RunAsync(static s => s.call.RejectOnShard(s.statusCode, s.reasonPhrase), (call: this, statusCode, reasonPhrase), cancellationToken);
    }

    /// <summary>Redirects the call (RFC 3261 §8.3, §21.3): a 3xx with the Contacts to try instead.</summary>
    /// <param name="contacts">The addresses, each a URI or name-addr.</param>
    /// <param name="statusCode">300–399; 302 Moved Temporarily by default.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when sent; false when the call had a final response already.</returns>
    public ValueTask<bool> RedirectAsync(IEnumerable<string> contacts, int statusCode = 302, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 300);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 399);
        string[] list = [.. contacts];
        return _invite.Shard.RunAsync(static s => s.call.Redirect(s.statusCode, s.list), (call: this, statusCode, list), cancellationToken);
    }

    /// <summary>The shard of the call's Call-ID.</summary>
    internal Shard Shard => _invite.Shard;

    /// <summary>Whether the INVITE has its final response.</summary>
    internal bool IsAnswered => _invite.LastStatusCode >= 200 || _invite.State == TransactionState.Terminated;

    /// <summary>Sends a provisional response; one with a tag makes the early dialog. On the shard.</summary>
    internal void Provisional(int status, byte[]? body, string contentType)
    {
        if (IsAnswered)
        {
            throw new InvalidOperationException("The call has its final response already.");
        }

        string contact = ContactFor();
        SipMessageBuilder response = _invite.CreateResponse(status)
            .CopyHeaders(_request, SipHeaderKind.RecordRoute)
            .Add(SipHeaderKind.Contact, contact);
        if (body is not null)
        {
            response.WithBody(contentType, body);
        }

        EnsureDialog(status, contact);
        _invite.Respond(response);
    }

    /// <summary>Answers 200 with the body; the dialog hangs up <paramref name="hangUpAfter"/> after the ACK when positive. On the shard.</summary>
    internal Dialog Answer(byte[]? body, string contentType, TimeSpan hangUpAfter, Action<Dialog>? prepare = null)
    {
        if (IsAnswered)
        {
            throw new InvalidOperationException(_wasCancelled ? "The call was cancelled by the caller." : "The call has its final response already.");
        }

        StopTimer();
        string contact = ContactFor();
        Dialog dialog = EnsureDialog(200, contact)
            ?? throw new InvalidOperationException("The INVITE cannot make a dialog (no usable Contact, or the dialog exists).");
        dialog.TakeSessionRequest(_request, creating: true); // RFC 4028 §9
        SipMessageBuilder ok = _invite.CreateResponse(200)
            .CopyHeaders(_request, SipHeaderKind.RecordRoute) // RFC 3261 §12.1.1
            .Add(SipHeaderKind.Contact, contact)
            .Add(SipHeaderKind.Allow, DialogLayer.Allow);
        dialog.AddSessionHeaders(ok);
        if (body is not null)
        {
            ok.WithBody(contentType, body);
            dialog.SetLocalBody(body, contentType);
        }

        dialog.SetHangUpAfterAck(hangUpAfter);
        prepare?.Invoke(dialog);
        if (!dialog.SendFinal(_invite, ok, 200))
        {
            dialog.Terminate();
            throw new InvalidOperationException("The INVITE no longer takes a response.");
        }

        if (Replaces is { } replaced)
        {
            DialogLayer.EndReplaced(replaced);
        }

        dialog.Call = null;
        return dialog;
    }

    /// <summary>Answers after a delay (a ringing UAS). On the shard.</summary>
    internal void AnswerAfter(TimeSpan delay, byte[]? body, TimeSpan hangUpAfter)
    {
        _pendingAnswer = body;
        _pendingHangUp = hangUpAfter;
        _answerTimer = _invite.Shard.Timers.Schedule(delay, this, 0);
    }

    /// <summary>Refuses the call; the early dialog, if any, ends (RFC 3261 §12.3). On the shard.</summary>
    internal bool RejectOnShard(int status, string? reason)
    {
        StopTimer();
        if (IsAnswered || !_invite.Respond(_invite.CreateResponse(status, reason)))
        {
            return false;
        }

        _dialog?.ResponseSent(status, SipMethods.Invite);
        return true;
    }

    void IServerTransactionOwner.OnCancelled(ServerTransaction transaction) => OnCancelled();

    /// <summary>An early dialog of this call ends gracefully: the INVITE gets 480 (RFC 3261 §13.3.1.3). On the shard.</summary>
    Task? IEarlyDialogOwner.EndEarly()
    {
        RejectOnShard(480, null);
        return null;
    }

    /// <summary>The caller cancelled (RFC 3261 §9.2): the INVITE gets 487 and the token fires. On the shard.</summary>
    internal void OnCancelled()
    {
        Volatile.Write(ref _wasCancelled, true);
        RejectOnShard(487, null);
        if (Volatile.Read(ref _cancelled) is { } source)
        {
            _ = source.CancelAsync();
        }
    }

    void ITimerTarget.OnTimer(int timer)
    {
        _answerTimer = default;
        if (!IsAnswered)
        {
            _ = Answer(_pendingAnswer, "application/sdp", _pendingHangUp);
        }
    }

    private bool Redirect(int status, string[] contacts)
    {
        if (IsAnswered)
        {
            return false;
        }

        SipMessageBuilder response = _invite.CreateResponse(status);
        foreach (string contact in contacts)
        {
            response.Add(SipHeaderKind.Contact, contact.Contains('<', StringComparison.Ordinal) ? contact : "<" + contact + ">");
        }

        StopTimer();
        bool sent = _invite.Respond(response);
        _dialog?.ResponseSent(status, SipMethods.Invite);
        return sent;
    }

    private Dialog? EnsureDialog(int status, string contact)
    {
        if (_dialog is { } existing)
        {
            return existing;
        }

        if (!Dialog.TryCreateAsUas(_request, status, _invite.LocalTag, contact, _invite.Received.Local.Protocol == SipTransportProtocol.Tls, out Dialog? dialog) ||
            !dialog.Attach(_layer, _invite.Shard, _invite.Received.Remote, store: true))
        {
            return null;
        }

        if (status < 200)
        {
            dialog.Call = this; // An early dialog ends through its call (480); a confirmed one must not keep the INVITE alive.
        }

        Volatile.Write(ref _dialog, dialog);
        return dialog;
    }

    private string ContactFor() => DialogLayer.ContactFor(_invite.Received.Local);

    private void StopTimer()
    {
        if (_answerTimer.IsSet)
        {
            _invite.Shard.Timers.Cancel(ref _answerTimer);
        }
    }
}
