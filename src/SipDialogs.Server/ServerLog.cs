using Microsoft.Extensions.Logging;

namespace SipDialogs.Server;

/// <summary>The server's own events (ids 1000 and up; the library's layers keep 100–599).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1000, LogLevel.Information,
        "SIP stack stopping with {Dialogs} dialogs, {Transactions} transactions, {Timers} timers and {Subscriptions} subscriptions live")]
    public static partial void LiveAtStop(ILogger logger, int dialogs, int transactions, int timers, int subscriptions);

    [LoggerMessage(1001, LogLevel.Debug, "Transfer to {Target}: the referred call was not answered ({StatusCode})")]
    public static partial void ReferredCallUnanswered(ILogger logger, string target, int statusCode);

    [LoggerMessage(1002, LogLevel.Debug, "Transfer to {Target}: the BYE of the referred call got {StatusCode}")]
    public static partial void ReferredCallByeRefused(ILogger logger, string target, int statusCode);

    [LoggerMessage(1003, LogLevel.Warning, "Transfer to {Target} failed")]
    public static partial void TransferFault(ILogger logger, string target, Exception exception);

    [LoggerMessage(1004, LogLevel.Information, "Management endpoint listening on {Url} (/metrics, /health/live, /health/ready, POST /drain)")]
    public static partial void ManagementListening(ILogger logger, string url);

    [LoggerMessage(1020, LogLevel.Information, "Draining: {Calls} calls handed over to the other nodes through Redis")]
    public static partial void HandingOver(ILogger logger, int calls);

    [LoggerMessage(1005, LogLevel.Information, "Draining {Calls} calls for at most {TimeoutSeconds} s")]
    public static partial void DrainStarted(ILogger logger, int calls, double timeoutSeconds);

    [LoggerMessage(1006, LogLevel.Information, "Drain done in {Seconds:F3} s: {Drained} calls drained, {EndedByBye} ended by BYE")]
    public static partial void DrainDone(ILogger logger, double seconds, int drained, int endedByBye);

    [LoggerMessage(1007, LogLevel.Warning, "Stop signal during the drain: ending the remaining calls with BYE now")]
    public static partial void DrainCut(ILogger logger);

    [LoggerMessage(1008, LogLevel.Information,
        "Call ended: caller call {CallerCallId}, callee call {CalleeCallId}, from {Caller} to {Callee} via {Target}, started {StartedAt:O}, " +
        "answered {AnsweredAt:O}, ended {EndedAt:O}, {DurationSeconds:F3} s, status {FinalStatus}, hung up by {HungUpBy} ({Cause})")]
    public static partial void CallEnded(
        ILogger logger, string callerCallId, string calleeCallId, string caller, string callee, string target, DateTimeOffset startedAt,
        DateTimeOffset? answeredAt, DateTimeOffset endedAt, double durationSeconds, int finalStatus, Bridging.BridgeSide hungUpBy, Bridging.CallEndCause cause);
}
