namespace SipDialogs.Internal;

/// <summary>
/// Makes an asynchronous dispose idempotent and thread-safe: the first caller starts the work, every caller (first
/// or later, from any thread) awaits the same task, and a fault reaches them all. One <see cref="Interlocked"/>
/// exchange decides the winner; nothing blocks.
/// </summary>
internal sealed class DisposalLatch
{
    private Task? _task;

    /// <summary>True once disposal has started (it may still be running).</summary>
    public bool IsStarted => Volatile.Read(ref _task) is not null;

    /// <summary>Runs <paramref name="dispose"/> once; every call returns the task of that one run.</summary>
    /// <typeparam name="TState">The owner passed to the static callback, so that no closure is allocated.</typeparam>
    /// <param name="dispose">The disposal work.</param>
    /// <param name="state">Its owner.</param>
    /// <returns>The one disposal's task.</returns>
    public ValueTask RunOnceAsync<TState>(Func<TState, Task> dispose, TState state)
    {
        Task? existing = Volatile.Read(ref _task);
        if (existing is not null)
        {
            return new ValueTask(existing);
        }

        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        existing = Interlocked.CompareExchange(ref _task, mine.Task, null);
        if (existing is not null)
        {
            return new ValueTask(existing);
        }

        _ = RunAsync(mine, dispose, state);
        return new ValueTask(mine.Task);
    }

    private static async Task RunAsync<TState>(TaskCompletionSource completion, Func<TState, Task> dispose, TState state)
    {
        try
        {
            await dispose(state).ConfigureAwait(false);
            completion.TrySetResult();
        }
        catch (Exception exception)
        {
            // The fault goes to every caller through the shared task.
            completion.TrySetException(exception);
        }
    }
}
