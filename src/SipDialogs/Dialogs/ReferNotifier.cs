using System.Globalization;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// The notifier's side of the implicit subscription of one accepted REFER (RFC 3515 §2.4.4, RFC 6665 §4.2): it reports
/// the referred request's progress by NOTIFY with a <c>message/sipfrag</c> body, one NOTIFY in flight at a time (a
/// newer state replaces one still waiting, so the last state always goes out), and ends on the final report, on
/// expiry (terminated;reason=timeout), when a NOTIFY is answered 481 or gets no answer, and with its dialog.
/// </summary>
/// <remarks>Lives on the shard of its dialog, like the dialog: no lock, nothing volatile.</remarks>
internal sealed class ReferNotifier : ITimerTarget, ISubscriptionUsage, IClientTransactionOwner
{
    /// <summary>How often a NOTIFY refused 500 (out of order) is sent again before the subscription gives up on it.</summary>
    private const int MaxRetries = 3;

    private readonly Dialog _dialog;
    private readonly DialogLayer _layer;
    private readonly Shard _shard;
    private TimerHandle _expiry;
    private long _expiresAt;
    private int _status = 100;
    private string _reason = "Trying";
    private string? _endReason;
    private ClientTransaction? _inFlight;
    private bool _finalSent;
    private bool _pending;
    private bool _ended;
    private (int Status, string Reason)? _held;
    private int _retries;

    public ReferNotifier(Dialog dialog, DialogLayer layer, Shard shard, uint eventId)
    {
        _dialog = dialog;
        _layer = layer;
        _shard = shard;
        EventId = eventId;
    }

    /// <summary>The id of the subscription's Event header: the CSeq number of its REFER (RFC 3515 §2.4.6).</summary>
    public uint EventId { get; }

    /// <inheritdoc/>
    public string EventPackage => EventHeader.ReferPackage;

    /// <inheritdoc/>
    public SubscriptionRole Role => SubscriptionRole.Notifier;

    /// <summary>Whether the subscription has been freed.</summary>
    public bool IsEnded => _ended;

    /// <summary>Starts the subscription: the expiry timer, and the first NOTIFY, 100 Trying (RFC 3515 §2.4.5).</summary>
    public void Start(TimeSpan duration)
    {
        Extend(duration);
        Flush();
    }

    /// <summary>
    /// Takes up a subscription carried over from another stack: its last reported state and its expiry, without a
    /// NOTIFY (the subscriber has this state already). The referred call stayed where it was placed, so the subscription
    /// reports no more progress and ends at expiry with terminated;reason=timeout, unless refreshed.
    /// </summary>
    public void Resume(int status, string reason, TimeSpan left)
    {
        if (status != 0)
        {
            _status = status;
            _reason = reason;
        }

        Extend(left);
    }

    /// <summary>The subscription as a value, for a dialog's snapshot.</summary>
    public SubscriptionSnapshot Capture(TimeProvider clock)
    {
        long frequency = clock.TimestampFrequency;
        long remainingTicks = _expiresAt - clock.GetTimestamp();
        return new SubscriptionSnapshot
        {
            EventPackage = "refer",
            EventId = EventId,
            Role = SubscriptionRole.Notifier,
            ExpiresAt = clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(remainingTicks, 0) / (double)frequency),
            LastStatus = _status,
            LastReason = _reason,
        };
    }

    /// <summary>
    /// A SUBSCRIBE refreshing the subscription (RFC 3515 §2.4.6, RFC 6665 §4.2.1.2): 200 with the Expires granted (at
    /// most the configured duration), then a NOTIFY of the current state; Expires 0 ends it.
    /// </summary>
    public void OnSubscribe(ServerTransaction transaction)
    {
        TimeSpan most = _layer.Transfers.SubscriptionDuration;
        TimeSpan granted = transaction.Request.Expires is uint asked ? TimeSpan.FromSeconds(Math.Min(asked, most.TotalSeconds)) : most;
        transaction.Respond(transaction.CreateResponse(200)
            .Add(SipHeaderKind.Expires, ((long)granted.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
        Refresh(granted);
    }

    /// <summary>A notifier is never notified: the dialog passes no NOTIFY here.</summary>
    public void OnNotify(ServerTransaction transaction) =>
        transaction.Respond(transaction.CreateResponse(481, "Subscription Does Not Exist"));

    /// <summary>A SUBSCRIBE refreshed the subscription (RFC 6665 §4.2.1.2): a new expiry, and a NOTIFY of the current state.</summary>
    public void Refresh(TimeSpan duration)
    {
        if (_ended || _endReason is not null)
        {
            return;
        }

        if (duration <= TimeSpan.Zero)
        {
            _endReason = "timeout"; // Unsubscribed (RFC 6665 §4.2.1.4): the last NOTIFY says terminated.
        }
        else
        {
            Extend(duration);
        }

        Flush();
    }

    /// <summary>The referred request's latest status: a final one ends the subscription (terminated;reason=noresource).</summary>
    public void Report(int status, string? reason)
    {
        if (_ended || _endReason is not null)
        {
            return;
        }

        if (status >= 200 && _pending && _status < 200 && _held is null)
        {
            // A provisional report still waits behind the NOTIFY in flight: it goes before the final one, so the
            // transferor sees ringing even when the answer follows at once.
            _held = (_status, _reason);
        }

        _status = status;
        _reason = reason ?? SipStatusCodes.GetReasonPhrase(status);
        if (status >= 200)
        {
            _endReason = "noresource"; // RFC 3515 §2.4.7: the subscription ends with the final result.
        }

        Flush();
    }

    /// <summary>Reports from any thread: posted to the shard (the referred call runs on another Call-ID's shard).</summary>
    public void Post(int status, string? reason) =>
        _shard.Post(
            static state =>
            {
                var (notifier, code, phrase) = ((ReferNotifier, int, string?))state!;
                notifier.Report(code, phrase);
            },
            (this, status, reason));

    /// <summary>The response to a NOTIFY of ours, or a local 408/503 when none came.</summary>
    public void OnResponse(ClientTransaction transaction, int status)
    {
        if (!ReferenceEquals(transaction, _inFlight) || status < 200)
        {
            return;
        }

        _inFlight = null;
        if (status == 500 && _retries < MaxRetries && !_ended)
        {
            // Our NOTIFYs for several subscriptions of one dialog can overtake each other on the way (UDP), and the
            // subscriber then refuses the older one as out of order (RFC 3261 §12.2.2). The state goes again, with a
            // newer CSeq.
            _retries++;
            _pending = false;
            Send();
            return;
        }

        if (status < 300)
        {
            _retries = 0;
        }

        if (_finalSent || status is 481 or 408 or 503)
        {
            // RFC 6665 §4.2.2: a NOTIFY answered 481, or not at all, ends the subscription.
            End();
            return;
        }

        if (_pending)
        {
            _pending = false;
            Send();
        }
    }

    /// <summary>The dialog ended: the subscription is freed without a NOTIFY, which could no longer be sent in it.</summary>
    public void EndWithDialog() => End();

    void IClientTransactionOwner.OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received) =>
        OnResponse(transaction, response.StatusCode);

    void IClientTransactionOwner.OnNoResponse(ClientTransaction transaction, int status) => OnResponse(transaction, status);

    void IClientTransactionOwner.OnTerminated(ClientTransaction transaction)
    {
    }

    void ITimerTarget.OnTimer(int timer)
    {
        _expiry = default;
        if (!_ended && _endReason is null)
        {
            _endReason = "timeout"; // RFC 6665 §4.2.2: the subscription expired before a final result.
            Flush();
        }
    }

    private void Extend(TimeSpan duration)
    {
        if (_expiry.IsSet)
        {
            _shard.Timers.Cancel(ref _expiry);
        }

        _expiresAt = _shard.TimeProvider.GetTimestamp() + (long)(duration.TotalSeconds * _shard.TimeProvider.TimestampFrequency);
        _expiry = _shard.Timers.Schedule(duration, this, 0);
    }

    private void Flush()
    {
        if (_inFlight is not null)
        {
            _pending = true; // Sent when the NOTIFY in flight is answered, so the notifications keep their order.
            return;
        }

        Send();
    }

    private void Send()
    {
        if (_dialog.State == DialogState.Terminated)
        {
            End();
            return;
        }

        int status = _status;
        string phrase = _reason;
        string? end = _endReason;
        if (_held is { } held)
        {
            (status, phrase) = held;
            end = null;
            _held = null;
            _pending = true; // The final report follows once this one is answered.
        }

        string state;
        if (end is { } reason)
        {
            state = "terminated;reason=" + reason;
        }
        else
        {
            long frequency = _shard.TimeProvider.TimestampFrequency;
            long remaining = (_expiresAt - _shard.TimeProvider.GetTimestamp() + frequency - 1) / frequency; // Rounded up: 60, not 59.
            state = string.Create(CultureInfo.InvariantCulture, $"active;expires={Math.Max(remaining, 1)}");
        }

        SipMessageBuilder notify = _dialog.CreateRequest(SipMethods.Notify)
            .Add(SipHeaderKind.Event, string.Create(CultureInfo.InvariantCulture, $"refer;id={EventId}"))
            .Add(SipHeaderKind.SubscriptionState, state)
            .WithBody(SipFrag.MediaType + ";version=2.0", SipFrag.ForStatus(status, phrase).ToArray());
        try
        {
            _inFlight = _dialog.StartRequest(notify, this);
        }
        catch (Exception ex) when (ex is Transport.SipTransportException or InvalidOperationException)
        {
            End(); // The subscriber cannot be reached: nothing more can be told.
            return;
        }

        _finalSent = end is not null;
    }

    private void End()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _pending = false;
        if (_expiry.IsSet)
        {
            _shard.Timers.Cancel(ref _expiry);
        }

        _layer.CountSubscription(_shard, -1);
        if (!_dialog.IsExported)
        {
            // Counted where the transfer ends, not where it moves on to; a final status reported decides it.
            _layer.Metrics?.TransferEnded(transferee: true, _status switch
            {
                >= 200 and < 300 => TransferResult.Succeeded,
                >= 300 when _endReason == "noresource" => TransferResult.Failed,
                _ => TransferResult.Unknown,
            });
        }

        _dialog.OnSubscriptionEnded(this);
    }
}
