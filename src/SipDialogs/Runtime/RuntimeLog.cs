using Microsoft.Extensions.Logging;

namespace SipDialogs.Runtime;

/// <summary>The runtime's log events (ids 300–399; an id never changes meaning).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(300, LogLevel.Error, "Shard {Shard}: a handler threw; the shard carries on.")]
    public static partial void HandlerFault(ILogger logger, int shard, Exception exception);

    [LoggerMessage(301, LogLevel.Warning, "Shard {Shard}: mailbox full, received messages are being dropped ({Dropped} so far).")]
    public static partial void MailboxFull(ILogger logger, int shard, long dropped);

    [LoggerMessage(302, LogLevel.Warning, "Shard {Shard}: one turn took {Milliseconds:F1} ms; {Queued} work items are waiting.")]
    public static partial void LongTurn(ILogger logger, int shard, double milliseconds, int queued);
}
