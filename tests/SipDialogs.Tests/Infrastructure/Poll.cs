namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// Waits for state that becomes true promptly after an event the test cannot await directly (a connection the
/// other side closed, a counter a loop bumps). Checks often, gives up with a clear failure after the timeout.
/// </summary>
internal static class Poll
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(2);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string? what = null) =>
        UntilAsync(condition, timeout, () => what ?? "condition");

    /// <summary>As the other, with what was waited for described when it fails (the counts at the end, say, not at the start).</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!condition())
        {
            try
            {
                await Task.Delay(s_interval, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Still not true after {timeout}: {describe()}.");
            }
        }
    }

    /// <summary>As the others, for a condition that is read asynchronously (on a dialog's shard, say).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            try
            {
                await Task.Delay(s_interval, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Still not true after {timeout}: {what}.");
            }
        }
    }
}
