using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using StackExchange.Redis;

namespace SipDialogs.Redis;

/// <summary>
/// A node's share of a cluster of identical nodes that keep their calls in Redis: its confirmed dialogs are written there
/// as they change (pipelined by one writer loop, never waited for on a shard), with this node as owner and an epoch
/// (a fencing token raised on every change of owner); a request for a dialog it does not hold claims the dialog from
/// Redis; a heartbeat says the node is alive, and the calls of a node whose heartbeat is gone are claimed by the
/// survivors in the background so that their timers run on.
/// </summary>
/// <remarks>
/// <para>
/// Use: <see cref="ConnectAsync"/>, pass <see cref="StoreFactory"/> to the <see cref="SipStack"/>, start the stack,
/// then <see cref="StartAsync"/>. Dispose the stack first, then this. Without Redis the node carries its calls on
/// locally and serves new ones; once Redis is back it writes its live calls back. What is not protected meanwhile:
/// a node that dies while Redis is away loses its calls, and changes made then reach Redis only with the write-back.
/// </para>
/// <para>
/// A node that finds its copy stale (a write refused because another node claimed the record, or told so on its fence
/// channel) drops the dialog (<see cref="SipStack.ForgetDialogAsync"/>) and never sends for it again.
/// </para>
/// </remarks>
public sealed partial class RedisDialogReplication : IAsyncDisposable
{
    private readonly RedisReplicationOptions _options;
    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<DialogId, HeldDialog> _held = new();
    private readonly ConcurrentDictionary<DialogId, ReplicationClaim> _claimed = new();
    private readonly Channel<ReplicationWrite> _writes =
        Channel.CreateUnbounded<ReplicationWrite>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _aliveKey;
    private readonly string _ownedKey;
    private readonly string _fencePrefix = RedisKeys.Fence(string.Empty);
    private readonly Task _writer;
    private Task _membership = Task.CompletedTask;
    private SipStack? _stack;
    private Task? _disposed;
    private long _claims;
    private long _takenOver;
    private long _fenced;

    private RedisDialogReplication(RedisReplicationOptions options, ConnectionMultiplexer redis, ILogger logger, TimeProvider time)
    {
        _options = options;
        _redis = redis;
        _db = redis.GetDatabase();
        _logger = logger;
        _time = time;
        _aliveKey = RedisKeys.Alive(options.NodeId);
        _ownedKey = RedisKeys.Owned(options.NodeId);
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>This node's name.</summary>
    public string NodeId => _options.NodeId;

    /// <summary>Whether Redis can be written now.</summary>
    public bool IsConnected => _redis.IsConnected;

    /// <summary>Dialogs this node holds and replicates.</summary>
    public int HeldCount => _held.Count;

    /// <summary>Dialogs claimed from Redis for a request that reached this node.</summary>
    public long Claims => Interlocked.Read(ref _claims);

    /// <summary>Dialogs claimed in the background from nodes whose heartbeat was gone.</summary>
    public long TakenOver => Interlocked.Read(ref _takenOver);

    /// <summary>Dialogs dropped here because another node had claimed them (a stale epoch).</summary>
    public long Fenced => Interlocked.Read(ref _fenced);

    /// <summary>
    /// Makes this node's dialog store for a <see cref="SipStack"/> (its <c>dialogStore</c> argument). One stack per
    /// replication.
    /// </summary>
    public DialogStoreFactory StoreFactory => inMemory => new RedisDialogStore(inMemory, this);

    /// <summary>
    /// Connects to Redis. A Redis that cannot be reached does not fail this: the node runs on locally and connects when
    /// Redis comes.
    /// </summary>
    /// <param name="options">Where Redis is and who this node is; validated here.</param>
    /// <param name="loggerFactory">Where logs go; none when null.</param>
    /// <param name="timeProvider">The clock for record lifetimes (the stack's); the system clock when null.</param>
    /// <returns>The replication, not started.</returns>
    /// <exception cref="InvalidOperationException">An option is invalid.</exception>
    public static async Task<RedisDialogReplication> ConnectAsync(
        RedisReplicationOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ConfigurationOptions configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.ClientName = "sipdialogs-" + options.NodeId;
        // A command for a Redis that is away fails at once instead of waiting in a backlog: the node carries on locally
        // and writes its calls back when Redis returns.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 2000);
        configuration.KeepAlive = 1;
        configuration.ReconnectRetryPolicy = new LinearRetry(250);
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RedisDialogReplication>();
        return new RedisDialogReplication(options, redis, logger, timeProvider ?? TimeProvider.System);
    }

    /// <summary>
    /// Joins the cluster with a started stack made with <see cref="StoreFactory"/>: listens on this node's fence
    /// channel, beats its heartbeat and takes over the calls of dead nodes, until disposed.
    /// </summary>
    /// <param name="stack">The stack whose dialogs are replicated.</param>
    /// <param name="cancellationToken">Ends the wait for the first heartbeat.</param>
    /// <returns>A task that completes once the node has joined (or, with Redis away, will join when it returns).</returns>
    public async Task StartAsync(SipStack stack, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (Interlocked.CompareExchange(ref _stack, stack, null) is not null)
        {
            throw new InvalidOperationException("The replication serves one stack, and it was started already.");
        }

        ISubscriber subscriber = _redis.GetSubscriber();
        try
        {
            ChannelMessageQueue fences = await subscriber.SubscribeAsync(RedisChannel.Literal(RedisKeys.Fence(NodeId))).ConfigureAwait(false);
            fences.OnMessage(OnFenceMessage);
            await JoinAsync().ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            ReplicationLog.RedisAway(_logger, exception.Message);
            Interlocked.Exchange(ref _writeBackNeeded, 1);
        }

        cancellationToken.ThrowIfCancellationRequested();
        _membership = Task.Run(MembershipLoopAsync, CancellationToken.None);
    }

    /// <summary>Completes once every change queued so far has been written (or dropped, with Redis away).</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that completes when the writer has caught up.</returns>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_writes.Writer.TryWrite(new ReplicationWrite(ReplicationWriteKind.Barrier, null!, null, 0, Barrier: done)))
        {
            return Task.CompletedTask;
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stops: the heartbeat goes (so that the survivors take this node's calls over at once), the writer writes what
    /// was queued, the connection closes. Idempotent and thread-safe. Dispose the stack first.
    /// </summary>
    /// <returns>A task that completes when nothing of the replication runs any more.</returns>
    public ValueTask DisposeAsync()
    {
        Task? first = Interlocked.CompareExchange(ref _disposed, null, null);
        if (first is null)
        {
            var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            first = Interlocked.CompareExchange(ref _disposed, pending.Task, null);
            if (first is null)
            {
                _ = RunDisposeAsync(pending);
                return new ValueTask(pending.Task);
            }
        }

        return new ValueTask(first);
    }

    private async Task RunDisposeAsync(TaskCompletionSource done)
    {
        try
        {
            await DisposeCoreAsync().ConfigureAwait(false);
            done.TrySetResult();
        }
#pragma warning disable CA1031 // Teardown reports its failure to every caller of DisposeAsync.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            done.TrySetException(exception);
        }
    }

    private async Task DisposeCoreAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _membership.ConfigureAwait(false);
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_stack is not null && _redis.IsConnected)
        {
            try
            {
                await _db.KeyDeleteAsync(_aliveKey).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // The heartbeat expires on its own.
            }
        }

        ReplicationLog.Stopped(_logger, RoundTrips, Commands, BytesWritten, Claims, TakenOver, Fenced);
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
        await _redis.CloseAsync().ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
