using System.Threading.Channels;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// A REFER this end sent (RFC 3515), seen from the transferor: the REFER's response, the progress the transferee
/// reports by NOTIFY (each a <c>message/sipfrag</c> holding the referred request's latest status line), and how it ended.
/// The subscription behind it is freed on the final NOTIFY, on expiry, when the REFER is refused, and with its dialog.
/// </summary>
public sealed class Transfer : ITimerTarget, ISubscriptionUsage, IClientTransactionOwner
{
    private readonly Channel<SipFrag> _progress = Channel.CreateUnbounded<SipFrag>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<SipResponse> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TransferOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DialogLayer _layer;
    private readonly Shard _shard;
    private readonly TimeSpan _noNotifyWait;
    private Dialog? _dialog;
    private SipFrag? _last;
    private TimerHandle _timer;
    private bool _accepted;
    private bool _notified;
    private bool _ended;
    private int _challenges;
    private DateTimeOffset? _expiresAt;

    internal Transfer(DialogLayer layer, Shard shard, string referTo, uint eventId, bool subscribe, TimeSpan noNotifyWait)
    {
        _layer = layer;
        _shard = shard;
        ReferTo = referTo;
        EventId = eventId;
        Subscribe = subscribe;
        _noNotifyWait = noNotifyWait;
    }

    /// <summary>
    /// The dialog the REFER was sent in, or, for a REFER sent outside any dialog, the dialog its 202 (or first NOTIFY)
    /// made; null until then.
    /// </summary>
    public Dialog? Dialog => Volatile.Read(ref _dialog);

    /// <summary>The Refer-To URI sent.</summary>
    public string ReferTo { get; }

    /// <summary>The subscription's id: the REFER's CSeq number, the <c>id</c> of its NOTIFYs' Event header (RFC 3515 §2.4.6).</summary>
    public uint EventId { get; private set; }

    /// <summary>The REFER's final response: 202 when accepted (a local 408 or 503 when none came).</summary>
    public Task<SipResponse> Response => _response.Task;

    /// <summary>
    /// The transferee's reports in order, one sipfrag per NOTIFY (100 Trying, 180 Ringing, then the final status); the
    /// channel completes when the transfer ends. Reading it is optional.
    /// </summary>
    public ChannelReader<SipFrag> Progress => _progress.Reader;

    /// <summary>How the transfer ended; never faults.</summary>
    public Task<TransferOutcome> Completion => _completion.Task;

    /// <summary>Whether the REFER asked for the implicit subscription (false: <c>Refer-Sub: false</c>, RFC 4488).</summary>
    internal bool Subscribe { get; }

    internal bool IsEnded => _ended;

    /// <summary>The REFER while it waits for its final response (for a local one when the dialog ends first).</summary>
    internal SipRequest? Request { get; set; }

    /// <summary>Puts the transfer in its dialog (when the REFER was sent in one, or once one was made). On the shard.</summary>
    internal void SetDialog(Dialog dialog) => Volatile.Write(ref _dialog, dialog);

    /// <summary>The REFER's final response (or a local one when none came). On the shard.</summary>
    internal void OnResponse(SipResponse response)
    {
        if (response.StatusCode < 200 || _response.Task.IsCompleted)
        {
            return;
        }

        _response.TrySetResult(response);
        Request = null;
        if (_ended)
        {
            return;
        }

        if (response.StatusCode >= 300)
        {
            End(TransferResult.Declined, response.StatusCode, response.ReasonPhrase, null);
            return;
        }

        _accepted = true;
        string? referSub = response.GetHeaderValue(SipHeaderKind.ReferSub);
        if (!Subscribe || string.Equals(referSub?.Trim(), "false", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 4488 §4: no subscription, so no report will come.
            End(TransferResult.Unknown, 0, null, "no-subscription");
            return;
        }

        if (!_notified)
        {
            // RFC 6665 §4.1.2.4: a subscription whose first NOTIFY never comes has failed.
            Schedule(_noNotifyWait);
        }
    }

    /// <summary>
    /// A NOTIFY of this subscription, already checked: its sipfrag is the transferee's report, and a terminated state ends
    /// the transfer. On the shard.
    /// </summary>
    internal void OnNotify(SubscriptionStateHeader state, SipFrag fragment)
    {
        if (_ended)
        {
            return;
        }

        _notified = true;
        _last = fragment;
        _progress.Writer.TryWrite(fragment);
        if (state.IsTerminated)
        {
            int status = fragment.StatusCode ?? 0;
            TransferResult result = status switch
            {
                >= 200 and < 300 => TransferResult.Succeeded,
                >= 300 => TransferResult.Failed,
                _ => TransferResult.Unknown,
            };
            End(result, status, fragment.ReasonPhrase, state.Reason);
            return;
        }

        // RFC 6665 §4.1.2.3: the subscription lasts as long as the last NOTIFY said; a grace of the wait for a first
        // NOTIFY lets the notifier's own terminated;reason=timeout arrive first.
        _expiresAt = _shard.TimeProvider.GetUtcNow() + TimeSpan.FromSeconds(state.Expires ?? 0);
        Schedule(TimeSpan.FromSeconds(state.Expires ?? 0) + _noNotifyWait);
    }

    /// <summary>Ends the transfer, frees its subscription and completes its tasks. On the shard.</summary>
    internal void End(TransferResult result, int status, string? reason, string? subscriptionReason)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        if (_timer.IsSet)
        {
            _shard.Timers.Cancel(ref _timer);
        }

        if (result == TransferResult.Unknown && _last?.StatusCode is int last && status == 0)
        {
            status = last;
            reason = _last.ReasonPhrase;
        }

        _progress.Writer.TryComplete();
        _completion.TrySetResult(new TransferOutcome(result, status, reason, subscriptionReason));
        _layer.CountSubscription(_shard, -1);
        if (Dialog is not { IsExported: true })
        {
            _layer.Metrics?.TransferEnded(transferee: false, result);
        }

        if (Dialog is { } dialog)
        {
            dialog.OnSubscriptionEnded(this);
        }
        else
        {
            _layer.ForgetReferral(this); // A REFER sent outside any dialog that never made one.
        }
    }

    /// <summary>The stack stopped or the dialog ended before the REFER had its response.</summary>
    internal void EndWithDialog()
    {
        if (Request is { } request)
        {
            _response.TrySetResult(TransactionLayer.MakeLocalResponse(request, 408));
            Request = null;
        }

        End(_accepted ? TransferResult.Unknown : TransferResult.Declined, 0, null, "dialog-ended");
    }

    string ISubscriptionUsage.EventPackage => EventHeader.ReferPackage;

    SubscriptionRole ISubscriptionUsage.Role => SubscriptionRole.Subscriber;

    /// <summary>
    /// A NOTIFY of this subscription (RFC 3515 §2.4.4, RFC 6665 §4.1.3): 200 and its sipfrag passed on, or 400 when it has
    /// no Subscription-State or its body is not a sipfrag. On the shard.
    /// </summary>
    void ISubscriptionUsage.OnNotify(ServerTransaction transaction)
    {
        SipRequest notify = transaction.Request;
        if (notify.SubscriptionState is not { } state)
        {
            transaction.Respond(transaction.CreateResponse(400, "Missing Subscription-State Header"));
            return;
        }

        if (notify.ContentType is not { } type ||
            !string.Equals(type.Type + "/" + type.Subtype, SipFrag.MediaType, StringComparison.OrdinalIgnoreCase) ||
            !SipFrag.TryParse(notify.Body.Span, out SipFrag? fragment, out _) || fragment is null)
        {
            transaction.Respond(transaction.CreateResponse(400, "NOTIFY Body Is Not A Sipfrag")); // RFC 3515 §2.4.4
            return;
        }

        transaction.Respond(transaction.CreateResponse(200));
        OnNotify(state, fragment);
    }

    /// <summary>A subscriber is never refreshed by its peer: the dialog passes no SUBSCRIBE here.</summary>
    void ISubscriptionUsage.OnSubscribe(ServerTransaction transaction) =>
        transaction.Respond(transaction.CreateResponse(481, "Subscription Does Not Exist"));

    SubscriptionSnapshot ISubscriptionUsage.Capture(TimeProvider clock) => Capture(clock);

    void ISubscriptionUsage.EndWithDialog() => EndWithDialog();

    void IClientTransactionOwner.OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received)
    {
        if (response.StatusCode is 401 or 407 && Dialog is { } dialog
            && dialog.TryResendWithCredentials(transaction, response, _challenges, this, out ClientTransaction? retry))
        {
            // RFC 3261 §22.2: the REFER again with credentials; its new CSeq is the subscription's id (RFC 3515 §2.4.6).
            _challenges++;
            EventId = (uint)retry.Request.CSeqNumber;
            Request = retry.Request;
            return;
        }

        OnReferResponse(response, received);
    }

    void IClientTransactionOwner.OnNoResponse(ClientTransaction transaction, int status) =>
        OnReferResponse(TransactionLayer.MakeLocalResponse(transaction.Request, status), null);

    void IClientTransactionOwner.OnTerminated(ClientTransaction transaction)
    {
    }

    /// <summary>A response to the REFER: to its dialog, or, for a REFER sent outside any dialog, to the layer, whose 2xx makes one.</summary>
    private void OnReferResponse(SipResponse response, InboundMessage? received)
    {
        if (Dialog is { } dialog)
        {
            dialog.OnReferResponse(this, response);
        }
        else
        {
            _layer.OnOutOfDialogReferResponse(this, response, received);
        }
    }

    void ITimerTarget.OnTimer(int timer)
    {
        _timer = default;
        End(TransferResult.Unknown, 0, null, _notified ? "timeout" : "no-notify");
    }

    /// <summary>A subscription carried over from another stack (<see cref="SubscriptionSnapshot"/>): accepted, its expiry running on. On the shard.</summary>
    internal static Transfer Resume(DialogLayer layer, Shard shard, Dialog dialog, SubscriptionSnapshot subscription, TimeSpan left)
    {
        var transfer = new Transfer(layer, shard, subscription.ReferTo, subscription.EventId, subscribe: true, layer.Timers.SixtyFourT1)
        {
            _accepted = true,
            _notified = subscription.LastStatus != 0,
            _last = subscription.LastStatus != 0 ? SipFrag.ForStatus(subscription.LastStatus, subscription.LastReason) : null,
        };
        transfer.SetDialog(dialog);
        transfer._expiresAt = subscription.ExpiresAt;
        transfer.Schedule(left + transfer._noNotifyWait);
        return transfer;
    }

    /// <summary>The subscription as a value, for a dialog's snapshot. On the shard.</summary>
    internal SubscriptionSnapshot Capture(TimeProvider clock) => new()
    {
        EventPackage = "refer",
        EventId = EventId,
        Role = SubscriptionRole.Subscriber,
        ExpiresAt = _expiresAt ?? (_timer.IsSet ? null : clock.GetUtcNow()),
        ReferTo = ReferTo,
        LastStatus = _last?.StatusCode ?? 0,
        LastReason = _last?.ReasonPhrase ?? string.Empty,
    };

    private void Schedule(TimeSpan after)
    {
        if (_timer.IsSet)
        {
            _shard.Timers.Cancel(ref _timer);
        }

        _timer = _shard.Timers.Schedule(after, this, 0);
    }
}
