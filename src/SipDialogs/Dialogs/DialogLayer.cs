using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SipDialogs.Internal;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// The dialog layer (RFC 3261 §12, §13–§15) between the transactions and the application: it matches requests and
/// ACKs to the dialogs of the store, passes responses to the calls and dialogs that sent the requests, starts
/// outgoing calls and makes incoming ones. Everything runs on the shard of the Call-ID.
/// </summary>
internal sealed partial class DialogLayer
{
    /// <summary>The methods a dialog of this stack serves (RFC 3261 §20.5).</summary>
    public const string Allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY, SUBSCRIBE";

    [ThreadStatic]
    private static List<Dialog>? t_found;

    private readonly TransactionLayer _transactions;
    private readonly ISipTransportLayer _transport;
    private readonly Action<string, Exception> _reportFault;
    private readonly ILogger _logger;

    public DialogLayer(
        TransactionLayer transactions, ISipTransportLayer transport, IDialogStore store, SessionTimerOptions sessionTimers,
        Action<string, Exception> reportFault, ILogger logger)
    {
        SessionTimers = sessionTimers;
        _transactions = transactions;
        _transport = transport;
        Store = store;
        _reportFault = reportFault;
        _logger = logger;
    }

    public IDialogStore Store { get; }

    /// <summary>The named Digest clients an imported dialog answers challenges with (<see cref="Hosting.SipStack.AddDigestClient"/>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, Auth.DigestClient> DigestClients { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Finds the servers of SIP URIs with host names (RFC 3263); its lookups run off the shards, and its answers expire
    /// by their TTL on the shards' clock.
    /// </summary>
    public Dns.SipServerLocator Locator
    {
        get => field ??= new Dns.SipServerLocator(
            new Dns.SipServerLocatorOptions(), Shards.TimeProvider, System.Security.Cryptography.RandomNumberGenerator.GetInt32);
        set;
    }

    /// <summary>The stack's instruments (dialogs by state), or null when none are kept.</summary>
    internal Diagnostics.SipDialogsMetrics? Metrics { get; set; }

    /// <summary>Session timers (RFC 4028) for every dialog.</summary>
    public SessionTimerOptions SessionTimers { get; }

    public TransactionLayer Transactions => _transactions;

    public SipTimerOptions Timers => _transactions.TimerOptions;

    public ShardSet Shards => _transactions.Shards;

    /// <summary>The addresses named in Contacts instead of the listening ones, at most one per transport (<see cref="Hosting.SipStackOptions.Advertise"/>).</summary>
    public IReadOnlyList<SipEndPoint> Advertised { get; init; } = [];

    /// <summary>
    /// This end's Contact for messages that leave through <paramref name="local"/>: the advertised address of its
    /// transport when there is one, else <paramref name="local"/> itself.
    /// </summary>
    public string LocalContact(SipEndPoint local)
    {
        foreach (SipEndPoint advertised in Advertised)
        {
            if (advertised.Protocol == local.Protocol)
            {
                return ContactFor(advertised);
            }
        }

        return ContactFor(local);
    }

    /// <summary>
    /// This end's Contact for messages that leave through <paramref name="local"/>: <c>&lt;sip:sipdialogs@host:port;transport=…&gt;</c>.
    /// </summary>
    public static string ContactFor(SipEndPoint local)
    {
        string host = local.Address.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + local.Address.Address + "]"
            : local.Address.Address.ToString();
        string transport = local.Protocol == SipTransportProtocol.Udp ? string.Empty : ";transport=" + local.ViaTransport.ToLowerInvariant();
        return string.Create(CultureInfo.InvariantCulture, $"<sip:sipdialogs@{host}:{local.Address.Port}{transport}>");
    }

    /// <summary>The local end point of a transport, for the Contact and From of outgoing requests.</summary>
    public SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol) => _transport.GetLocalEndPoint(protocol);

    /// <summary>An ACK for a 2xx (RFC 3261 §13.3.1.4): the dialog stops retransmitting its 2xx.</summary>
    public void OnAck(InboundMessage ack)
    {
        var request = (SipRequest)ack.Message;
        if (Store.TryGet(request.CallIdBytes, request.ToTag, request.FromTag, out Dialog? dialog))
        {
            dialog.OnAck(request);
        }
    }

    /// <summary>A response to a request of a call, a dialog or a subscription: told to what sent the request.</summary>
    public static void OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received) =>
        transaction.Owner?.OnResponse(transaction, response, received);

    /// <summary>
    /// A response no transaction took: a retransmitted 2xx to an INVITE whose transaction has ended is ACKed again by its
    /// dialog (RFC 3261 §13.2.2.4). False when no dialog takes it.
    /// </summary>
    public bool OnStrayResponse(InboundMessage received)
    {
        if (received.Message is not SipResponse { StatusCode: >= 200 and < 300 } response || response.CSeqMethod != SipMethods.Invite ||
            !Store.TryGet(response.CallIdBytes, response.FromTag, response.ToTag, out Dialog? dialog))
        {
            return false;
        }

        dialog.OnStray2xx(response);
        return true;
    }

    /// <summary>A client transaction got no response (Timer B or F, RFC 3261 §17.1; a local 408).</summary>
    public static void OnTimeout(Transaction transaction) => OnNoResponse(transaction, 408);

    /// <summary>A client transaction could not send (RFC 3261 §8.1.3.1; a local 503).</summary>
    public static void OnTransportError(Transaction transaction) => OnNoResponse(transaction, 503);

    /// <summary>A transaction ended: an outgoing call's INVITE transaction ends its forks that never answered.</summary>
    public static void OnTerminated(Transaction transaction)
    {
        if (transaction is ClientTransaction { Owner: { } owner } client)
        {
            owner.OnTerminated(client);
        }
    }

    /// <summary>
    /// Makes the call object of an INVITE received outside any dialog, or answers it 422 when it asks for too short a
    /// session (RFC 4028 §9) and returns null. Any thread: it reads only the request, which the application was given.
    /// </summary>
    public IncomingCall? CreateIncomingCall(ServerTransaction invite, SipRequest request)
    {
        if (InviteUsage.AsksTooShortASession(request, SessionTimers))
        {
            invite.Respond(InviteUsage.IntervalTooSmall(invite, SessionTimers));
            return null;
        }

        return new IncomingCall(this, invite, request);
    }

    /// <summary>
    /// Whether a dialog this end answered was made by this very INVITE (same Call-ID, From tag and CSeq or later): a
    /// late retransmission, answered 482 before it reaches the application. On the shard.
    /// </summary>
    internal bool IsLateRetransmission(SipRequest invite)
    {
        List<Dialog> found = t_found ??= new List<Dialog>(2);
        found.Clear();
        if (Store.GetByCallId(invite.CallIdBytes, found) == 0)
        {
            return false;
        }

        bool late = false;
        foreach (Dialog dialog in found)
        {
            if (!dialog.IsUac && dialog.Id.RemoteTagBytes.SequenceEqual(invite.FromTag) && dialog.RemoteCSeq >= invite.CSeqNumber)
            {
                late = true;
                break;
            }
        }

        found.Clear();
        return late;
    }

    /// <summary>Sends a response that belongs to no transaction any more (a 2xx retransmitted by its dialog).</summary>
    public void SendResponse(byte[] bytes, ViaHeader topVia, InboundMessage request) =>
        Observe(CompletedSend.Pending(_transport.SendResponseAsync(bytes, topVia, request, CancellationToken.None)));

    /// <summary>Sends an ACK for a 2xx (no transaction, RFC 3261 §17.1.1.3).</summary>
    public void SendAck(byte[] bytes, SipEndPoint target) =>
        Observe(CompletedSend.Pending(_transactions.SendAckAsync(bytes, target, CancellationToken.None)));

    /// <summary>An application's handler threw: logged and counted; the stack carries on.</summary>
    public void ReportHandlerFault(string name, Exception exception)
    {
        _reportFault(name, exception);
        DialogLog.HandlerFault(_logger, name, exception);
    }

    private static void OnNoResponse(Transaction transaction, int status)
    {
        if (transaction is ClientTransaction { Owner: { } owner } client)
        {
            owner.OnNoResponse(client, status);
        }
    }

    /// <summary>The store could not answer <see cref="IDialogStore.TryCheckOwner"/>: logged, and the dialog goes on here.</summary>
    public void ReportOwnerCheckFailed(Exception exception) => DialogLog.OwnerCheckFailed(_logger, exception);

    private static void Observe(Task? pending)
    {
        // A failed send of a retransmission is only logged by the transport; the timers carry on.
        _ = pending?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private static partial class DialogLog
    {
        [LoggerMessage(500, LogLevel.Error, "Dialog event handler threw on {Event}; the dialog carries on")]
        public static partial void HandlerFault(ILogger logger, string @event, Exception exception);

        [LoggerMessage(501, LogLevel.Warning, "The dialog store could not find or take up a dialog a request named; the request is answered without it")]
        public static partial void StoreLookupFailed(ILogger logger, Exception exception);

        [LoggerMessage(502, LogLevel.Warning, "The dialog store could not say whether a dialog is still this stack's; its timer goes on")]
        public static partial void OwnerCheckFailed(ILogger logger, Exception exception);
    }
}
