using Microsoft.Extensions.Logging;

namespace SipDialogs.Redis;

/// <summary>The replication's log events (600s).</summary>
internal static partial class ReplicationLog
{
    [LoggerMessage(600, LogLevel.Warning, "Redis is away ({Reason}); calls go on locally and are written back when it returns")]
    public static partial void RedisAway(ILogger logger, string reason);

    [LoggerMessage(601, LogLevel.Information, "Redis is back; writing back {Count} live dialogs")]
    public static partial void WritingBack(ILogger logger, int count);

    [LoggerMessage(602, LogLevel.Warning, "This node's heartbeat had lapsed; checking that its {Count} dialogs are still its own")]
    public static partial void HeartbeatLapsed(ILogger logger, int count);

    [LoggerMessage(603, LogLevel.Information, "Dialog {Key} was claimed by another node; dropped here without a word to the peer")]
    public static partial void Fenced(ILogger logger, string key);

    [LoggerMessage(604, LogLevel.Information, "Node {Node} is gone; took over {Count} of its dialogs")]
    public static partial void TookOver(ILogger logger, string node, int count);

    [LoggerMessage(605, LogLevel.Warning, "Writing dialogs to Redis failed; they are written back when it answers again")]
    public static partial void WriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(606, LogLevel.Warning, "A dialog claimed from Redis could not be taken up here")]
    public static partial void ImportFailed(ILogger logger, Exception exception);

    [LoggerMessage(608, LogLevel.Information, "Replication stopped: {RoundTrips} round trips and {Commands} commands sent, {Bytes} bytes of dialog state written; {Claims} dialogs claimed for requests, {TakenOver} taken over, {Fenced} fenced")]
    public static partial void Stopped(ILogger logger, long roundTrips, long commands, long bytes, long claims, long takenOver, long fenced);

    [LoggerMessage(607, LogLevel.Warning, "The membership loop failed a round; it tries again")]
    public static partial void MembershipFailed(ILogger logger, Exception exception);
}
