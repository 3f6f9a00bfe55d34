using SipDialogs.Internal;
using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SipDialogs.Messages;

namespace SipDialogs.Runtime;

/// <summary>
/// The shards of one stack and the rule that routes work to them: everything of one Call-ID goes to the shard
/// chosen by a seeded hash of the Call-ID's bytes, so a call's transactions, dialogs and timers all live on one
/// shard (Call-ID alone, not the tags: an early dialog and its forks never change shard when a tag arrives).
/// </summary>
/// <remarks>
/// The hash is <see cref="CallIdHash"/>, keyed randomly per process: a peer cannot choose Call-IDs that pile onto one
/// shard, as it could against a fixed hash such as a polynomial string hash. The dialog store reuses the same hash for
/// its tables, so a Call-ID is hashed once.
/// </remarks>
internal sealed class ShardSet : IAsyncDisposable
{
    private readonly Shard[] _shards;
    private readonly DisposalLatch _disposal = new();

    /// <summary>Creates the shards and starts their loops.</summary>
    /// <param name="options">How many shards, mailbox and timer settings; the defaults when null.</param>
    /// <param name="timeProvider">The clock of every shard's timers; the system clock when null.</param>
    /// <param name="loggerFactory">Where the shards log; nowhere when null.</param>
    public ShardSet(ShardOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= ShardOptions.Default;
        Options = options;
        options.Validate();
        TimeProvider = timeProvider ?? TimeProvider.System;
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("SipDialogs.Runtime");
        _shards = new Shard[options.EffectiveShardCount];
        for (int i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard(i, options, TimeProvider, logger);
        }
    }

    /// <summary>The number of shards.</summary>
    public int Count => _shards.Length;

    /// <summary>The options the shards were made with.</summary>
    public ShardOptions Options { get; }

    /// <summary>The clock of the shards' timers.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Messages delivered to their handler, over all shards.</summary>
    public long MessagesProcessed => Sum(static shard => shard.MessagesProcessed);

    /// <summary>Messages dropped for a full mailbox or a closed shard, over all shards.</summary>
    public long MessagesDropped => Sum(static shard => shard.MessagesDropped);

    /// <summary>Handler exceptions caught, over all shards.</summary>
    public long HandlerFaults => Sum(static shard => shard.HandlerFaults);

    /// <summary>Timers scheduled, over all shards.</summary>
    public int TimerCount => (int)Sum(static shard => shard.TimerCount);

    private long Sum(Func<Shard, long> counter)
    {
        long sum = 0;
        foreach (Shard shard in _shards)
        {
            sum += counter(shard);
        }

        return sum;
    }

    /// <summary>The shard at <paramref name="index"/>.</summary>
    /// <param name="index">0 to <see cref="Count"/> - 1.</param>
    public Shard this[int index] => _shards[index];

    /// <summary>The index of the shard that owns <paramref name="callId"/>.</summary>
    /// <param name="callId">The Call-ID's bytes as on the wire (RFC 3261 §20.8; compared byte for byte, §20.8).</param>
    /// <returns>0 to <see cref="Count"/> - 1.</returns>
    public int GetShardIndex(ReadOnlySpan<byte> callId) => GetShardIndex(CallIdHash.Of(callId));

    /// <summary>The index of the shard that owns a Call-ID, from the Call-ID's hash computed once for shard and table.</summary>
    /// <param name="callIdHash">The Call-ID's <see cref="CallIdHash"/>.</param>
    /// <returns>0 to <see cref="Count"/> - 1.</returns>
    public int GetShardIndex(ulong callIdHash)
    {
        // Multiply-shift maps the hash's high 32 bits onto [0, Count) without a division; the low bits, which pick a
        // slot in the shard's dialog table, are left out, so the slots a shard uses are not a biased subset.
        return (int)(((callIdHash >> 32) * (ulong)(uint)_shards.Length) >> 32);
    }

    /// <summary>The shard that owns <paramref name="callId"/>.</summary>
    /// <param name="callId">The Call-ID's bytes.</param>
    /// <returns>The shard.</returns>
    public Shard GetShard(ReadOnlySpan<byte> callId) => _shards[GetShardIndex(callId)];

    /// <summary>The shard that owns <paramref name="callId"/> (hashed as its UTF-8 bytes, as it goes on the wire).</summary>
    /// <param name="callId">The Call-ID.</param>
    /// <returns>The shard.</returns>
    public Shard GetShard(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        int max = Encoding.UTF8.GetMaxByteCount(callId.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(max));
        int length = Encoding.UTF8.GetBytes(callId, buffer);
        Shard shard = GetShard(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return shard;
    }

    /// <summary>
    /// Posts a received message to the shard of its Call-ID, without waiting: false, and counted as dropped, when
    /// that shard's mailbox is full or closed.
    /// </summary>
    /// <typeparam name="TMessage">What a message is; the shards do not look inside.</typeparam>
    /// <param name="callId">The message's Call-ID, as on the wire: it chooses the shard.</param>
    /// <param name="handler">What handles it on the shard.</param>
    /// <param name="message">The message.</param>
    /// <returns>True when queued.</returns>
    public bool TryPostMessage<TMessage>(ReadOnlySpan<byte> callId, IShardMessageHandler<TMessage> handler, TMessage message)
        where TMessage : class
    {
        ArgumentNullException.ThrowIfNull(message);
        return GetShard(callId).TryPostMessage(handler, message);
    }

    /// <summary>Completes when every shard has run everything posted to it before this call.</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when all shards have caught up.</returns>
    public async ValueTask WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        foreach (Shard shard in _shards)
        {
            await shard.WhenIdleAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes every shard, lets each run what was queued, and waits for their loops to end. Idempotent and safe from
    /// any thread; later callers get the first call's task.
    /// </summary>
    /// <returns>Completes when every loop has ended.</returns>
    public ValueTask DisposeAsync() => _disposal.RunOnceAsync(static set => set.DisposeCoreAsync(), this);

    private Task DisposeCoreAsync()
    {
        var closing = new Task[_shards.Length];
        for (int i = 0; i < _shards.Length; i++)
        {
            closing[i] = _shards[i].DisposeAsync().AsTask();
        }

        return Task.WhenAll(closing);
    }
}
