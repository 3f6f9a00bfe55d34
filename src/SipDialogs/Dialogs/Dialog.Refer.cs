using System.Globalization;
using SipDialogs.Messages;
using SipDialogs.Transactions;

namespace SipDialogs.Dialogs;

/// <summary>
/// Call transfer in the dialog (RFC 3515): REFERs sent and received, and their implicit subscriptions, each ended and
/// freed on its final NOTIFY, on expiry, on a NOTIFY answered 481 or unanswered, and when the dialog ends.
/// </summary>
public sealed partial class Dialog
{
    /// <summary>The subscription usages (RFC 5057): REFERs sent still waiting for their outcome, REFERs accepted still reporting.</summary>
    private List<ISubscriptionUsage>? _subscriptions;
    private int _subscriptionCount;

    /// <summary>
    /// Raised for a REFER received in this dialog (RFC 3515), on the thread pool, in order with the dialog's other
    /// events. The handler accepts (the stack then calls the Refer-To target and reports by NOTIFY) or declines; without
    /// a handler here, the stack's <see cref="Hosting.SipStack.ReferReceived"/> handlers see it, and without those,
    /// <see cref="TransferOptions.AcceptReferrals"/> decides.
    /// </summary>
    public event EventHandler<ReferReceivedEventArgs>? ReferReceived;

    /// <summary>
    /// The live subscriptions of the dialog: REFERs sent still waiting for their outcome, and REFERs accepted still
    /// reporting. Any thread: a count the shard publishes after each change.
    /// </summary>
    public int SubscriptionCount => Volatile.Read(ref _subscriptionCount);

    internal DialogLayer Layer => _layer ?? throw new InvalidOperationException("The dialog is not attached to a running stack.");

    /// <summary>
    /// Blind transfer: sends REFER (RFC 3515) asking the peer to call <paramref name="target"/>, with Referred-By
    /// (RFC 3892). The returned transfer reports the peer's NOTIFYs and how the referred call ended; this dialog is
    /// left as it is (end it with <see cref="ByeAsync"/> when the transfer succeeded, RFC 5589 §6).
    /// </summary>
    /// <param name="target">The Refer-To URI, e.g. <c>sip:carol@192.0.2.3</c>; it may carry headers (<c>?Replaces=…</c>).</param>
    /// <param name="options">Referred-By, norefersub (RFC 4488), extra headers; defaults when null.</param>
    /// <param name="cancellationToken">Ends the wait for the REFER to leave, not the transfer.</param>
    /// <returns>The transfer, once the REFER has left.</returns>
    /// <exception cref="ArgumentException">The target is not a SIP or SIPS URI.</exception>
    /// <exception cref="InvalidOperationException">The dialog is terminated.</exception>
    public async Task<Transfer> ReferAsync(string target, ReferOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (!AddrSpec.TryParse(target, out AddrSpec? uri, out _) || uri is not SipUri)
        {
            throw new ArgumentException($"'{target}' is not a SIP or SIPS URI.", nameof(target));
        }

        return await OnShardAsync(static (d, s) => d.StartRefer(s.uri, s.options), (uri: uri.ToString(), options: options ?? new ReferOptions()), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Attended transfer (RFC 5589 §7): sends REFER asking the peer to call the remote party of <paramref name="replaced"/>
    /// (another dialog of this end) with a Replaces header naming that dialog (RFC 3891), so the new call takes its place.
    /// </summary>
    /// <param name="replaced">The dialog with the transfer target, confirmed or early.</param>
    /// <param name="options">Referred-By, norefersub, extra headers; defaults when null.</param>
    /// <param name="cancellationToken">Ends the wait for the REFER to leave, not the transfer.</param>
    /// <returns>The transfer, once the REFER has left.</returns>
    /// <exception cref="InvalidOperationException">This dialog or <paramref name="replaced"/> is terminated.</exception>
    public Task<Transfer> ReferAsync(Dialog replaced, ReferOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replaced);
        if (replaced.State == DialogState.Terminated)
        {
            throw new InvalidOperationException("The dialog to replace has ended.");
        }

        // RFC 3891 §3: to-tag and from-tag as the target sees its dialog: its local tag is our remote tag.
        var replaces = new ReplacesHeader(replaced.Id.CallId, replaced.Id.RemoteTag, replaced.Id.LocalTag);
        if (!AddrSpec.TryParse(replaced.RemoteTarget, out AddrSpec? uri, out _) || uri is not SipUri target)
        {
            throw new InvalidOperationException("The dialog to replace has no SIP remote target.");
        }

        target.Headers.Set("Replaces", replaces.ToString());
        return ReferAsync(target.ToString(), options, cancellationToken);
    }

    /// <summary>Marks a dialog made by REFER: it has no INVITE usage and ends with its last subscription (RFC 6665 §4.1.2.4).</summary>
    internal void MarkSubscriptionOnly() => Volatile.Write(ref _invite, null);

    /// <summary>Sets the local sequence number of a dialog a subscriber made from an early NOTIFY: its REFER's. On the shard.</summary>
    internal void SetLocalCSeq(uint number) => _localCSeq = number;

    internal void AddTransfer(Transfer transfer) => AddSubscription(transfer, announce: true);

    /// <summary>Adds a subscription usage to the dialog; the store hears of it when <paramref name="announce"/>. On the shard.</summary>
    private void AddSubscription(ISubscriptionUsage usage, bool announce)
    {
        (_subscriptions ??= new List<ISubscriptionUsage>(1)).Add(usage);
        PublishSubscriptionCount();
        if (announce)
        {
            Changed(DialogChange.SubscriptionAdded);
        }
    }

    /// <summary>Sends a REFER in the dialog and starts its transfer. On the shard.</summary>
    private Transfer StartRefer(string referTo, ReferOptions options)
    {
        SipMessageBuilder refer = CreateRequest(SipMethods.Refer);
        DialogLayer.AddReferHeaders(refer, referTo, options, options.ReferredBy ?? _localUri, _localContact);
        var transfer = new Transfer(_layer!, _shard!, referTo, (uint)_localCSeq, options.Subscribe, _layer!.Timers.SixtyFourT1);
        transfer.SetDialog(this);
        AddTransfer(transfer);
        _layer.CountSubscription(_shard!, 1);
        try
        {
            transfer.Request = StartRequest(refer, transfer).Request;
        }
        catch (Transport.SipTransportException)
        {
            transfer.End(TransferResult.Declined, 503, "Service Unavailable", null);
            throw;
        }

        return transfer;
    }

    /// <summary>The response to a REFER of this dialog. On the shard.</summary>
    internal void OnReferResponse(Transfer transfer, SipResponse response)
    {
        transfer.OnResponse(response);
        ReceiveResponse(response); // RFC 3261 §12.2.1.2: a 481 or 408 ends the dialog.
    }

    /// <summary>A REFER received in the dialog (after the §12.2.2 checks). On the shard.</summary>
    private void OnRefer(ServerTransaction transaction)
    {
        if (!DialogLayer.TryCheckRefer(transaction, out ReferToHeader? referTo, out SipUri? target))
        {
            return;
        }

        ReceiveRefer(transaction, referTo, target, inDialog: true);
    }

    /// <summary>Passes a checked REFER to its handler, or answers it as the options say. On the shard.</summary>
    internal void ReceiveRefer(ServerTransaction transaction, ReferToHeader referTo, SipUri target, bool inDialog)
    {
        var args = new ReferReceivedEventArgs(this, transaction, referTo, target, inDialog);
        if ((ReferReceived ?? _layer!.ReferHandlers) is not null || HasPendingEvents)
        {
            Raise(args, static d => d.ReferReceived ?? d._layer?.ReferHandlers);
            return;
        }

        AnswerReferByDefault(args, fault: false);
    }

    /// <summary>The answer to a REFER no handler answered: accept (and place the call) or decline 603. On the shard.</summary>
    internal void AnswerReferByDefault(ReferReceivedEventArgs args, bool fault)
    {
        if (args.Transaction.LastStatusCode >= 200 || args.Transaction.State == TransactionState.Terminated)
        {
            return;
        }

        if (fault || !_layer!.Transfers.AcceptReferrals)
        {
            RespondToRefer(args.Transaction, fault ? 500 : 603, null);
            return;
        }

        ReferNotifier? notifier = AcceptRefer(args);
        _ = ReferredCall.PlaceAsync(this, args, notifier, null);
    }

    /// <summary>
    /// Accepts a REFER: 202 (with <c>Refer-Sub: false</c> when the REFER asked for no subscription, RFC 4488 §4), and
    /// the subscription with its first NOTIFY. A REFER from outside any dialog makes this dialog now. On the shard.
    /// </summary>
    /// <exception cref="InvalidOperationException">The REFER has its final response already.</exception>
    internal ReferNotifier? AcceptRefer(ReferReceivedEventArgs args)
    {
        ServerTransaction transaction = args.Transaction;
        if (transaction.LastStatusCode >= 200 || transaction.State == TransactionState.Terminated)
        {
            throw new InvalidOperationException("The REFER has its final response already.");
        }

        bool subscribe = args.WantsSubscription;
        if (!args.IsInDialog && subscribe && !_inStore)
        {
            _inStore = _layer!.Store.TryAdd(this);
            Changed(DialogChange.Created);
        }

        SipMessageBuilder accepted = transaction.CreateResponse(202).Add(SipHeaderKind.Contact, _localContact);
        if (!subscribe)
        {
            accepted.Add(SipHeaderKind.ReferSub, "false");
        }

        transaction.Respond(accepted);
        if (!subscribe)
        {
            return null;
        }

        var notifier = new ReferNotifier(this, _layer!, _shard!, (uint)transaction.Request.CSeqNumber);
        AddSubscription(notifier, announce: false);
        _layer!.CountSubscription(_shard!, 1);
        Changed(DialogChange.SubscriptionAdded);
        notifier.Start(_layer.Transfers.SubscriptionDuration);
        return notifier;
    }

    /// <summary>Declines a REFER. On the shard.</summary>
    internal static bool RespondToRefer(ServerTransaction transaction, int status, string? reason) =>
        transaction.LastStatusCode < 200 && transaction.State != TransactionState.Terminated &&
        transaction.Respond(transaction.CreateResponse(status, reason));

    /// <summary>
    /// A NOTIFY received in the dialog (RFC 6665 §4.1.3): passed to the subscription usage its Event package and id
    /// name, which answers it; 481 when no subscription matches, 489 for a package this end does not serve, 400 without
    /// an Event header. On the shard.
    /// </summary>
    private void OnNotify(ServerTransaction transaction)
    {
        SipRequest notify = transaction.Request;
        if (notify.Event is not { } eventHeader)
        {
            transaction.Respond(transaction.CreateResponse(400, "Missing Event Header"));
            return;
        }

        if (!string.Equals(eventHeader.Package, EventHeader.ReferPackage, StringComparison.OrdinalIgnoreCase))
        {
            transaction.Respond(transaction.CreateResponse(489).Add(SipHeaderKind.AllowEvents, EventHeader.ReferPackage)); // RFC 6665 §8.3.1
            return;
        }

        if (FindSubscription(SubscriptionRole.Subscriber, eventHeader.Package, eventHeader.Id) is not { } usage)
        {
            transaction.Respond(transaction.CreateResponse(481, "Subscription Does Not Exist")); // RFC 6665 §4.1.3
            return;
        }

        usage.OnNotify(transaction);
    }

    /// <summary>
    /// A SUBSCRIBE refreshing one of our subscriptions (RFC 3515 §2.4.6, RFC 6665 §4.2.1.2): passed to the notifier its
    /// Event package and id name; 481 when no subscription matches. On the shard.
    /// </summary>
    private void OnSubscribe(ServerTransaction transaction)
    {
        if (transaction.Request.Event is not { } eventHeader ||
            FindSubscription(SubscriptionRole.Notifier, eventHeader.Package, eventHeader.Id) is not { } usage)
        {
            transaction.Respond(transaction.CreateResponse(481, "Subscription Does Not Exist"));
            return;
        }

        usage.OnSubscribe(transaction);
    }

    /// <summary>A subscription usage ended: it leaves the dialog, and a dialog made by REFER ends with its last one.</summary>
    internal void OnSubscriptionEnded(ISubscriptionUsage usage)
    {
        if (_subscriptions?.Remove(usage) == true)
        {
            PublishSubscriptionCount();
            Changed(DialogChange.SubscriptionEnded);
            EndIfUnused();
        }
    }

    /// <summary>The dialog ended: every subscription in it ends and is freed, without NOTIFY. On the shard.</summary>
    private void EndSubscriptions()
    {
        List<ISubscriptionUsage>? subscriptions = _subscriptions;
        _subscriptions = null;
        PublishSubscriptionCount();
        if (subscriptions is not null)
        {
            foreach (ISubscriptionUsage usage in subscriptions)
            {
                usage.EndWithDialog();
            }
        }
    }

    /// <summary>Publishes the count of the list, which only the shard touches, for readers on any thread.</summary>
    private void PublishSubscriptionCount() => Volatile.Write(ref _subscriptionCount, _subscriptions?.Count ?? 0);

    private void EndIfUnused()
    {
        if (_invite is null && SubscriptionCount == 0 && _state != DialogState.Terminated)
        {
            Terminate();
        }
    }

    /// <summary>
    /// The subscription usage a NOTIFY or SUBSCRIBE is for: of this side and package, by its Event id, or, without one,
    /// the first (RFC 3515 §2.4.6).
    /// </summary>
    private ISubscriptionUsage? FindSubscription(SubscriptionRole role, string package, string? id)
    {
        uint number = 0;
        if (_subscriptions is not { Count: > 0 } subscriptions ||
            (id is not null && !uint.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out number)))
        {
            return null;
        }

        foreach (ISubscriptionUsage usage in subscriptions)
        {
            if (usage.Role == role && string.Equals(usage.EventPackage, package, StringComparison.OrdinalIgnoreCase) &&
                (id is null || usage.EventId == number))
            {
                return usage;
            }
        }

        return null;
    }
}
