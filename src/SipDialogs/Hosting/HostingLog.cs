using Microsoft.Extensions.Logging;

namespace SipDialogs.Hosting;

/// <summary>The hosting layer's log events (ids 400–499; they never change).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(400, LogLevel.Information, "SIP stack listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string endPoint);

    [LoggerMessage(401, LogLevel.Information, "SIP stack stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(402, LogLevel.Information, "SIP stack stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(403, LogLevel.Error, "Request handler threw on {Method}; answered 500 and carried on")]
    public static partial void HandlerFault(ILogger logger, string method, Exception exception);

    [LoggerMessage(404, LogLevel.Debug, "Transaction {Method} timed out")]
    public static partial void TransactionTimeout(ILogger logger, string method);

    [LoggerMessage(405, LogLevel.Debug, "Transport error on {Method} transaction: {Message}")]
    public static partial void TransportError(ILogger logger, string method, string message);

    [LoggerMessage(406, LogLevel.Information, "SIP stack draining: new calls and OPTIONS are answered 503, calls in progress carry on")]
    public static partial void Draining(ILogger logger);
}
