using SipDialogs.Internal;
using Microsoft.Extensions.Logging;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// Answers a request without keeping a transaction (RFC 3261 §8.2.7 stateless UAS behaviour): for what needs no
/// retransmission handling, such as a 400 for a malformed request, a 503 under overload, or a 481 for an in-dialog
/// request with no dialog. A retransmitted request simply gets the answer again. Usable from any thread.
/// </summary>
internal sealed class StatelessResponder
{
    private readonly ISipTransportLayer _transport;
    private readonly ILogger _logger;
    private long _sent;

    public StatelessResponder(ISipTransportLayer transport, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(logger);
        _transport = transport;
        _logger = logger;
    }

    /// <summary>Responses sent so far.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>
    /// Answers <paramref name="request"/> with <paramref name="statusCode"/> (headers copied by §8.2.6), fire and
    /// forget: a send failure is logged, not thrown. An ACK is never answered (§17.2.3).
    /// </summary>
    /// <param name="request">The request as received.</param>
    /// <param name="statusCode">The status, 100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <returns>False when nothing was sent: an ACK, or a request whose top Via cannot be read.</returns>
    public bool Respond(InboundMessage request, int statusCode, string? reasonPhrase = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Message is not SipRequest sipRequest || sipRequest.Method == SipMethods.Ack)
        {
            return false;
        }

        // RFC 3581 §4 / RFC 3261 §18.2.1: the answer's top Via says where the request came from.
        return Respond(request, ViaReceivedParameters.ResponseTo(request, statusCode, reasonPhrase));
    }

    /// <summary>Sends a response the caller built (with headers of its own, e.g. Retry-After or Unsupported), fire and forget.</summary>
    /// <param name="request">The request answered.</param>
    /// <param name="response">The response.</param>
    /// <returns>False when nothing was sent: the request's top Via cannot be read.</returns>
    public bool Respond(InboundMessage request, SipMessageBuilder response)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        if (!request.Message.TryGetVia(out IReadOnlyList<ViaHeader>? vias, out _) || vias.Count == 0)
        {
            return false;
        }

        byte[] bytes = response.ToArray();
        ValueTask sending;
        try
        {
            sending = _transport.SendResponseAsync(bytes, vias[0], request, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TransactionLog.StatelessSendFailed(_logger, StatusOf(bytes), ex);
            return false;
        }

        Interlocked.Increment(ref _sent);
        if (CompletedSend.Pending(sending) is Task pending)
        {
            _ = ObserveAsync(pending, StatusOf(bytes));
        }

        return true;
    }

    private static int StatusOf(byte[] response) =>
        response.Length >= 11 ? ((response[8] - '0') * 100) + ((response[9] - '0') * 10) + (response[10] - '0') : 0;

    private async Task ObserveAsync(Task sending, int statusCode)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TransactionLog.StatelessSendFailed(_logger, statusCode, ex);
        }
    }
}
