using System.Net;
using Microsoft.Extensions.Logging;
using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>The transport layer's log events, ids 100–199. Ids never change once released.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(100, LogLevel.Information, "Listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, SipEndPoint endPoint);

    [LoggerMessage(101, LogLevel.Information, "Stopped listening on {EndPoint}")]
    public static partial void StoppedListening(ILogger logger, SipEndPoint endPoint);

    [LoggerMessage(102, LogLevel.Debug, "Received {Bytes} bytes from {Remote} on {Local}")]
    public static partial void Received(ILogger logger, int bytes, SipEndPoint remote, SipEndPoint local);

    [LoggerMessage(103, LogLevel.Debug, "Rejected input from {Remote}: {Error}")]
    public static partial void Rejected(ILogger logger, SipEndPoint remote, SipParseError error);

    [LoggerMessage(104, LogLevel.Debug, "Answered a rejected request from {Remote} with {StatusCode} {ReasonPhrase}")]
    public static partial void ErrorResponseSent(ILogger logger, SipEndPoint remote, int statusCode, string reasonPhrase);

    [LoggerMessage(105, LogLevel.Debug, "Connection {ConnectionId} accepted from {Remote} on {Local}")]
    public static partial void ConnectionAccepted(ILogger logger, long connectionId, SipEndPoint remote, SipEndPoint local);

    [LoggerMessage(106, LogLevel.Debug, "Connection {ConnectionId} opened to {Remote}")]
    public static partial void ConnectionOpened(ILogger logger, long connectionId, SipEndPoint remote);

    [LoggerMessage(107, LogLevel.Debug, "Connection {ConnectionId} with {Remote} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, SipEndPoint remote, SipConnectionCloseReason reason);

    [LoggerMessage(108, LogLevel.Warning, "Refused a connection from {Remote}: {Open} connections are open, the limit")]
    public static partial void ConnectionRefused(ILogger logger, IPEndPoint? remote, int open);

    [LoggerMessage(109, LogLevel.Debug, "Dropped a response from {Remote} whose top Via cannot be read: {Error}")]
    public static partial void ResponseDropped(ILogger logger, SipEndPoint remote, SipParseError error);

    [LoggerMessage(110, LogLevel.Debug, "Sending {Bytes} bytes to {Remote} failed")]
    public static partial void SendFailed(ILogger logger, int bytes, SipEndPoint remote, Exception exception);

    [LoggerMessage(111, LogLevel.Debug, "TLS handshake with {Remote} failed")]
    public static partial void TlsHandshakeFailed(ILogger logger, SipEndPoint remote, Exception exception);

    [LoggerMessage(112, LogLevel.Warning, "Receive loop on {Local} hit an unexpected error and carries on")]
    public static partial void ReceiveError(ILogger logger, SipEndPoint local, Exception exception);

    [LoggerMessage(113, LogLevel.Error, "The message sink threw on a message from {Remote}; the message is lost")]
    public static partial void SinkFailed(ILogger logger, SipEndPoint remote, Exception exception);

    [LoggerMessage(114, LogLevel.Warning, "Accept loop on {Local} hit an unexpected error and carries on")]
    public static partial void AcceptError(ILogger logger, SipEndPoint local, Exception exception);

    [LoggerMessage(115, LogLevel.Debug, "Connection {ConnectionId} with {Remote} failed")]
    public static partial void ConnectionFailed(ILogger logger, long connectionId, SipEndPoint remote, Exception exception);
}
