using SipDialogs.Internal;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SipDialogs.Runtime;

/// <summary>
/// One shard: a single logical thread that owns every Call-ID hashing to it. Work arrives in a bounded mailbox
/// (a <see cref="Channel{T}"/> with one reader) and one loop runs it in order, so state owned by the shard needs no
/// lock. The shard's timers live on its <see cref="TimingWheel"/>, whose ticks arrive through the same mailbox.
/// </summary>
/// <remarks>
/// Received messages are posted with <see cref="TryPostMessage{TMessage}"/>, which drops and counts when the mailbox is full
/// (the sender retransmits over UDP; a stream sender is better slowed than buffered without bound); API callers use
/// <see cref="RunAsync{TState, TResult}"/>, which waits for room and completes when the work has run. An exception a
/// handler throws is caught, logged and counted in <see cref="HandlerFaults"/>, and the loop carries on.
/// </remarks>
internal sealed class Shard : IAsyncDisposable
{
    [ThreadStatic]
    private static Shard? t_current;

    private static readonly long s_longTurnLogInterval = Stopwatch.Frequency * 10;

    private long _busyTicks;
    private long _turns;
    private readonly Channel<ShardWorkItem> _mailbox;
    private readonly ChannelWriter<ShardWorkItem> _writer;
    private readonly TimingWheel _timers;
    private readonly ILogger _logger;
    private readonly long _longTurnThreshold;
    private readonly Task _loop;
    private readonly DisposalLatch _disposal = new();
    private int _tickPending;
    private long _messagesProcessed;
    private long _messagesDropped;
    private long _handlerFaults;
    private long _lastLongTurnLog;
    private long _lastDropLog;

    /// <summary>Creates the shard and starts its loop.</summary>
    /// <param name="index">Its position in its <see cref="ShardSet"/>.</param>
    /// <param name="options">Mailbox and timer settings.</param>
    /// <param name="timeProvider">The clock of its timers.</param>
    /// <param name="logger">Where faults and long turns are logged.</param>
    public Shard(int index, ShardOptions options, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Index = index;
        TimeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _longTurnThreshold = (long)(options.LongTurnThreshold.TotalSeconds * Stopwatch.Frequency);
        _mailbox = Channel.CreateBounded<ShardWorkItem>(new BoundedChannelOptions(options.MailboxCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
        _writer = _mailbox.Writer;
        _timers = new TimingWheel(timeProvider, options.TimerTick, options.TimerWheelSlots, OnTimerFault, static state => ((Shard)state!).OnDriverTick(), this);
        Outbox = new ShardOutbox(options.MailboxCapacity, ReportFault);
        _loop = Task.Run(RunLoopAsync);
    }

    /// <summary>Its position in its <see cref="ShardSet"/>, 0 to N-1.</summary>
    public int Index { get; }

    /// <summary>The clock of its timers.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Its timers. Use only on the shard's thread, except <see cref="TimingWheel.Count"/>.</summary>
    public TimingWheel Timers => _timers;

    /// <summary>
    /// Where the shard hands work to application code: it runs off the shard, in the order posted. Its capacity is the
    /// mailbox's: a request for the application's handler that finds that many items waiting is refused.
    /// </summary>
    public ShardOutbox Outbox { get; }

    /// <summary>True when the calling code runs on this shard's loop.</summary>
    public bool IsCurrent => t_current == this;

    /// <summary>The shard whose loop the calling code runs on, or null.</summary>
    public static Shard? Current => t_current;

    /// <summary>Messages delivered to their handler.</summary>
    public long MessagesProcessed => Volatile.Read(ref _messagesProcessed);

    /// <summary>Messages dropped because the mailbox was full or the shard closed.</summary>
    public long MessagesDropped => Volatile.Read(ref _messagesDropped);

    /// <summary>Exceptions thrown by handlers, callbacks and timer targets, caught so the shard carried on.</summary>
    public long HandlerFaults => Volatile.Read(ref _handlerFaults);

    /// <summary>Work items waiting in the mailbox.</summary>
    public int QueueLength => _mailbox.Reader.Count;

    /// <summary>The number of timers scheduled on this shard.</summary>
    public int TimerCount => _timers.Count;

    /// <summary>The <see cref="Stopwatch"/> ticks this shard's loop has spent running its mailbox so far. Any thread.</summary>
    public long BusyTicks => Volatile.Read(ref _busyTicks);

    /// <summary>The batches this shard's loop has run so far. Any thread.</summary>
    public long Turns => Volatile.Read(ref _turns);

    /// <summary>
    /// Posts a received message without waiting: false, and counted in <see cref="MessagesDropped"/>, when the
    /// mailbox is full or the shard is closed.
    /// </summary>
    /// <typeparam name="TMessage">What a message is; the shard does not look inside.</typeparam>
    /// <param name="handler">What handles it on the shard.</param>
    /// <param name="message">The message.</param>
    /// <returns>True when queued.</returns>
    public bool TryPostMessage<TMessage>(IShardMessageHandler<TMessage> handler, TMessage message)
        where TMessage : class
    {
        if (_writer.TryWrite(ShardWorkItem.ForMessage(handler, message)))
        {
            return true;
        }

        Interlocked.Increment(ref _messagesDropped);
        LogDrop();
        return false;
    }

    /// <summary>
    /// Posts a callback to run on the shard, fire and forget. A full mailbox makes the caller's thread wait
    /// asynchronously for room rather than lose the callback (it reports something the shard must learn, such as a
    /// failed send); only a closed shard drops it.
    /// </summary>
    /// <param name="callback">What to run; exceptions are caught, logged and counted.</param>
    /// <param name="state">Its argument.</param>
    /// <returns>False when the shard is closed.</returns>
    public bool Post(Action<object?> callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ShardWorkItem item = ShardWorkItem.ForCallback(callback, state);
        if (_writer.TryWrite(item))
        {
            return true;
        }

        if (_disposal.IsStarted)
        {
            return false;
        }

        _ = WriteSlowAsync(item);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the shard and completes when it has run. Always through the mailbox, also
    /// when called from the shard itself: work never re-enters what the shard is in the middle of, so a call made
    /// halfway through a dialog's own work runs after that work, in its turn.
    /// </summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="action">The work; its exception is thrown to the caller.</param>
    /// <param name="state">Its argument, so the caller needs no closure.</param>
    /// <param name="cancellationToken">Ends the wait (for room, or for the work to run), not the work.</param>
    /// <returns>Completes when the work has run.</returns>
    /// <exception cref="ObjectDisposedException">The shard is closed.</exception>
    public ValueTask RunAsync<TState>(Action<TState> action, TState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return new ValueTask(RunAsync(static s => { s.Action(s.State); return true; }, (Action: action, State: state), cancellationToken).AsTask());
    }

    /// <summary>
    /// Computes a result on the shard and completes with it when done; through the mailbox, also when called from the
    /// shard itself (no inline re-entry). Code on the shard must not wait for the result synchronously: the shard
    /// runs it only after the current work item returns.
    /// </summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="function">The work; its exception is thrown to the caller.</param>
    /// <param name="state">Its argument, so the caller needs no closure.</param>
    /// <param name="cancellationToken">Ends the wait (for room, or for the work to run), not the work.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ObjectDisposedException">The shard is closed.</exception>
    public ValueTask<TResult> RunAsync<TState, TResult>(Func<TState, TResult> function, TState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        var call = new ShardCall<TState, TResult>(function, state);
        ShardWorkItem item = ShardWorkItem.ForCall(call);
        if (_writer.TryWrite(item))
        {
            return new ValueTask<TResult>(cancellationToken.CanBeCanceled ? call.Task.WaitAsync(cancellationToken) : call.Task);
        }

        return RunSlowAsync(call, item, cancellationToken);
    }

    /// <summary>
    /// Completes when every work item posted before this call has run, and then what those items handed to the
    /// <see cref="Outbox"/> has run too.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when the shard and its outbox have caught up.</returns>
    public async ValueTask WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        await RunAsync(static _ => true, 0, cancellationToken).ConfigureAwait(false);
        await Outbox.WhenRunAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts and logs an exception a handler threw; for code on the shard that calls user handlers itself and must
    /// carry on after one throws.
    /// </summary>
    /// <param name="exception">The exception.</param>
    public void ReportFault(Exception exception)
    {
        Interlocked.Increment(ref _handlerFaults);
        RuntimeLog.HandlerFault(_logger, Index, exception);
    }

    /// <summary>
    /// Closes the mailbox, lets the loop run what was already queued, and waits for it to end; later posts are
    /// dropped and later calls fail. Then the same for the <see cref="Outbox"/>. Idempotent and safe from any thread
    /// (later callers get the first call's task); must not be awaited from the shard's own thread, nor from work of its
    /// outbox.
    /// </summary>
    /// <returns>Completes when the loop has ended.</returns>
    public ValueTask DisposeAsync() => _disposal.RunOnceAsync(static shard => shard.DisposeCoreAsync(), this);

    private async Task DisposeCoreAsync()
    {
        _writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        finally
        {
            _timers.Dispose();
        }

        // After the loop: nothing on the shard posts to the outbox any more, and what it posted still runs.
        await Outbox.CloseAsync().ConfigureAwait(false);
    }

    private async ValueTask<TResult> RunSlowAsync<TState, TResult>(ShardCall<TState, TResult> call, ShardWorkItem item, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException($"Shard {Index} is closed.", ex);
        }

        return await call.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteSlowAsync(ShardWorkItem item)
    {
        try
        {
            await _writer.WriteAsync(item).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Increment(ref _messagesDropped);
        }
    }

    private async Task RunLoopAsync()
    {
        ChannelReader<ShardWorkItem> reader = _mailbox.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            long started = Stopwatch.GetTimestamp();
            t_current = this;
            try
            {
                // A bounded batch, then back to the thread pool, so one flooded shard cannot hold a pool thread forever.
                for (int i = 0; i < 4096 && reader.TryRead(out ShardWorkItem item); i++)
                {
                    Execute(in item);
                }
            }
            finally
            {
                t_current = null;
            }

            long turn = Stopwatch.GetTimestamp() - started;

            // Plain sums this loop alone writes, read by the metrics when collected: nothing shared, no lock per turn.
            Volatile.Write(ref _busyTicks, _busyTicks + turn);
            Volatile.Write(ref _turns, _turns + 1);
            if (turn > _longTurnThreshold)
            {
                LogLongTurn(turn);
            }
        }

        // WaitToReadAsync is false only once the mailbox is closed and empty: everything queued before the close ran.
    }

    private void Execute(in ShardWorkItem item)
    {
        switch (item.Kind)
        {
            case ShardWorkKind.Message:
                _messagesProcessed++;
                try
                {
                    ((IShardMessageHandler)item.Target!).OnShardMessage(this, item.State!);
                }
                catch (Exception ex)
                {
                    // A handler's fault must not stop the shard: it is logged and counted.
                    ReportFault(ex);
                }

                break;
            case ShardWorkKind.TimerTick:
                Volatile.Write(ref _tickPending, 0);
                _timers.AdvanceToNow();
                break;
            case ShardWorkKind.Callback:
                try
                {
                    ((Action<object?>)item.Target!)(item.State);
                }
                catch (Exception ex)
                {
                    // A callback's fault must not stop the shard: it is logged and counted.
                    ReportFault(ex);
                }

                break;
            case ShardWorkKind.Call:
                ((ShardCall)item.Target!).Execute();
                break;
        }
    }

    /// <summary>The driver timer's callback, on a timer thread: posts one tick unless one is already queued.</summary>
    private void OnDriverTick()
    {
        if (Interlocked.Exchange(ref _tickPending, 1) == 0 && !_writer.TryWrite(ShardWorkItem.ForTimerTick()))
        {
            // Full or closed: the next tick will try again, and the wheel catches up to the clock when it runs.
            Volatile.Write(ref _tickPending, 0);
        }
    }

    private void OnTimerFault(Exception exception) => ReportFault(exception);

    private void LogDrop()
    {
        long now = Stopwatch.GetTimestamp();
        long last = Volatile.Read(ref _lastDropLog);
        if (now - last >= s_longTurnLogInterval && Interlocked.CompareExchange(ref _lastDropLog, now, last) == last)
        {
            RuntimeLog.MailboxFull(_logger, Index, MessagesDropped);
        }
    }

    private void LogLongTurn(long turn)
    {
        long now = Stopwatch.GetTimestamp();
        if (now - _lastLongTurnLog >= s_longTurnLogInterval)
        {
            _lastLongTurnLog = now;
            RuntimeLog.LongTurn(_logger, Index, Stopwatch.GetElapsedTime(0, turn).TotalMilliseconds, QueueLength);
        }
    }
}
