namespace SipDialogs.Runtime;

/// <summary>
/// Work an API caller posts to a shard and awaits: run on the shard's thread, it completes the caller's task with
/// the result or the exception (which is the caller's to observe, so it is not counted as a handler fault).
/// </summary>
internal abstract class ShardCall
{
    /// <summary>Runs the work on the shard's thread and completes the caller's task.</summary>
    public abstract void Execute();
}
