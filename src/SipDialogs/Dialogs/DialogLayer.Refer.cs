using System.Diagnostics.CodeAnalysis;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// REFER (RFC 3515) at the layer: the checks every REFER gets, REFERs sent and received outside any dialog (whose 202,
/// or first NOTIFY, makes a dialog), and the count of live subscriptions.
/// </summary>
internal sealed partial class DialogLayer
{
    /// <summary>The extensions a REFER received may require: norefersub (RFC 4488), tdialog (RFC 4538), replaces (RFC 3891).</summary>
    private static readonly string[] s_referExtensions = ["norefersub", "tdialog", "replaces"];

    /// <summary>One counter per shard, a cache line apart, each written only by its shard.</summary>
    private const int CounterStride = 8;

    private long[]? _subscriptions;
    private Dictionary<string, Transfer>?[]? _referrals;

    /// <summary>How REFERs are answered when no handler answers, and how long their subscriptions last.</summary>
    public TransferOptions Transfers { get; init; } = new();

    /// <summary>The stack-wide REFER handlers, for REFERs outside a dialog and in dialogs without their own.</summary>
    public event EventHandler<ReferReceivedEventArgs>? ReferReceived;

    internal EventHandler<ReferReceivedEventArgs>? ReferHandlers => ReferReceived;

    /// <summary>The live REFER subscriptions on every shard, both sides.</summary>
    public int SubscriptionCount
    {
        get
        {
            long[]? counts = Volatile.Read(ref _subscriptions);
            if (counts is null)
            {
                return 0;
            }

            long sum = 0;
            for (int i = 0; i < counts.Length; i += CounterStride)
            {
                sum += Volatile.Read(ref counts[i]);
            }

            return (int)sum;
        }
    }

    /// <summary>A subscription began (+1) or was freed (-1). On its shard.</summary>
    public void CountSubscription(Shard shard, int delta)
    {
        long[] counts = Volatile.Read(ref _subscriptions) ?? CreateCounters();
        ref long slot = ref counts[shard.Index * CounterStride];
        Volatile.Write(ref slot, slot + delta);

        long[] CreateCounters()
        {
            var created = new long[Shards.Count * CounterStride];
            return Interlocked.CompareExchange(ref _subscriptions, created, null) ?? created;
        }
    }

    /// <summary>
    /// The checks of RFC 3515 §2.4.2 every REFER gets, answered here when they fail: exactly one Refer-To (400), a SIP or
    /// SIPS URI in it (400: the stack can call nothing else), and a well-formed Replaces embedded in it (400).
    /// </summary>
    public static bool TryCheckRefer(ServerTransaction transaction, [NotNullWhen(true)] out ReferToHeader? referTo, [NotNullWhen(true)] out SipUri? target)
    {
        referTo = null;
        target = null;
        SipRequest refer = transaction.Request;
        int first = refer.IndexOfHeader(SipHeaderKind.ReferTo);
        string? problem = null;
        if (first < 0)
        {
            problem = "Missing Refer-To Header";
        }
        else if (refer.IndexOfHeader(SipHeaderKind.ReferTo, first + 1) >= 0)
        {
            problem = "More Than One Refer-To Header";
        }
        else if (refer.ReferTo is not { } header)
        {
            problem = "Bad Refer-To Header";
        }
        else if (header.Address.Uri is not SipUri uri)
        {
            problem = "Unsupported Refer-To URI Scheme";
        }
        else if (header.EmbeddedReplaces is not null && !header.TryGetReplaces(out _, out _))
        {
            problem = "Bad Replaces In Refer-To";
        }
        else
        {
            referTo = header;
            target = uri;
            return true;
        }

        transaction.Respond(transaction.CreateResponse(400, problem));
        return false;
    }

    /// <summary>The headers of a REFER besides the dialog's: Refer-To, Referred-By (RFC 3892), Contact, and Refer-Sub (RFC 4488).</summary>
    public static void AddReferHeaders(SipMessageBuilder refer, string referTo, ReferOptions options, string referredBy, string contact)
    {
        refer.Add(SipHeaderKind.ReferTo, "<" + referTo + ">");
        if (referredBy.Length > 0)
        {
            refer.Add(SipHeaderKind.ReferredBy, referredBy);
        }

        refer.Add(SipHeaderKind.Contact, contact); // RFC 3515 §2.4.1: a REFER may make a dialog; in one it changes nothing.

        if (!options.Subscribe)
        {
            refer.Add(SipHeaderKind.ReferSub, "false").Add(SipHeaderKind.Supported, "norefersub");
        }

        foreach (KeyValuePair<string, string> header in options.Headers)
        {
            refer.Add(header.Key, header.Value);
        }
    }

    /// <summary>
    /// A REFER outside any dialog (RFC 3515 §2.4.2, §4.1): checked, then given a dialog that its 202 would make (stored
    /// only once accepted with a subscription) and passed to the stack's handlers. On the shard.
    /// </summary>
    public void OnOutOfDialogRefer(ServerTransaction transaction)
    {
        SipRequest refer = transaction.Request;
        if (!refer.TryValidateAsUas(out SipParseError error))
        {
            transaction.Respond(transaction.CreateResponse(error.StatusCode, error.ReasonPhrase));
            return;
        }

        foreach (string option in refer.Require)
        {
            if (Array.IndexOf(s_referExtensions, option.ToLowerInvariant()) < 0)
            {
                transaction.Respond(transaction.CreateResponse(420).Add(SipHeaderKind.Unsupported, option)); // RFC 3261 §8.2.2.3
                return;
            }
        }

        if (!TryCheckRefer(transaction, out ReferToHeader? referTo, out SipUri? target))
        {
            return;
        }

        bool overTls = transaction.Received.Local.Protocol == SipTransportProtocol.Tls;
        if (!Dialog.TryCreateAsUas(refer, 202, transaction.LocalTag, LocalContact(transaction.Received.Local), overTls, out Dialog? dialog))
        {
            transaction.Respond(transaction.CreateResponse(400, "Missing Or Bad Contact")); // RFC 3515 §2.4.2: a REFER makes a dialog.
            return;
        }

        dialog.Attach(this, transaction.Shard, transaction.Received.Remote, store: false);
        dialog.MarkSubscriptionOnly();
        dialog.ReceiveRefer(transaction, referTo, target, inDialog: false);
    }

    /// <summary>
    /// Sends a REFER outside any dialog (RFC 3515 §4.1). Its 2xx, or a NOTIFY that overtakes it, makes the dialog of the
    /// subscription. On the shard of <paramref name="request"/>'s Call-ID.
    /// </summary>
    public Transfer StartOutOfDialogRefer(Shard shard, SipRequest request, string referTo, bool subscribe, SipEndPoint target)
    {
        var transfer = new Transfer(this, shard, referTo, (uint)request.CSeqNumber, subscribe, Timers.SixtyFourT1) { Request = request };
        Dictionary<string, Transfer>?[] referrals = Volatile.Read(ref _referrals) ?? CreateReferrals();
        (referrals[shard.Index] ??= new Dictionary<string, Transfer>(StringComparer.Ordinal))[request.CallId] = transfer;
        CountSubscription(shard, 1);
        try
        {
            _transactions.StartRequest(request, target, transfer);
        }
        catch (SipTransportException)
        {
            transfer.OnResponse(TransactionLayer.MakeLocalResponse(request, 503));
        }

        return transfer;

        Dictionary<string, Transfer>?[] CreateReferrals()
        {
            var created = new Dictionary<string, Transfer>?[Shards.Count];
            return Interlocked.CompareExchange(ref _referrals, created, null) ?? created;
        }
    }

    /// <summary>A REFER sent outside any dialog ended before making one. On its shard.</summary>
    public void ForgetReferral(Transfer transfer)
    {
        if (transfer.Request is { } request && Shard.Current is { } shard && _referrals?[shard.Index] is { } pending)
        {
            pending.Remove(request.CallId);
        }
    }

    /// <summary>The final response to a REFER sent outside any dialog: a 2xx makes the subscription's dialog (RFC 3515 §4.1).</summary>
    internal void OnOutOfDialogReferResponse(Transfer transfer, SipResponse response, InboundMessage? received)
    {
        if (transfer.Request is not { } request)
        {
            return;
        }

        if (response.StatusCode is >= 200 and < 300 && transfer.Subscribe && received is { } message &&
            Dialog.TryCreateAsUac(request, response, message.Local.Protocol == SipTransportProtocol.Tls, out Dialog? dialog) &&
            dialog.Attach(this, Shard.Current!, message.Remote, store: true))
        {
            dialog.MarkSubscriptionOnly();
            dialog.AddTransfer(transfer);
            transfer.SetDialog(dialog);
        }

        if (response.StatusCode >= 200)
        {
            _referrals?[Shard.Current!.Index]?.Remove(request.CallId);
        }

        transfer.OnResponse(response);
    }

    /// <summary>
    /// A NOTIFY that matches no dialog but a REFER we sent outside one, which it overtook (RFC 6665 §4.1.2.4: the NOTIFY
    /// then makes the dialog). False when it is no such NOTIFY. On the shard.
    /// </summary>
    public bool TryHandleEarlyNotify(ServerTransaction transaction)
    {
        SipRequest notify = transaction.Request;
        if (notify.Method != SipMethods.Notify || _referrals?[transaction.Shard.Index] is not { Count: > 0 } pending ||
            !pending.TryGetValue(notify.CallId, out Transfer? transfer) || transfer.Request is not { } refer ||
            !refer.FromTag.SequenceEqual(notify.ToTag) ||
            !refer.TryGetContact(out IReadOnlyList<ContactHeader>? contacts, out _) || contacts.Count == 0 || contacts[0].Address is not { } contact ||
            !Dialog.TryCreateAsUas(notify, 200, System.Text.Encoding.UTF8.GetString(refer.FromTag), contact.ToString(),
                transaction.Received.Local.Protocol == SipTransportProtocol.Tls, out Dialog? dialog) ||
            !dialog.Attach(this, transaction.Shard, transaction.Received.Remote, store: true))
        {
            return false;
        }

        pending.Remove(notify.CallId);
        dialog.MarkSubscriptionOnly();
        dialog.SetLocalCSeq((uint)refer.CSeqNumber);
        dialog.AddTransfer(transfer);
        transfer.SetDialog(dialog);
        dialog.OnRequest(transaction);
        return true;
    }
}
