using Microsoft.Extensions.Logging;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>The transaction layer's log events (ids 200–299; an id never changes meaning).</summary>
internal static partial class TransactionLog
{
    [LoggerMessage(200, LogLevel.Debug, "Created {Side} {Method} transaction over {Protocol}.")]
    public static partial void Created(ILogger logger, string side, string method, SipTransportProtocol protocol);

    [LoggerMessage(201, LogLevel.Debug, "Terminated {Side} {Method} transaction.")]
    public static partial void Terminated(ILogger logger, string side, string method);

    [LoggerMessage(202, LogLevel.Debug, "{Side} {Method} transaction timed out in {State}.")]
    public static partial void TimedOut(ILogger logger, string side, string method, TransactionState state);

    [LoggerMessage(203, LogLevel.Information, "{Side} {Method} transaction: the transport failed to send.")]
    public static partial void TransportError(ILogger logger, string side, string method, Exception exception);

    [LoggerMessage(204, LogLevel.Debug, "Dropped a {StatusCode} response to {Method} that matches no transaction.")]
    public static partial void ResponseWithoutTransaction(ILogger logger, int statusCode, string method);

    [LoggerMessage(205, LogLevel.Debug, "Dropped a {Method} request whose top Via cannot be read; no response can be routed.")]
    public static partial void RequestDropped(ILogger logger, string method);

    [LoggerMessage(206, LogLevel.Debug, "A {StatusCode} response to {Method} was not sent: the transaction is {State}.")]
    public static partial void ResponseNotTaken(ILogger logger, int statusCode, string method, TransactionState state);

    [LoggerMessage(207, LogLevel.Debug, "A CANCEL matches no transaction; answered 481.")]
    public static partial void CancelUnmatched(ILogger logger);

    [LoggerMessage(208, LogLevel.Debug, "A stateless {StatusCode} response could not be sent.")]
    public static partial void StatelessSendFailed(ILogger logger, int statusCode, Exception exception);

    [LoggerMessage(209, LogLevel.Debug, "An RFC 2543 {Method} request collides with a live transaction's key; its transaction is not matched for retransmissions.")]
    public static partial void KeyTaken(ILogger logger, string method);
}
