using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// A call received (an INVITE outside any dialog, RFC 3261 §13.3): ring, send progress with early media, answer with a
/// session description, reject with a status, or redirect. A provisional response with a tag makes an early dialog and
/// a 2xx a confirmed one (§12.1.1), which the stack retransmits until its ACK (§13.3.1.4). The methods may be called
/// from any thread; they run on the call's shard, and the application code they take runs off it.
/// </summary>
public sealed class IncomingCall : IEarlyDialogOwner
{
    private readonly DialogLayer _layer;
    private readonly ServerTransaction _invite;
    private readonly SipRequest _request;
    private Dialog? _dialog;
    private CancellationTokenSource? _cancelled;
    private bool _wasCancelled;

    /// <summary>Made when the INVITE is handed to the application, from the request it was given. Any thread.</summary>
    internal IncomingCall(DialogLayer layer, ServerTransaction invite, SipRequest request)
    {
        _layer = layer;
        _invite = invite;
        _request = request;
        Offer = _request.Body;
    }

    /// <summary>The INVITE. Its headers may be read from any thread, before or after the answer: the stack never changes it.</summary>
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
    public Task<Dialog> AnswerAsync(string? sessionDescription, string contentType = "application/sdp", CancellationToken cancellationToken = default)
    {
        byte[]? body = sessionDescription is null ? null : System.Text.Encoding.UTF8.GetBytes(sessionDescription);
        return _invite.Shard.RunAsync(static s => s.call.Answer(s.body, s.contentType), (call: this, body, contentType), cancellationToken).AsTask();
    }

    /// <summary>
    /// Answers 200 OK as <see cref="AnswerAsync(string?, string, CancellationToken)"/> does, first letting
    /// <paramref name="prepare"/> subscribe to the dialog's events: it runs before the 200 leaves, so no request of the
    /// peer can come before the handlers are in place. It runs on the thread pool, never on a shard, as the dialog's
    /// first event would: every event of the dialog comes after it. It must not block.
    /// </summary>
    /// <param name="sessionDescription">The answer, or null.</param>
    /// <param name="prepare">Called with the dialog before the 200 is sent; when it throws, the call is not answered
    /// and this method throws what it threw.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The confirmed dialog.</returns>
    /// <exception cref="InvalidOperationException">The call has a final response already (it was cancelled, say).</exception>
    public async Task<Dialog> AnswerAsync(string? sessionDescription, Action<Dialog> prepare, string contentType = "application/sdp", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        byte[]? body = sessionDescription is null ? null : System.Text.Encoding.UTF8.GetBytes(sessionDescription);
        var answer = new PreparedAnswer(this, body, contentType, prepare);
        await _invite.Shard.RunAsync(static a => a.Start(), answer, cancellationToken).ConfigureAwait(false);
        return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        return _invite.Shard.RunAsync(
            static s => !s.call.IsAnsweredOrCancelled() && s.call.RejectOnShard(s.statusCode, s.reasonPhrase), (call: this, statusCode, reasonPhrase), cancellationToken);
    }

    /// <summary>
    /// Refuses the call with a final status and a Retry-After (RFC 3261 §20.33), e.g. 503 when this end is at capacity,
    /// so that the caller waits that long before trying here again (§21.5.4).
    /// </summary>
    /// <param name="statusCode">300–699.</param>
    /// <param name="retryAfter">When to try again, in whole seconds.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's when null.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when sent; false when the call had a final response already.</returns>
    public ValueTask<bool> RejectAsync(int statusCode, TimeSpan retryAfter, string? reasonPhrase = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 300);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 699);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
        string seconds = ((long)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return _invite.Shard.RunAsync(
            static s => s.call.RejectOnShard(s.statusCode, s.reasonPhrase, s.seconds), (call: this, statusCode, reasonPhrase, seconds), cancellationToken);
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

    /// <summary>Whether the INVITE has its final response. On the shard.</summary>
    internal bool IsAnswered => _invite.LastStatusCode >= 200 || _invite.State == TransactionState.Terminated;

    /// <summary>
    /// Whether the INVITE has its final response, after giving it the 487 a CANCEL already answered 200 calls for:
    /// the CANCEL reaches the call through the outbox, and an answer of the application's that arrives here first must
    /// not follow the CANCEL's 200 with a 200 of its own (RFC 3261 §9.2). On the shard.
    /// </summary>
    private bool IsAnsweredOrCancelled()
    {
        if (!IsAnswered && _invite is ServerInviteTransaction { CancelAccepted: true })
        {
            CancelOnShard();
        }

        return IsAnswered;
    }

    /// <summary>Whether the INVITE has a final response, sent or on its way to the shard. Any thread.</summary>
    internal bool HasFinalResponse => _invite.HasFinalResponse;

    /// <summary>Sends a provisional response; one with a tag makes the early dialog. On the shard.</summary>
    internal void Provisional(int status, byte[]? body, string contentType, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        if (IsAnsweredOrCancelled())
        {
            throw new InvalidOperationException("The call has its final response already.");
        }

        string contact = ContactFor();
        SipMessageBuilder response = _invite.CreateResponse(status)
            .CopyHeaders(_request, SipHeaderKind.RecordRoute)
            .Add(SipHeaderKind.Contact, contact);
        AddHeaders(response, headers);
        if (body is not null)
        {
            response.WithBody(contentType, body);
        }

        EnsureDialog(status, contact);
        _invite.Respond(response);
    }

    /// <summary>
    /// Answers 200 with the body. On the shard. <paramref name="prepared"/> is the dialog a <c>prepare</c> callback was
    /// given when there was no early dialog yet: made, not attached, so that nothing is left behind when the call is
    /// cancelled while the callback runs.
    /// </summary>
    internal Dialog Answer(byte[]? body, string contentType, Dialog? prepared = null, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        ThrowIfAnswered();
        string contact = ContactFor();
        Dialog dialog = (prepared is not null && _dialog is null ? Attach(prepared, 200) : EnsureDialog(200, contact))
            ?? throw new InvalidOperationException("The INVITE cannot make a dialog (no usable Contact, or the dialog exists).");
        dialog.TakeSessionRequest(_request, creating: true); // RFC 4028 §9
        SipMessageBuilder ok = _invite.CreateResponse(200)
            .CopyHeaders(_request, SipHeaderKind.RecordRoute) // RFC 3261 §12.1.1
            .Add(SipHeaderKind.Contact, contact)
            .Add(SipHeaderKind.Allow, DialogLayer.Allow)
            .Add(SipHeaderKind.Supported, DialogLayer.SupportedHeader); // RFC 3261 §13.3.1.4
        dialog.AddSessionHeaders(ok);
        AddHeaders(ok, headers);
        if (body is not null)
        {
            ok.WithBody(contentType, body);
            dialog.SetLocalBody(body, contentType);
        }

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

    /// <summary>
    /// Sends a provisional response as <see cref="ProgressAsync"/> does, with <paramref name="headers"/> added: those of a
    /// B leg's response that cross a bridge.
    /// </summary>
    internal ValueTask ProgressWithHeadersAsync(int statusCode, string? sessionDescription, string contentType, IReadOnlyList<KeyValuePair<string, string>>? headers)
    {
        byte[]? body = sessionDescription is null ? null : System.Text.Encoding.UTF8.GetBytes(sessionDescription);
        return _invite.Shard.RunAsync(
            static s => s.call.Provisional(s.statusCode, s.body, s.contentType, s.headers), (call: this, statusCode, body, contentType, headers), CancellationToken.None);
    }

    /// <summary>Answers 200 as <see cref="AnswerAsync(string?, Action{Dialogs.Dialog}, string, CancellationToken)"/> does, with <paramref name="headers"/> added.</summary>
    internal async Task<Dialog> AnswerWithHeadersAsync(
        string? sessionDescription, Action<Dialog> prepare, string contentType, IReadOnlyList<KeyValuePair<string, string>>? headers)
    {
        byte[]? body = sessionDescription is null ? null : System.Text.Encoding.UTF8.GetBytes(sessionDescription);
        var answer = new PreparedAnswer(this, body, contentType, prepare, headers);
        await _invite.Shard.RunAsync(static a => a.Start(), answer, CancellationToken.None).ConfigureAwait(false);
        return await answer.Task.ConfigureAwait(false);
    }

    private static void AddHeaders(SipMessageBuilder response, IReadOnlyList<KeyValuePair<string, string>>? headers)
    {
        if (headers is null)
        {
            return;
        }

        for (int i = 0; i < headers.Count; i++)
        {
            response.Add(headers[i].Key, headers[i].Value);
        }
    }

    /// <summary>Refuses the call; the early dialog, if any, ends (RFC 3261 §12.3). On the shard.</summary>
    internal bool RejectOnShard(int status, string? reason, string? retryAfter = null)
    {
        if (IsAnswered)
        {
            return false;
        }

        SipMessageBuilder response = _invite.CreateResponse(status, reason);
        if (retryAfter is not null)
        {
            response.Add(SipHeaderKind.RetryAfter, retryAfter);
        }

        if (!_invite.Respond(response))
        {
            return false;
        }

        _dialog?.ResponseSent(status, SipMethods.Invite);
        return true;
    }

    /// <summary>An early dialog of this call ends gracefully: the INVITE gets 480 (RFC 3261 §13.3.1.3). On the shard.</summary>
    Task? IEarlyDialogOwner.EndEarly()
    {
        RejectOnShard(480, null);
        return null;
    }

    /// <summary>
    /// The caller cancelled (RFC 3261 §9.2). Off the shard, in order after the call was handed to the application: the
    /// shard answers the INVITE 487, then fires the token.
    /// </summary>
    internal void OnCancelled() => _ = _invite.Shard.Post(static c => ((IncomingCall)c!).CancelOnShard(), this);

    /// <summary>
    /// The INVITE gets 487, then the token fires, its callbacks on the thread pool. On the shard. A final response the
    /// application sent first, while the CANCEL was on its way here, stands: the CANCEL then has no effect (§9.2).
    /// </summary>
    private void CancelOnShard()
    {
        if (IsAnswered)
        {
            return;
        }

        Volatile.Write(ref _wasCancelled, true);
        RejectOnShard(487, null);
        if (Volatile.Read(ref _cancelled) is { } source)
        {
            _ = source.CancelAsync();
        }
    }

    private bool Redirect(int status, string[] contacts)
    {
        if (IsAnsweredOrCancelled())
        {
            return false;
        }

        SipMessageBuilder response = _invite.CreateResponse(status);
        foreach (string contact in contacts)
        {
            response.Add(SipHeaderKind.Contact, contact.Contains('<', StringComparison.Ordinal) ? contact : "<" + contact + ">");
        }

        bool sent = _invite.Respond(response);
        _dialog?.ResponseSent(status, SipMethods.Invite);
        return sent;
    }

    private Dialog? EnsureDialog(int status, string contact) => _dialog ?? (Make(status, contact) is { } made ? Attach(made, status) : null);

    /// <summary>The dialog a response with <paramref name="status"/> makes, not yet attached (RFC 3261 §12.1.1).</summary>
    private Dialog? Make(int status, string contact) =>
        Dialog.TryCreateAsUas(_request, status, _invite.LocalTag, contact, _invite.Received.Local.Protocol == SipTransportProtocol.Tls, out Dialog? dialog)
            ? dialog
            : null;

    /// <summary>Joins a dialog made for this call to the stack and its store; null when the store has it already.</summary>
    private Dialog? Attach(Dialog dialog, int status)
    {
        if (!dialog.Attach(_layer, _invite.Shard, _invite.Received.Remote, store: true))
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

    private string ContactFor() => _layer.LocalContact(_invite.Received.Local);

    private void ThrowIfAnswered()
    {
        if (IsAnsweredOrCancelled())
        {
            throw new InvalidOperationException(Volatile.Read(ref _wasCancelled) ? "The call was cancelled by the caller." : "The call has its final response already.");
        }
    }

    /// <summary>
    /// An answer whose <c>prepare</c> callback runs between two turns of the shard: the first makes the dialog (or takes
    /// the early one) and queues the callback on it, the callback runs off the shard, and the second sends the 200.
    /// </summary>
    private sealed class PreparedAnswer(
        IncomingCall call, byte[]? body, string contentType, Action<Dialog> prepare, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        private readonly TaskCompletionSource<Dialog> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Dialog? _dialog;
        private Exception? _fault;

        public Task<Dialog> Task => _completion.Task;

        /// <summary>On the shard.</summary>
        public void Start()
        {
            call.ThrowIfAnswered();
            Dialog dialog = call._dialog ?? call.Make(200, call.ContactFor())
                ?? throw new InvalidOperationException("The INVITE cannot make a dialog (no usable Contact).");
            _dialog = dialog;
            dialog.QueueCallback(static (d, s) => ((PreparedAnswer)s!).RunPrepare(d), this);
        }

        /// <summary>Off the shard, on the dialog's event chain.</summary>
        private void RunPrepare(Dialog dialog)
        {
            try
            {
                prepare(dialog);
            }
#pragma warning disable CA1031 // Handed back to the caller of AnswerAsync through its task.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _fault = exception;
            }

            if (!call._invite.Shard.Post(static s => ((PreparedAnswer)s!).Finish(), this))
            {
                _completion.TrySetException(new ObjectDisposedException("The stack has stopped."));
            }
        }

        /// <summary>On the shard again.</summary>
        private void Finish()
        {
            if (_fault is not null)
            {
                _completion.TrySetException(_fault);
                return;
            }

            try
            {
                _completion.TrySetResult(call.Answer(body, contentType, _dialog, headers));
            }
            catch (InvalidOperationException exception)
            {
                _completion.TrySetException(exception);
            }
        }
    }
}
