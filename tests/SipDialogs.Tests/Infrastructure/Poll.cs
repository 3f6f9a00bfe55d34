namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// Waits for state that becomes true promptly after an event the test cannot await directly (a connection the
/// other side closed, a counter a loop bumps). Checks often, gives up with a clear failure after the timeout.
/// </summary>
internal static class Poll
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(2);

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string? what = null)
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
                throw new TimeoutException($"Still not true after {timeout}: {what ?? "condition"}.");
            }
        }
    }
}
