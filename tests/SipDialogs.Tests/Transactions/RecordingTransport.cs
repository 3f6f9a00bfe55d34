using System.Text;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

/// <summary>
/// The real transport, with every send the transaction layer makes written down (start line, bytes, fake time)
/// before it goes out: the record a test counts retransmissions and measures their spacing by.
/// </summary>
internal sealed class RecordingTransport : ISipTransportLayer
{
    private readonly ISipTransportLayer _inner;
    private readonly FakeTimeProvider _time;
    private readonly DateTimeOffset _start;
    private readonly List<SentMessage> _sent = [];

    public RecordingTransport(ISipTransportLayer inner, FakeTimeProvider time)
    {
        _inner = inner;
        _time = time;
        _start = time.GetUtcNow();
    }

    /// <summary>Everything sent so far, in order.</summary>
    public IReadOnlyList<SentMessage> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>How many messages sent so far start with <paramref name="startLinePrefix"/>.</summary>
    public int Count(string startLinePrefix)
    {
        int count = 0;
        foreach (SentMessage message in Sent)
        {
            if (message.StartLine.StartsWith(startLinePrefix, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The fake times at which messages starting with <paramref name="startLinePrefix"/> were sent.</summary>
    public List<TimeSpan> TimesOf(string startLinePrefix)
    {
        var times = new List<TimeSpan>();
        foreach (SentMessage message in Sent)
        {
            if (message.StartLine.StartsWith(startLinePrefix, StringComparison.Ordinal))
            {
                times.Add(message.At);
            }
        }

        return times;
    }

    public SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol) => _inner.GetLocalEndPoint(protocol);

    public SipTransportProtocol SelectRequestProtocol(SipEndPoint target, int messageBytes) => _inner.SelectRequestProtocol(target, messageBytes);

    public ValueTask SendRequestAsync(ReadOnlyMemory<byte> message, SipEndPoint target, CancellationToken cancellationToken)
    {
        Record(message, target.Protocol);
        return _inner.SendRequestAsync(message, target, cancellationToken);
    }

    public ValueTask SendResponseAsync(ReadOnlyMemory<byte> message, ResponseRoute route, CancellationToken cancellationToken)
    {
        Record(message, route.Destination.Protocol);
        return _inner.SendResponseAsync(message, route, cancellationToken);
    }

    private void Record(ReadOnlyMemory<byte> message, SipTransportProtocol protocol)
    {
        string text = Encoding.UTF8.GetString(message.Span);
        int end = text.IndexOf('\r', StringComparison.Ordinal);
        // On a shard, the wheel's time: when the clock jumps, timers fire tick by tick and this is the tick firing.
        TimeSpan at = Shard.Current is Shard shard ? shard.Timers.Now : _time.GetUtcNow() - _start;
        var sent = new SentMessage(end < 0 ? text : text[..end], message.ToArray(), at, protocol);
        lock (_sent)
        {
            _sent.Add(sent);
        }
    }
}
