using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using SipDialogs.Bridging;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>
/// <c>serve --mode b2bua</c>: each call received is admitted or refused, routed by its Request-URI user, and bridged
/// (<see cref="CallBridge"/>) to the first of its targets that takes it; a target that times out (408, Timer B) or is
/// unavailable (503, a transport error, a name DNS cannot locate) gives way to the next, and the caller gets the last
/// failure (a 503 as 500, RFC 3261 §16.7; a challenge the route's credentials could not answer as 403). One structured log event records each call as it ends. Runs off the shards; any thread.
/// </summary>
internal sealed class CallRouter
{
    private readonly Func<SipStack> _stack;
    private readonly B2buaRouteTable _routes;
    private readonly IReadOnlyList<IPNetwork> _allowed;
    private readonly BridgeOptions _bridgeOptions;
    private readonly int _maxCalls;
    private readonly TimeSpan _retryAfter;
    private readonly LiveCalls _calls;
    private readonly ILogger _logger;
    private readonly B2buaMetrics? _metrics;
    private readonly ConcurrentDictionary<string, byte> _calleeCallIds = new(StringComparer.Ordinal);
    private int _active;
    private long _refusedForCapacity;

    /// <summary>Makes the router.</summary>
    /// <param name="stack">The running stack, read at the first call (the stack is made after its handler).</param>
    /// <param name="options">Routes, allowed sources, crossing headers; validated.</param>
    /// <param name="maxCalls">The most bridged calls up at once (0: no limit); calls being set up count.</param>
    /// <param name="retryAfter">The Retry-After of a 503 for capacity.</param>
    /// <param name="calls">Where answered calls are held for the drain.</param>
    /// <param name="logger">Where the call records go.</param>
    /// <param name="meterFactory">Makes the B2BUA's instruments; none when null.</param>
    public CallRouter(
        Func<SipStack> stack, B2buaOptions options, int maxCalls, TimeSpan retryAfter, LiveCalls calls, ILogger<CallRouter> logger,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _stack = stack;
        _routes = options.GetRouteTable();
        _allowed = options.GetAllowedNetworks();
        _bridgeOptions = options.GetBridgeOptions();
        if (options.AcceptTransfers)
        {
            _bridgeOptions.RouteTransfer = RouteTransfer;
            foreach (B2buaDestination destination in _routes.Destinations)
            {
                destination.Bridge.RouteTransfer = RouteTransfer; // Each route's bridges are transferees too.
            }
        }

        _maxCalls = maxCalls;
        _retryAfter = retryAfter;
        _calls = calls;
        _logger = logger;
        _metrics = meterFactory is null ? null : new B2buaMetrics(meterFactory, () => ActiveCalls);
    }

    /// <summary>Bridged calls up now, those being set up included.</summary>
    public int ActiveCalls => Volatile.Read(ref _active);

    /// <summary>Calls refused 503 because <c>--max-calls</c> calls were up.</summary>
    public long RefusedForCapacity => Volatile.Read(ref _refusedForCapacity);

    /// <summary>Takes one call: the callback of the stack's <see cref="IncomingCallUas"/>.</summary>
    public async Task HandleAsync(IncomingCall call, CancellationToken cancelled)
    {
        if (call.Replaces is { } replaced && CallBridge.OfLeg(replaced) is { } bridged && IsAllowed(call.Remote.Address.Address))
        {
            await bridged.ReplaceLegAsync(call).ConfigureAwait(false); // Attended transfer: the call takes that leg's place.
            return;
        }

        string? user = call.Request.TryGetRequestUri(out AddrSpec? uri, out _) ? (uri as SipUri)?.User : null;
        B2buaDestination? destination = _routes.Find(user);
        var bridge = new CallBridge(_stack(), call, destination?.Bridge ?? _bridgeOptions); // A route's credentials go with its B leg.
        _ = RecordWhenEndedAsync(bridge);

        // Admission, each refusal before any B leg: the source, then (when it comes) digest authentication of the
        // caller, then a loop, Max-Forwards and capacity.
        if (!IsAllowed(call.Remote.Address.Address))
        {
            _metrics?.Refused(0);
            await bridge.RejectAsync(403, "Forbidden").ConfigureAwait(false); // Not an open relay.
            return;
        }

        if (_calleeCallIds.ContainsKey(call.Request.CallId))
        {
            _metrics?.Refused(1);
            await bridge.RejectAsync(482, "Loop Detected").ConfigureAwait(false); // One of our own B legs came back (RFC 3261 §8.2.2.2).
            return;
        }

        if (call.Request.TryGetMaxForwards(out int? hops, out _) && hops == 0)
        {
            _metrics?.Refused(2);
            await bridge.RejectAsync(483, "Too Many Hops").ConfigureAwait(false); // RFC 3261 §16.3 step 3.
            return;
        }

        if (Interlocked.Increment(ref _active) > _maxCalls && _maxCalls > 0)
        {
            Interlocked.Decrement(ref _active);
            Interlocked.Increment(ref _refusedForCapacity);
            _metrics?.Refused(3);
            await bridge.RejectAsync(503, "Too Many Calls", _retryAfter).ConfigureAwait(false); // RFC 3261 §21.5.4.
            return;
        }

        _calleeCallIds.TryAdd(bridge.CalleeCallId, 0);
        _ = ReleaseWhenEndedAsync(bridge);
        _calls.SetupStarted();
        try
        {
            await ConnectAsync(bridge, user, destination).ConfigureAwait(false);
        }
        catch
        {
            await bridge.DisposeAsync().ConfigureAwait(false); // Ends the call, so that its count and Call-ID go.
            throw;
        }
        finally
        {
            _calls.SetupEnded();
        }
    }

    private async Task ConnectAsync(CallBridge bridge, string? user, B2buaDestination? destination)
    {
        if (destination is null)
        {
            _metrics?.Refused(4);
            await bridge.RejectAsync(404, "No Route").ConfigureAwait(false);
            return;
        }

        BridgeAttempt last = default;
        foreach (B2buaTarget target in destination.Targets)
        {
            // A named target is located by the stack from the Request-URI (RFC 3263), off the shards, address by address.
            last = await bridge.ConnectAsync(target.RequestUri(user), target.Address).ConfigureAwait(false);
            if (!last.TryNextTarget)
            {
                break;
            }
        }

        if (last.Outcome == BridgeAttemptOutcome.Failed)
        {
            int status = CallBridge.UpstreamStatus(last.StatusCode);
            await bridge.RejectAsync(status, status == last.StatusCode ? last.ReasonPhrase : null).ConfigureAwait(false);
        }
        else if (last.Outcome == BridgeAttemptOutcome.Answered && bridge.CallerDialog is { } dialog)
        {
            _calls.Add(dialog); // The drain's BYE to the caller ends the callee's leg through the bridge.
        }
    }

    private async Task ReleaseWhenEndedAsync(CallBridge bridge)
    {
        await bridge.Ended.ConfigureAwait(false);
        _calleeCallIds.TryRemove(bridge.CalleeCallId, out _);
        Interlocked.Decrement(ref _active);
    }

    private async Task RecordWhenEndedAsync(CallBridge bridge)
    {
        CallRecord record = await bridge.Ended.ConfigureAwait(false);
        _metrics?.Ended(record.Cause);
        ServerLog.CallEnded(
            _logger, record.CallerCallId, record.CalleeCallId ?? string.Empty, record.Caller, record.Callee, record.Target ?? string.Empty,
            record.StartedAt, record.AnsweredAt, record.EndedAt, record.Duration.TotalSeconds, record.FinalStatus, record.HungUpBy, record.Cause);
    }

    private bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (IPNetwork network in _allowed)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A blind transfer's target, routed as a new call to its user would be: the first target of its route.</summary>
    private BridgeTarget? RouteTransfer(SipUri referTo)
    {
        B2buaDestination? destination = _routes.Find(referTo.User);
        return destination is null || destination.Targets.Count == 0
            ? null
            : new BridgeTarget(destination.Targets[0].RequestUri(referTo.User), destination.Targets[0].Address);
    }
}
