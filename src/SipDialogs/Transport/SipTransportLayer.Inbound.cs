using System.Buffers;
using System.Net;
using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <content>What happens to received bytes: parse, check, hand on, or answer and count the refusal.</content>
internal sealed partial class SipTransportLayer
{
    /// <summary>Handles one datagram (RFC 3261 §18.2.1, §18.1.2) on a UDP receive loop.</summary>
    /// <param name="socket">The socket it arrived on.</param>
    /// <param name="data">The datagram, in the loop's buffer: copied here.</param>
    /// <param name="source">Its source.</param>
    /// <returns>Completes when any error answer has been sent; usually at once.</returns>
    internal ValueTask OnDatagramAsync(SipUdpSocket socket, ReadOnlySpan<byte> data, IPEndPoint source)
    {
        Counters.DatagramReceived();
        var remote = new SipEndPoint(SipTransportProtocol.Udp, source);
        TransportLog.Received(Logger, data.Length, remote, socket.Local);
        Trace.Received(data, remote, socket.Local);

        // The message refers to its bytes, so it gets an array of its own, of its exact size.
        byte[] datagram = data.ToArray();
        bool parsed = SipMessageParser.TryParse(datagram, out SipMessage? message, out SipParseError error, Limits);
        if (parsed && TryDeliver(message!, remote, socket.Local, connectionId: 0, out error))
        {
            return default;
        }

        Counters.DatagramRejected(error.Reason);
        TransportLog.Rejected(Logger, remote, error);
        if (!RejectedRequestAnswer.TryBuild(message, datagram, error, source, Limits, out byte[]? answer, out ViaHeader? topVia))
        {
            Counters.DatagramDropped();
            return default;
        }

        // RFC 3261 §18.2.2 when the Via can be read; else the source is all there is to answer to.
        IPEndPoint destination = topVia is null ? source : ResponseDestination.ForUnreliable(topVia, new InboundMessage(message!, remote, socket.Local, 0));
        return SendErrorAnswerAsync(socket, answer, destination, remote, error);
    }

    /// <summary>Handles one message framed from a connection.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="framed">Exactly one message; copied by the parser.</param>
    /// <returns>The error answer to send back on the connection, or null.</returns>
    internal byte[]? OnStreamMessage(SipConnection connection, in ReadOnlySequence<byte> framed)
    {
        Counters.StreamMessageReceived();
        TransportLog.Received(Logger, (int)framed.Length, connection.Remote, connection.Local);
        if (Trace.IsEnabled)
        {
            Trace.Received(framed.ToArray(), connection.Remote, connection.Local);
        }
        bool parsed = SipMessageParser.TryParse(framed, out SipMessage? message, out SipParseError error, Limits);
        if (parsed && TryDeliver(message!, connection.Remote, connection.Local, connection.Id, out error))
        {
            return null;
        }

        Counters.StreamMessageRejected(error.Reason);
        TransportLog.Rejected(Logger, connection.Remote, error);
        ReadOnlySpan<byte> input = message is not null ? message.Buffer.Span : framed.ToArray();
        return AnswerOnConnection(message, input, error, connection);
    }

    /// <summary>Handles a stream that lost its framing: answers the request in front, if it can be read.</summary>
    /// <param name="connection">The connection, about to be closed.</param>
    /// <param name="pending">The unread bytes, starting with the refused message.</param>
    /// <param name="error">Why the framer refused it.</param>
    /// <returns>The error answer to send before closing, or null.</returns>
    internal byte[]? OnStreamFramingError(SipConnection connection, in ReadOnlySequence<byte> pending, in SipParseError error)
    {
        Counters.StreamMessageRejected(error.Reason);
        TransportLog.Rejected(Logger, connection.Remote, error);

        // Index what there is of the header block, only to address the answer: the framer's error is what it says.
        byte[] copy = pending.Slice(0, Math.Min(pending.Length, Limits.MaxMessageBytes)).ToArray();
        _ = SipMessageParser.TryParse(copy, out SipMessage? partial, out _, Limits);
        return AnswerOnConnection(partial, copy, error, connection);
    }

    private byte[]? AnswerOnConnection(SipMessage? message, ReadOnlySpan<byte> input, in SipParseError error, SipConnection connection)
    {
        if (!RejectedRequestAnswer.TryBuild(message, input, error, connection.Remote.Address, Limits, out byte[]? answer, out _))
        {
            return null;
        }

        // RFC 3261 §18.2.2: on the connection the request came on.
        Trace.Sent(answer, connection.Remote);
        Counters.ErrorResponseSent();
        TransportLog.ErrorResponseSent(Logger, connection.Remote, error.StatusCode, error.ReasonPhrase);
        return answer;
    }

    /// <summary>
    /// Checks what the transport must check of a parsed message and hands it to the sink. A request's top Via must
    /// be readable (the server reads it for RFC 3261 §18.2.1 and answers by it, §18.2.2), else the request is
    /// refused; a response is left to the transaction layer, which matches it by branch (RFC 3261 §17.1.3).
    /// </summary>
    /// <returns>True when handled (delivered); false with the refusal when a request is refused.</returns>
    private bool TryDeliver(SipMessage message, SipEndPoint remote, SipEndPoint local, long connectionId, out SipParseError refusal)
    {
        if (message.IsRequest && !message.TryGetVia(out _, out refusal))
        {
            return false;
        }

        refusal = default;
        var inbound = new InboundMessage(message, remote, local, connectionId);
        try
        {
            _sink.OnMessage(inbound);
        }
        catch (Exception ex)
        {
            // The sink must not throw; if it does, this message is lost but the loop and every other call go on.
            Counters.SinkFailed();
            TransportLog.SinkFailed(Logger, remote, ex);
        }

        return true;
    }

    private async ValueTask SendErrorAnswerAsync(SipUdpSocket socket, byte[] answer, IPEndPoint destination, SipEndPoint remote, SipParseError error)
    {
        try
        {
            Trace.Sent(answer, new SipEndPoint(SipTransportProtocol.Udp, destination));
            await socket.SendAsync(answer, destination, StoppingToken).ConfigureAwait(false);
            Counters.ErrorResponseSent();
            TransportLog.ErrorResponseSent(Logger, remote, error.StatusCode, error.ReasonPhrase);
        }
        catch (Exception ex) when (ex is SipTransportException or OperationCanceledException)
        {
            Counters.DatagramDropped();
            TransportLog.SendFailed(Logger, answer.Length, remote, ex);
        }
    }
}
