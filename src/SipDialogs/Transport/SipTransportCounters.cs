using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>
/// Live counts of the transport layer, updated with <see cref="Interlocked"/> by the receive loops and read by the
/// metrics layer. Totals only grow; <see cref="ConnectionsOpen"/> goes up and down.
/// </summary>
internal sealed class SipTransportCounters
{
    private readonly long[] _rejectedByReason = new long[ReasonSlots()];
    private long _datagramsReceived;
    private long _datagramsRejected;
    private long _datagramsDropped;
    private long _streamMessagesReceived;
    private long _streamMessagesRejected;
    private long _errorResponsesSent;
    private long _responsesDropped;
    private long _connectionsOpen;
    private long _connectionsAccepted;
    private long _connectionsOpened;
    private long _connectionsRefused;
    private long _connectionsTimedOut;
    private long _sinkFailures;

    /// <summary>Datagrams read from UDP sockets, good or bad.</summary>
    public long DatagramsReceived => Volatile.Read(ref _datagramsReceived);

    /// <summary>Datagrams that did not parse as a message, or a request whose top Via could not be read.</summary>
    public long DatagramsRejected => Volatile.Read(ref _datagramsRejected);

    /// <summary>Datagrams thrown away unanswered: rejected responses, junk that cannot be addressed, rejected ACKs.</summary>
    public long DatagramsDropped => Volatile.Read(ref _datagramsDropped);

    /// <summary>Messages framed from TCP and TLS connections, good or bad.</summary>
    public long StreamMessagesReceived => Volatile.Read(ref _streamMessagesReceived);

    /// <summary>Stream messages or frames refused (a framing error also closes its connection).</summary>
    public long StreamMessagesRejected => Volatile.Read(ref _streamMessagesRejected);

    /// <summary>Stateless 4xx/5xx answers sent to requests that were refused (RFC 3261 §21.4.1).</summary>
    public long ErrorResponsesSent => Volatile.Read(ref _errorResponsesSent);

    /// <summary>Received responses dropped because their top Via could not be read (RFC 3261 §18.1.2).</summary>
    public long ResponsesDropped => Volatile.Read(ref _responsesDropped);

    /// <summary>TCP and TLS connections open now, accepted and opened.</summary>
    public long ConnectionsOpen => Volatile.Read(ref _connectionsOpen);

    /// <summary>Connections accepted from peers.</summary>
    public long ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Connections opened to peers.</summary>
    public long ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    /// <summary>Connections refused or not opened because <see cref="SipLimits.MaxConnections"/> were open.</summary>
    public long ConnectionsRefused => Volatile.Read(ref _connectionsRefused);

    /// <summary>Connections closed by the header-read, idle or send timeout.</summary>
    public long ConnectionsTimedOut => Volatile.Read(ref _connectionsTimedOut);

    /// <summary>Messages the sink threw on.</summary>
    public long SinkFailures => Volatile.Read(ref _sinkFailures);

    /// <summary>How many datagrams and stream messages were refused for <paramref name="reason"/>.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The count.</returns>
    public long GetRejected(SipRejectReason reason) =>
        (uint)reason < (uint)_rejectedByReason.Length ? Volatile.Read(ref _rejectedByReason[(int)reason]) : 0;

    internal void DatagramReceived() => Interlocked.Increment(ref _datagramsReceived);

    internal void DatagramRejected(SipRejectReason reason)
    {
        Interlocked.Increment(ref _datagramsRejected);
        CountReason(reason);
    }

    internal void DatagramDropped() => Interlocked.Increment(ref _datagramsDropped);

    internal void StreamMessageReceived() => Interlocked.Increment(ref _streamMessagesReceived);

    internal void StreamMessageRejected(SipRejectReason reason)
    {
        Interlocked.Increment(ref _streamMessagesRejected);
        CountReason(reason);
    }

    internal void ErrorResponseSent() => Interlocked.Increment(ref _errorResponsesSent);

    internal void ResponseDropped() => Interlocked.Increment(ref _responsesDropped);

    internal void ConnectionAccepted()
    {
        Interlocked.Increment(ref _connectionsAccepted);
        Interlocked.Increment(ref _connectionsOpen);
    }

    internal void ConnectionOpened()
    {
        Interlocked.Increment(ref _connectionsOpened);
        Interlocked.Increment(ref _connectionsOpen);
    }

    internal void ConnectionClosed() => Interlocked.Decrement(ref _connectionsOpen);

    internal void ConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);

    internal void ConnectionTimedOut() => Interlocked.Increment(ref _connectionsTimedOut);

    internal void SinkFailed() => Interlocked.Increment(ref _sinkFailures);

    private static int ReasonSlots()
    {
        int max = 0;
        foreach (SipRejectReason reason in Enum.GetValues<SipRejectReason>())
        {
            max = Math.Max(max, (int)reason);
        }

        return max + 1;
    }

    private void CountReason(SipRejectReason reason)
    {
        if ((uint)reason < (uint)_rejectedByReason.Length)
        {
            Interlocked.Increment(ref _rejectedByReason[(int)reason]);
        }
    }
}
