using System.Globalization;
using System.Threading.Channels;
using SipDialogs.Auth;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// A call this end placed (RFC 3261 §13.2): its progress (every provisional response, in order), its early dialogs
/// (one per fork that answered with a To tag, §12.1.2) and its outcome, <see cref="Answered"/>, which gives the
/// confirmed dialog of the first 2xx. A later 2xx from another fork is acknowledged and ended with BYE (§13.2.2.4);
/// every 2xx, retransmissions included, is acknowledged.
/// </summary>
public sealed class OutgoingCall : IClientTransactionOwner, IEarlyDialogOwner
{
    private static readonly Action<Dialog, object?> s_dialogCreated = static (dialog, state) =>
    {
        var (created, layer) = ((Action<Dialog>, DialogLayer))state!;
        try
        {
            created(dialog);
        }
#pragma warning disable CA1031 // The application's callback must never hurt the stack: logged and counted.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            layer.ReportHandlerFault(nameof(InviteOptions.DialogCreated), exception);
        }
    };

    private readonly DialogLayer _layer;
    private readonly Shard _shard;
    private readonly InviteRecipe _recipe;
    private readonly IReadOnlyList<SipEndPoint> _alternatives;
    private SipEndPoint _target;
    private int _nextAlternative = 1;
    private bool _heard;
    private SipRequest _invite;
    private readonly Channel<SipResponse> _progress = Channel.CreateUnbounded<SipResponse>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<Dialog> _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SipResponse? _answer;
    private ClientInviteTransaction? _transaction;
    private Dialog[] _forks = [];
    private Dialog? _confirmed;
    private bool _cancelRequested;
    private CancellationTokenRegistration _registration;

    internal OutgoingCall(DialogLayer layer, Shard shard, InviteRecipe recipe, SipRequest invite, SipEndPoint target, IReadOnlyList<SipEndPoint> alternatives)
    {
        _alternatives = alternatives;
        _layer = layer;
        _shard = shard;
        _recipe = recipe;
        _invite = invite;
        _target = target;
        CallId = invite.CallId;
    }

    /// <summary>The call's Call-ID.</summary>
    public string CallId { get; }

    /// <summary>The INVITE as sent (the second one when the first got 422, RFC 4028 §7.4).</summary>
    public SipRequest Request => Volatile.Read(ref _invite);

    /// <summary>The provisional responses as they come (100, 180, 183 with early media, …); completes with the final response.</summary>
    public ChannelReader<SipResponse> Progress => _progress.Reader;

    /// <summary>
    /// The outcome: the confirmed dialog of the first 2xx; a <see cref="SipCallFailedException"/> for a final response
    /// other than 2xx (or a local 408/503 when none came); cancelled when the call was cancelled first.
    /// </summary>
    public Task<Dialog> Answered => _answered.Task;

    /// <summary>The 2xx that answered the call, once <see cref="Answered"/> has completed; null before.</summary>
    internal SipResponse? Answer => Volatile.Read(ref _answer);

    /// <summary>The dialogs made by the forks that answered so far (early until one is confirmed).</summary>
    public IReadOnlyList<Dialog> Dialogs => Volatile.Read(ref _forks);

    /// <summary>
    /// Cancels the call (RFC 3261 §9.1): CANCEL once a provisional response has come, and the call ends 487. When a 2xx
    /// crosses the CANCEL, its dialog is acknowledged and ended with BYE. Nothing once the call is answered. Any thread.
    /// </summary>
    /// <returns>Completes once the CANCEL is under way, not when the call has ended (await <see cref="Answered"/>).</returns>
    public ValueTask CancelAsync() => _shard.RunAsync(static c => { _ = c.CancelOnShard(); }, this);

    /// <summary>Sends the INVITE in its transaction. On the shard.</summary>
    internal void Start(CancellationToken cancellationToken)
    {
        _transaction = (ClientInviteTransaction)_layer.Transactions.StartRequest(_invite, _target, this);
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static s => _ = ((OutgoingCall)s!).CancelAsync().AsTask(), this);
        }
    }

    internal Task CancelOnShard()
    {
        if (_confirmed is null && !_answered.Task.IsCompleted)
        {
            _cancelRequested = true;
            _transaction?.Cancel();
        }

        return _answered.Task;
    }

    internal void OnResponse(SipResponse response, InboundMessage received)
    {
        int status = response.StatusCode;
        if (status > 100 && status != 503)
        {
            _heard = true; // A server that answered more than 100 Trying is the one: no other address is tried (RFC 3263 §4.3).
        }

        if (status < 200)
        {
            if (!response.ToTag.IsEmpty && Find(response) is null)
            {
                _ = Fork(response, received);
            }

            _progress.Writer.TryWrite(response);
            return;
        }

        if (status >= 300)
        {
            if (status == 422 && _recipe.CSeq == 1 && !_cancelRequested && TryRetryWithMinSE(response))
            {
                return;
            }

            if (status is 401 or 407 && !_cancelRequested && TryRetryWithCredentials(response))
            {
                return;
            }

            if (status == 503 && TryNextAddress())
            {
                return;
            }

            Fail(response);
            return;
        }

        Dialog? dialog = Find(response);
        bool confirmedNow = false;
        if (dialog is null)
        {
            dialog = Fork(response, received);
            confirmedNow = dialog is not null;
        }
        else if (dialog.State == DialogState.Early)
        {
            dialog.ReceiveResponse(response);
            confirmedNow = true;
        }

        if (dialog is null)
        {
            return; // A 2xx that makes no dialog (no Contact, say): nothing can be acknowledged.
        }

        dialog.OnStray2xx(response); // ACK every 2xx (RFC 3261 §13.2.2.4).
        if (!confirmedNow)
        {
            return;
        }

        if (_confirmed is null && !_cancelRequested)
        {
            dialog.TakeSessionResponse(response); // RFC 4028 §7.2
            _confirmed = dialog;
            _registration.Dispose();
            _progress.Writer.TryComplete();
            Volatile.Write(ref _answer, response); // Before the task completes: whoever awaits it reads the 2xx.
            _answered.TrySetResult(dialog);
            return;
        }

        // A second fork answered, or the 2xx crossed our CANCEL: acknowledged above, now ended (§13.2.2.4, §9.1).
        try
        {
            dialog.StartBye();
        }
        catch (SipTransportException)
        {
            dialog.Terminate();
        }

        if (_cancelRequested && _confirmed is null)
        {
            Finish();
            _answered.TrySetCanceled();
        }
    }

    void IClientTransactionOwner.OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received) =>
        OnResponse(response, received);

    void IClientTransactionOwner.OnNoResponse(ClientTransaction transaction, int status) => OnNoResponse(status);

    void IClientTransactionOwner.OnTerminated(ClientTransaction transaction) => OnTransactionTerminated(transaction);

    Task? IEarlyDialogOwner.EndEarly() => CancelOnShard();

    internal void OnNoResponse(int status)
    {
        if (TryNextAddress())
        {
            return; // Timer B (408) or a transport error (503): the next address of the name, if any (RFC 3263 §4.3).
        }

        Fail(TransactionLayer.MakeLocalResponse(_invite, status));
    }

    internal void OnTransactionTerminated(Transaction transaction)
    {
        if (!ReferenceEquals(transaction, _transaction))
        {
            return; // The first INVITE of a call retried after 422.
        }

        // Forks that never sent a 2xx end with the transaction (RFC 3261 §13.2.2.4, RFC 6026 Timer M).
        foreach (Dialog fork in _forks)
        {
            if (fork.State == DialogState.Early)
            {
                fork.Terminate();
            }
        }

        if (!_answered.Task.IsCompleted)
        {
            Finish();
            if (_cancelRequested)
            {
                _answered.TrySetCanceled();
            }
            else
            {
                _answered.TrySetException(new SipCallFailedException("The INVITE transaction ended without a final response."));
            }
        }
    }

    private void Fail(SipResponse response)
    {
        foreach (Dialog fork in _forks)
        {
            if (fork.State == DialogState.Early)
            {
                fork.Terminate(); // RFC 3261 §12.3: a non-2xx final response ends the early dialogs.
            }
        }

        Finish();
        if (_cancelRequested)
        {
            // 487, or a 408 when no provisional response ever came to let the CANCEL go (RFC 3261 §9.1): either way,
            // the call ended because it was cancelled.
            _answered.TrySetCanceled();
        }
        else
        {
            _answered.TrySetException(_recipe.Unanswered is { } unanswered
                ? new SipCallFailedException(response, "the challenge was not answered: " + unanswered)
                : new SipCallFailedException(response));
        }
    }

    private void Finish()
    {
        _registration.Dispose();
        _progress.Writer.TryComplete();
    }

    private Dialog? Find(SipResponse response)
    {
        ReadOnlySpan<byte> tag = response.ToTag;
        foreach (Dialog fork in _forks)
        {
            if (tag.SequenceEqual(fork.Id.RemoteTagBytes))
            {
                return fork;
            }
        }

        return null;
    }

    private Dialog? Fork(SipResponse response, InboundMessage received)
    {
        if (!Dialog.TryCreateAsUac(_invite, response, _target.Protocol == SipTransportProtocol.Tls, out Dialog? dialog))
        {
            return null;
        }

        dialog.Attach(_layer, _shard, received.Remote, store: true);
        dialog.Digest = _recipe.Digest; // RFC 3261 §22.2: its later requests answer challenges with the same credentials.
        if (dialog.State == DialogState.Early)
        {
            dialog.Call = this; // Only an early dialog ends through its call (CANCEL).
        }

        dialog.SetLocalBody(_invite.Body, _invite.ContentType?.ToString());
        if (_recipe.HoldAck)
        {
            dialog.HoldAck();
        }

        if (_recipe.DialogCreated is { } created)
        {
            // Off the shard, as the dialog's first event: every event of the dialog is delivered after it.
            dialog.QueueCallback(s_dialogCreated, (created, _layer));
        }

        Dialog[] forks = _forks;
        var next = new Dialog[forks.Length + 1];
        forks.CopyTo(next, 0);
        next[^1] = dialog;
        Volatile.Write(ref _forks, next);
        return dialog;
    }

    /// <summary>
    /// After 422 Session Interval Too Small (RFC 4028 §7.4): the INVITE again, with the next CSeq, a new branch and the
    /// Min-SE the response asked for. On the shard.
    /// </summary>
    private bool TryRetryWithMinSE(SipResponse response)
    {
        if (!response.TryGetMinSE(out uint? minimum, out _) || minimum is not { } seconds)
        {
            return false;
        }

        _recipe.CSeq = 2;
        _recipe.SessionSeconds = Math.Max(seconds, _recipe.SessionSeconds);
        _recipe.MinimumSeconds = Math.Max(seconds, _recipe.MinimumSeconds);
        SendAgain();
        return true;
    }

    /// <summary>
    /// After 401 or 407 (RFC 3261 §22.2, §22.3): the INVITE again with the credentials <see cref="InviteOptions.Digest"/>
    /// answers with, the next CSeq and a new branch, so that a CANCEL now matches the new transaction. The client
    /// refuses a second challenge for credentials it already sent (unless only the nonce was stale), so a wrong
    /// password ends the call with that response instead of looping. On the shard.
    /// </summary>
    private bool TryRetryWithCredentials(SipResponse response)
    {
        if (_recipe.Digest is not { } digest || _recipe.Challenges >= InviteRecipe.MaxChallenges)
        {
            return false;
        }

        if (!digest.TryAnswer(_invite, response, out DigestAnswer? answer, out DigestAnswerFailure failure, out DigestRejectReason reason))
        {
            // Said in the call's failure: a malformed challenge is the server's fault, a refused password the user's.
            _recipe.Unanswered = reason == DigestRejectReason.None ? failure.ToString() : failure + " (" + reason + ")";
            return false;
        }

        foreach (Dialog fork in _forks)
        {
            if (fork.State == DialogState.Early)
            {
                fork.Terminate(); // Early dialogs of the challenged INVITE end with it (RFC 3261 §12.3).
            }
        }

        _recipe.Challenges++;
        _recipe.CSeq++;
        _recipe.Answer(answer);
        SendAgain();
        return true;
    }

    /// <summary>
    /// After a 503, Timer B or a transport error from a server found by DNS that sent nothing but 100 Trying: the INVITE
    /// again to the next address of the name, in a new transaction with the next CSeq (RFC 3263 §4.3). On the shard.
    /// </summary>
    private bool TryNextAddress()
    {
        if (_cancelRequested || _heard || _forks.Length > 0 || _nextAlternative >= _alternatives.Count)
        {
            return false;
        }

        _target = _alternatives[_nextAlternative++];
        _recipe.CSeq++;
        SendAgain();
        return true;
    }

    /// <summary>Sends the INVITE the recipe now makes in a new transaction; the old one ends unheard. On the shard.</summary>
    private void SendAgain()
    {
        SipMessageBuilder invite = _recipe.Build();
        RequestVia via = _layer.Transactions.CreateVia(_target, 1024 + _recipe.BodyLength);
        invite.InsertFirst(SipHeaderKind.Via, via.Value);
        Volatile.Write(ref _invite, (SipRequest)invite.Build());
        _transaction!.Owner = null;
        _transaction = (ClientInviteTransaction)_layer.Transactions.StartRequest(_invite, via.Target, this);
    }

    /// <summary>What an INVITE of a new call is made of (RFC 3261 §8.1.1, §13.2.1; RFC 4028 §7.1), kept to send it again after 422.</summary>
    internal sealed class InviteRecipe(string target, InviteOptions options, SipEndPoint local, string contact, string callId, SessionTimerOptions? sessionTimers, string? userAgent = null)
    {
        private readonly string _fromTag = SipIds.NewTag();
        /// <summary>Challenges answered at most for one call: a stale nonce and a proxy or two on the way (RFC 3261 §22.3).</summary>
        public const int MaxChallenges = 4;

        private readonly byte[]? _body = options.SessionDescription is { } sdp ? System.Text.Encoding.UTF8.GetBytes(sdp) : null;
        private DigestAnswer? _authorization;
        private DigestAnswer? _proxyAuthorization;

        public uint CSeq { get; set; } = 1;

        public uint SessionSeconds { get; set; } = sessionTimers is { Enabled: true } timers ? (uint)timers.Interval.TotalSeconds : 0;

        public uint MinimumSeconds { get; set; } = sessionTimers is { Enabled: true } timers ? (uint)timers.MinimumInterval.TotalSeconds : 0;

        public int BodyLength => _body?.Length ?? 0;

        public Action<Dialog>? DialogCreated { get; } = options.DialogCreated;

        /// <summary>Whether the ACK of the 2xx waits for the application's answer (<see cref="InviteOptions.AnswerInAck"/>).</summary>
        public bool HoldAck { get; } = options.AnswerInAck && options.SessionDescription is null;

        public DigestClient? Digest { get; } = options.Digest;

        public int Challenges { get; set; }

        /// <summary>Why the last challenge got no answer from <see cref="Digest"/>, or null.</summary>
        public string? Unanswered { get; set; }

        /// <summary>Keeps the credentials for the next INVITE, replacing those of the same header field.</summary>
        public void Answer(DigestAnswer answer)
        {
            if (answer.HeaderKind == SipHeaderKind.ProxyAuthorization)
            {
                _proxyAuthorization = answer;
            }
            else
            {
                _authorization = answer;
            }
        }

        public SipMessageBuilder Build()
        {
            string from = options.From ?? contact.Replace(";transport=" + local.ViaTransport.ToLowerInvariant(), string.Empty, StringComparison.Ordinal);
            string to = options.To ?? (target.StartsWith('<') ? target : "<" + target + ">");
            string uri = target.StartsWith('<') ? target[1..target.IndexOf('>', StringComparison.Ordinal)] : target;
            SipMessageBuilder invite = SipMessageBuilder.Request(SipMethods.Invite, uri)
                .Add(SipHeaderKind.MaxForwards, options.MaxForwards == 70 ? "70" : options.MaxForwards.ToString(CultureInfo.InvariantCulture));
            foreach (string route in options.Routes)
            {
                invite.Add(SipHeaderKind.Route, route);
            }

            invite.Add(SipHeaderKind.From, from + ";tag=" + _fromTag)
                .Add(SipHeaderKind.To, to)
                .Add(SipHeaderKind.CallId, callId)
                .Add(SipHeaderKind.CSeq, string.Create(CultureInfo.InvariantCulture, $"{CSeq} INVITE"))
                .Add(SipHeaderKind.Contact, contact)
                .Add(SipHeaderKind.Allow, DialogLayer.Allow);
            if (SessionSeconds != 0)
            {
                // RFC 4028 §7.1: ask for a session timer and leave the choice of refresher to the UAS.
                invite.Add(SipHeaderKind.Supported, "timer")
                    .Add(SipHeaderKind.SessionExpires, SessionSeconds.ToString(CultureInfo.InvariantCulture))
                    .Add(SipHeaderKind.MinSE, MinimumSeconds.ToString(CultureInfo.InvariantCulture));
            }

            if (userAgent is { Length: > 0 })
            {
                invite.Add(SipHeaderKind.UserAgent, userAgent);
            }

            foreach (KeyValuePair<string, string> header in options.Headers)
            {
                invite.Add(header.Key, header.Value);
            }

            _authorization?.ApplyTo(invite);
            _proxyAuthorization?.ApplyTo(invite);

            if (_body is not null)
            {
                invite.WithBody(options.ContentType, _body);
            }

            return invite;
        }
    }
}
