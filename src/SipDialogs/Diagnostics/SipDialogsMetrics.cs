using System.Diagnostics;
using System.Diagnostics.Metrics;
using SipDialogs.Dialogs;
using SipDialogs.Auth;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Diagnostics;

/// <summary>
/// The stack's instruments, on the meter <c>SipDialogs</c> from the host's <see cref="IMeterFactory"/>. The layers tell
/// it what happens through plain methods that add to a counter with <see cref="Interlocked"/> (no tag list, no lookup
/// on the hot path); observable instruments read those counters and the counts the stack keeps anyway when a listener
/// (the Prometheus exporter) collects. Only the durations are recorded as they happen, and only when listened to.
/// </summary>
/// <remarks>
/// Attributes are bounded: a method, a transport, a status class, a reason, a shard index, a mode. Never a Call-ID,
/// tag, URI or user. The <c>mode</c> attribute says which application made the call: <c>uas</c> by default, <c>b2bua</c>
/// for a B2BUA, whose two legs count under it (<see cref="MetricSources.Mode"/>).
/// </remarks>
internal sealed class SipDialogsMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "SipDialogs";

    /// <summary>The mode of calls answered by the stack's own UAS side.</summary>
    public const string UasMode = "uas";

    private const int Transports = 3;
    private const int StatusClasses = 7;

    /// <summary>The methods counted by name; anything else counts as <c>_OTHER</c> (the HTTP conventions' habit).</summary>
    private static readonly string[] s_methods =
    [
        SipMethods.Invite, SipMethods.Ack, SipMethods.Bye, SipMethods.Cancel, SipMethods.Options, SipMethods.Register,
        SipMethods.Prack, SipMethods.Subscribe, SipMethods.Notify, SipMethods.Publish, SipMethods.Info, SipMethods.Refer,
        SipMethods.Message, SipMethods.Update, "_OTHER",
    ];

    private static readonly string[] s_transports = ["udp", "tcp", "tls"];
    private static readonly string[] s_statusClasses = ["1xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"];
    private static readonly SipRejectReason[] s_rejectReasons = Enum.GetValues<SipRejectReason>();
    private static readonly string[] s_digestOutcomes = ["authenticated", "challenged", "forbidden", "bad_request"];
    private static readonly DigestFailure[] s_digestFailures = Enum.GetValues<DigestFailure>();

    private readonly Meter _meter;
    private readonly MetricSources _sources;
    private readonly KeyValuePair<string, object?> _mode;
    private readonly Histogram<double> _callSetup;
    private readonly long[] _received = new long[Transports * 2 * 15];
    private readonly long[] _sent = new long[Transports * 2 * 15];
    private readonly long[] _callsEnded = new long[StatusClasses];
    private readonly long[] _timeouts = new long[3];
    private readonly long[] _transfers = new long[2 * 4];

    /// <summary>Messages a bridge carried across, by the leg they came from (a, b) and whether requests or responses.</summary>
    private readonly long[] _relayed = new long[2 * 2];
    private readonly long[] _digestVerdicts = new long[s_digestOutcomes.Length * s_digestFailures.Length];
    private long _callsStarted;
    private long _earlyDialogs;
    private long _confirmedDialogs;
    private long _retransmissions;
    private long _refusedDrain;
    private long _refusedCapacity;

    /// <summary>Makes the instruments.</summary>
    /// <param name="meterFactory">The host's meter factory.</param>
    /// <param name="sources">Where the counts the stack keeps anyway are read.</param>
    public SipDialogsMetrics(IMeterFactory meterFactory, MetricSources sources)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _sources = sources;
        _mode = new KeyValuePair<string, object?>("mode", sources.Mode);
        _meter = meterFactory.Create(MeterName);
        _callSetup = _meter.CreateHistogram(
            "sipdialogs.call.setup.duration", "s",
            "Time from an out-of-dialog INVITE's arrival to its final response (post-dial delay as the caller sees it).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

        _meter.CreateObservableCounter("sipdialogs.call.started", ObserveCallsStarted, "{call}",
            "Out-of-dialog INVITEs handed to the application.");
        _meter.CreateObservableCounter("sipdialogs.call.answered", ObserveCallsAnswered, "{call}",
            "Calls answered with a 2xx.");
        _meter.CreateObservableCounter("sipdialogs.call.failed", ObserveCallsFailed, "{call}",
            "Calls ended by a final response of 3xx to 6xx, by status class.");
        _meter.CreateObservableUpDownCounter("sipdialogs.dialog.active", ObserveDialogs, "{dialog}",
            "Live dialogs by state (early, confirmed).");
        _meter.CreateObservableUpDownCounter("sipdialogs.transaction.active", () => (long)_sources.Transactions(), "{transaction}",
            "Live transactions.");
        _meter.CreateObservableCounter("sipdialogs.transaction.retransmissions", () => Volatile.Read(ref _retransmissions), "{message}",
            "Requests and responses sent again by a transaction's timer (A, E, G).");
        _meter.CreateObservableCounter("sipdialogs.transaction.timeouts", ObserveTimeouts, "{transaction}",
            "Transactions ended by a timeout, by timer (B, F, H).");
        _meter.CreateObservableCounter("sipdialogs.message.received", () => ObserveMessages(_received), "{message}",
            "Messages received, by transport, method (the CSeq method for responses) and type.");
        _meter.CreateObservableCounter("sipdialogs.message.sent", () => ObserveMessages(_sent), "{message}",
            "Messages sent by transactions, by transport, method (the CSeq method for responses) and type.");
        _meter.CreateObservableCounter("sipdialogs.message.rejected", ObserveRejected, "{message}",
            "Received messages refused by the parser or the transport's checks, by reason.");
        _meter.CreateObservableCounter("sipdialogs.request.refused", ObserveRefused, "{request}",
            "Requests answered 503 with Retry-After, by reason: overload (a full mailbox or a busy application), max_calls or drain.");
        _meter.CreateObservableCounter("sipdialogs.auth.verdicts", ObserveDigestVerdicts, "{request}",
            "Requests checked for Digest credentials (RFC 3261 §22), by outcome and, when refused, by the check that failed (error.type; Blocked = 403 for a source that failed too often).");
        _meter.CreateObservableCounter("sipdialogs.message.dropped", () => _sources.MessagesDropped(), "{message}",
            "Messages dropped unanswered because a shard's mailbox was full.");
        _meter.CreateObservableUpDownCounter("sipdialogs.connection.open", () => _sources.Transport().ConnectionsOpen, "{connection}",
            "TCP and TLS connections open.");
        // Summed by each shard's own loop and read here when collected: a histogram recorded on every turn cost a
        // shared lock per turn under a listener (a busy serve fell to half its call rate with dotnet-counters attached).
        _meter.CreateObservableCounter("sipdialogs.shard.busy.time", ObserveShardBusy, "s",
            "Time each shard's loop has spent running its mailbox; its rate is the share of one core the shard keeps busy.");
        _meter.CreateObservableCounter("sipdialogs.shard.turns", ObserveShardTurns, "{turn}",
            "Batches each shard's loop has run; busy time over turns is the mean turn time.");
        _meter.CreateObservableUpDownCounter("sipdialogs.shard.mailbox.depth", ObserveMailboxes, "{item}",
            "Work items waiting in each shard's mailbox.");
        _meter.CreateObservableCounter("sipdialogs.handler.faults", () => _sources.HandlerFaults(), "{fault}",
            "Exceptions thrown by application handlers, caught and counted.");
        _meter.CreateObservableUpDownCounter("sipdialogs.subscription.active", () => (long)_sources.Subscriptions(), "{subscription}",
            "Live REFER subscriptions, sent and received.");
        _meter.CreateObservableCounter("sipdialogs.transfer.completed", ObserveTransfers, "{transfer}",
            "Transfers (REFER, RFC 3515) ended, by role (transferor: a REFER we sent; transferee: a REFER we carried out) and result.");
        _meter.CreateObservableCounter("sipdialogs.bridge.relayed", ObserveRelayed, "{message}",
            "Requests and responses a bridge (B2BUA) carried from one leg to the other, by the leg they came from (a: the caller's, b: the callee's).");
        _meter.CreateObservableUpDownCounter("sipdialogs.drain.active", () => _sources.Draining() ? 1L : 0L, "{node}",
            "1 while the stack drains (takes no new calls), else 0.");
    }

    /// <summary>Where the instruments read the counts the stack keeps; each any thread.</summary>
    /// <param name="Transactions">Live transactions.</param>
    /// <param name="Subscriptions">Live subscriptions.</param>
    /// <param name="HandlerFaults">Handler faults so far.</param>
    /// <param name="RefusedOverload">503s sent for overload so far.</param>
    /// <param name="MessagesDropped">Messages dropped on a full mailbox so far.</param>
    /// <param name="Transport">The transport's counters.</param>
    /// <param name="ShardCount">How many shards.</param>
    /// <param name="MailboxDepth">A shard's mailbox depth by index.</param>
    /// <param name="ShardBusyTicks">A shard's busy time so far in <see cref="Stopwatch"/> ticks, by index.</param>
    /// <param name="ShardTurns">A shard's batches so far, by index.</param>
    /// <param name="Draining">Whether the stack drains.</param>
    /// <param name="Mode">The <c>mode</c> attribute of the call and dialog instruments.</param>
    internal sealed record MetricSources(
        Func<int> Transactions,
        Func<int> Subscriptions,
        Func<long> HandlerFaults,
        Func<long> RefusedOverload,
        Func<long> MessagesDropped,
        Func<SipTransportCounters> Transport,
        int ShardCount,
        Func<int, int> MailboxDepth,
        Func<int, long> ShardBusyTicks,
        Func<int, long> ShardTurns,
        Func<bool> Draining,
        string Mode = UasMode);

    /// <summary>An out-of-dialog INVITE was handed to the application.</summary>
    public void CallStarted() => Interlocked.Increment(ref _callsStarted);

    /// <summary>The first final response to a call's INVITE was sent.</summary>
    /// <param name="startedAt">The <see cref="Stopwatch"/> timestamp of the INVITE's arrival.</param>
    /// <param name="statusCode">The final status.</param>
    public void CallSetupEnded(long startedAt, int statusCode)
    {
        int statusClass = Math.Clamp(statusCode / 100, 0, StatusClasses - 1);
        Interlocked.Increment(ref _callsEnded[statusClass]);
        if (_callSetup.Enabled)
        {
            var tags = new TagList { _mode, { "sip.response.status_class", s_statusClasses[statusClass] } };
            _callSetup.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
        }
    }

    /// <summary>A dialog joined the stack in <paramref name="confirmed"/> or early state.</summary>
    public void DialogAdded(bool confirmed) => Interlocked.Increment(ref confirmed ? ref _confirmedDialogs : ref _earlyDialogs);

    /// <summary>An early dialog became confirmed.</summary>
    public void DialogConfirmed()
    {
        Interlocked.Decrement(ref _earlyDialogs);
        Interlocked.Increment(ref _confirmedDialogs);
    }

    /// <summary>A dialog left the stack (ended or exported) from <paramref name="confirmed"/> or early state.</summary>
    public void DialogRemoved(bool confirmed) => Interlocked.Decrement(ref confirmed ? ref _confirmedDialogs : ref _earlyDialogs);

    /// <summary>A transaction's timer sent a request or response again.</summary>
    public void Retransmitted() => Interlocked.Increment(ref _retransmissions);

    /// <summary>A transaction timed out.</summary>
    /// <param name="timer">0 = Timer B (client INVITE), 1 = Timer F (client non-INVITE), 2 = Timer H (server INVITE, no ACK).</param>
    public void TimedOut(int timer) => Interlocked.Increment(ref _timeouts[timer]);

    /// <summary>A new call was answered 503 because as many calls as the limit allows are up.</summary>
    public void RefusedForCapacity() => Interlocked.Increment(ref _refusedCapacity);

    /// <summary>A request was answered 503 because the stack drains.</summary>
    public void RefusedForDrain() => Interlocked.Increment(ref _refusedDrain);

    /// <summary>A transfer ended.</summary>
    /// <param name="transferee">True when this stack carried the REFER out, false when it sent it.</param>
    /// <param name="result">How it ended.</param>
    public void TransferEnded(bool transferee, TransferResult result) =>
        Interlocked.Increment(ref _transfers[((transferee ? 1 : 0) * 4) + Math.Clamp((int)result, 0, 3)]);
    /// <summary>A request's Digest credentials were checked (RFC 3261 §22): its outcome and the check that failed, if any.</summary>
    public void DigestVerdict(DigestOutcome outcome, DigestFailure failure)
    {
        int slot = ((int)outcome * s_digestFailures.Length) + (int)failure;
        if ((uint)slot < (uint)_digestVerdicts.Length)
        {
            Interlocked.Increment(ref _digestVerdicts[slot]);
        }
    }

    /// <summary>A bridge carried a message from one leg to the other.</summary>
    /// <param name="fromCallee">True when it came from the B leg (the callee's side), false from the A leg.</param>
    /// <param name="response">True for a response, false for a request.</param>
    public void Relayed(bool fromCallee, bool response) => Interlocked.Increment(ref _relayed[((fromCallee ? 1 : 0) * 2) + (response ? 1 : 0)]);

    /// <summary>A message arrived.</summary>
    public void Received(SipTransportProtocol transport, SipMessage message) =>
        Interlocked.Increment(ref _received[Slot(transport, message is SipResponse, message is SipRequest request ? request.Method : message.CSeqMethod)]);

    /// <summary>A transaction sent a message.</summary>
    public void Sent(SipTransportProtocol transport, string method, bool response) =>
        Interlocked.Increment(ref _sent[Slot(transport, response, method)]);

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    private static int Slot(SipTransportProtocol transport, bool response, string method) =>
        ((((int)transport % Transports) * 2) + (response ? 1 : 0)) * s_methods.Length + MethodIndex(method);

    private static int MethodIndex(string method) => method switch
    {
        SipMethods.Invite => 0,
        SipMethods.Ack => 1,
        SipMethods.Bye => 2,
        SipMethods.Cancel => 3,
        SipMethods.Options => 4,
        SipMethods.Register => 5,
        SipMethods.Prack => 6,
        SipMethods.Subscribe => 7,
        SipMethods.Notify => 8,
        SipMethods.Publish => 9,
        SipMethods.Info => 10,
        SipMethods.Refer => 11,
        SipMethods.Message => 12,
        SipMethods.Update => 13,
        _ => 14,
    };

    private Measurement<long> Mode(long value) => new(value, _mode);

    private Measurement<long> ObserveCallsStarted() => Mode(Volatile.Read(ref _callsStarted));

    private Measurement<long> ObserveCallsAnswered() => Mode(Volatile.Read(ref _callsEnded[2]));

    private IEnumerable<Measurement<long>> ObserveCallsFailed()
    {
        for (int i = 3; i < StatusClasses; i++)
        {
            yield return new Measurement<long>(
                Volatile.Read(ref _callsEnded[i]),
                _mode,
                new KeyValuePair<string, object?>("sip.response.status_class", s_statusClasses[i]));
        }
    }

    private IEnumerable<Measurement<long>> ObserveDialogs()
    {
        yield return new Measurement<long>(
            Volatile.Read(ref _earlyDialogs), _mode, new KeyValuePair<string, object?>("sipdialogs.dialog.state", "early"));
        yield return new Measurement<long>(
            Volatile.Read(ref _confirmedDialogs), _mode, new KeyValuePair<string, object?>("sipdialogs.dialog.state", "confirmed"));
    }

    private IEnumerable<Measurement<long>> ObserveTimeouts()
    {
        string[] timers = ["B", "F", "H"];
        for (int i = 0; i < timers.Length; i++)
        {
            yield return new Measurement<long>(Volatile.Read(ref _timeouts[i]), new KeyValuePair<string, object?>("sip.timer", timers[i]));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveMessages(long[] counts)
    {
        for (int slot = 0; slot < counts.Length; slot++)
        {
            long value = Volatile.Read(ref counts[slot]);
            if (value == 0)
            {
                continue; // Only the series that happened: 90 mostly empty ones would only cost the scraper.
            }

            int method = slot % s_methods.Length;
            int rest = slot / s_methods.Length;
            yield return new Measurement<long>(
                value,
                new KeyValuePair<string, object?>("network.transport", s_transports[rest / 2]),
                new KeyValuePair<string, object?>("sip.request.method", s_methods[method]),
                new KeyValuePair<string, object?>("sip.message.type", rest % 2 == 0 ? "request" : "response"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveTransfers()
    {
        string[] results = ["succeeded", "failed", "declined", "unknown"];
        for (int slot = 0; slot < _transfers.Length; slot++)
        {
            yield return new Measurement<long>(
                Volatile.Read(ref _transfers[slot]),
                new KeyValuePair<string, object?>("sipdialogs.transfer.role", slot < 4 ? "transferor" : "transferee"),
                new KeyValuePair<string, object?>("sipdialogs.transfer.result", results[slot % 4]));
        }
    }

    private IEnumerable<Measurement<long>> ObserveRelayed()
    {
        for (int slot = 0; slot < _relayed.Length; slot++)
        {
            yield return new Measurement<long>(
                Volatile.Read(ref _relayed[slot]),
                _mode,
                new KeyValuePair<string, object?>("sipdialogs.bridge.leg", slot < 2 ? "a" : "b"),
                new KeyValuePair<string, object?>("sip.message.type", slot % 2 == 0 ? "request" : "response"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveRejected()
    {
        SipTransportCounters counters = _sources.Transport();
        foreach (SipRejectReason reason in s_rejectReasons)
        {
            long value = counters.GetRejected(reason);
            if (value != 0)
            {
                yield return new Measurement<long>(value, new KeyValuePair<string, object?>("error.type", reason.ToString()));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveRefused()
    {
        yield return new Measurement<long>(_sources.RefusedOverload(), new KeyValuePair<string, object?>("sipdialogs.refusal.reason", "overload"));
        yield return new Measurement<long>(Volatile.Read(ref _refusedDrain), new KeyValuePair<string, object?>("sipdialogs.refusal.reason", "drain"));
        yield return new Measurement<long>(Volatile.Read(ref _refusedCapacity), new KeyValuePair<string, object?>("sipdialogs.refusal.reason", "max_calls"));
    }

    private IEnumerable<Measurement<long>> ObserveDigestVerdicts()
    {
        for (int slot = 0; slot < _digestVerdicts.Length; slot++)
        {
            long value = Volatile.Read(ref _digestVerdicts[slot]);
            if (value == 0)
            {
                continue;
            }

            int outcome = slot / s_digestFailures.Length;
            DigestFailure failure = s_digestFailures[slot % s_digestFailures.Length];
            yield return failure == DigestFailure.None
                ? new Measurement<long>(value, new KeyValuePair<string, object?>("sipdialogs.auth.outcome", s_digestOutcomes[outcome]))
                : new Measurement<long>(
                    value,
                    new KeyValuePair<string, object?>("sipdialogs.auth.outcome", s_digestOutcomes[outcome]),
                    new KeyValuePair<string, object?>("error.type", failure.ToString()));
        }
    }

    private IEnumerable<Measurement<double>> ObserveShardBusy()
    {
        for (int i = 0; i < _sources.ShardCount; i++)
        {
            yield return new Measurement<double>(
                (double)_sources.ShardBusyTicks(i) / Stopwatch.Frequency, new KeyValuePair<string, object?>("sipdialogs.shard", i));
        }
    }

    private IEnumerable<Measurement<long>> ObserveShardTurns()
    {
        for (int i = 0; i < _sources.ShardCount; i++)
        {
            yield return new Measurement<long>(_sources.ShardTurns(i), new KeyValuePair<string, object?>("sipdialogs.shard", i));
        }
    }

    private IEnumerable<Measurement<long>> ObserveMailboxes()
    {
        for (int i = 0; i < _sources.ShardCount; i++)
        {
            yield return new Measurement<long>(_sources.MailboxDepth(i), new KeyValuePair<string, object?>("sipdialogs.shard", i));
        }
    }
}
