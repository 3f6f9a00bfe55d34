using System.Threading.Channels;

namespace SipDialogs.Runtime;

/// <summary>
/// Where a shard hands work to application code: a queue with one reader, drained by one loop on the thread pool, so
/// that what the shard posts runs off the shard, one item at a time, in the order it was posted. A shard owns every
/// Call-ID hashing to it, so the order holds per Call-ID too. Under load one turn of the loop runs many items, as the
/// shard's own mailbox loop does, so a hand-off costs a queue write rather than a thread-pool dispatch.
/// </summary>
/// <remarks>
/// The shard never waits for the application: posting never blocks. New work (a request for the application's handler)
/// is refused once <c>capacity</c> items wait, so that a slow application sheds load, as a full mailbox does, instead
/// of queueing without bound; work about something already handed out (its CANCEL, say) is always taken. An exception
/// an item throws is reported and the loop carries on. Items run one at a time: an item that blocks delays every
/// Call-ID of its shard.
/// </remarks>
internal sealed class ShardOutbox
{
    private readonly Channel<ShardWorkItem> _queue = Channel.CreateUnbounded<ShardWorkItem>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private readonly int _capacity;
    private readonly Action<Exception> _reportFault;
    private readonly Task _loop;
    private int _waiting;

    /// <summary>Creates the outbox and starts its loop.</summary>
    /// <param name="capacity">How many items may wait before <see cref="TryPostNew"/> refuses more.</param>
    /// <param name="reportFault">Told of an exception an item threw.</param>
    public ShardOutbox(int capacity, Action<Exception> reportFault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentNullException.ThrowIfNull(reportFault);
        _capacity = capacity;
        _reportFault = reportFault;
        _loop = Task.Run(RunLoopAsync);
    }

    /// <summary>The items posted and not yet run.</summary>
    public int Count => Volatile.Read(ref _waiting);

    /// <summary>
    /// Posts work that must run, because it concerns something the application already has (a CANCEL of a request it
    /// was given, an event of its dialog). Any thread.
    /// </summary>
    /// <param name="work">What to run off the shard.</param>
    /// <param name="state">Its argument.</param>
    /// <returns>False when the outbox is closed (the stack is stopping).</returns>
    public bool Post(Action<object?> work, object? state)
    {
        ArgumentNullException.ThrowIfNull(work);
        Interlocked.Increment(ref _waiting);
        if (_queue.Writer.TryWrite(ShardWorkItem.ForCallback(work, state)))
        {
            return true;
        }

        Interlocked.Decrement(ref _waiting);
        return false;
    }

    /// <summary>Posts new work for the application, unless as many items as the capacity wait already. Any thread.</summary>
    /// <param name="work">What to run off the shard.</param>
    /// <param name="state">Its argument.</param>
    /// <returns>False when full or closed: the caller refuses the work (a request gets 503).</returns>
    public bool TryPostNew(Action<object?> work, object? state) => Volatile.Read(ref _waiting) < _capacity && Post(work, state);

    /// <summary>Completes when every item posted before this call has run (at once when the outbox is closed and drained).</summary>
    /// <returns>Completes when the outbox has caught up.</returns>
    public Task WhenRunAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Post(static s => ((TaskCompletionSource)s!).TrySetResult(), done) ? done.Task : _loop;
    }

    /// <summary>Closes the outbox, lets the loop run what was queued, and completes when it has ended.</summary>
    /// <returns>Completes when the loop has ended.</returns>
    public Task CloseAsync()
    {
        _queue.Writer.TryComplete();
        return _loop;
    }

    private async Task RunLoopAsync()
    {
        ChannelReader<ShardWorkItem> reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            for (int i = 0; i < 4096 && reader.TryRead(out ShardWorkItem item); i++)
            {
                try
                {
                    ((Action<object?>)item.Target!)(item.State);
                }
                catch (Exception ex)
                {
                    // The items catch what application code throws; this is the last guard, so the loop carries on.
                    _reportFault(ex);
                }

                Interlocked.Decrement(ref _waiting);
            }
        }
    }
}
