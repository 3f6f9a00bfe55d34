using System.Runtime.CompilerServices;
using SipDialogs.Runtime;

namespace SipDialogs.Tests.Runtime;

/// <summary>The outbox through which a shard hands work to application code, on real threads.</summary>
public class ShardOutboxTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WorkPostedFromTheShardRunsOffItOneAtATimeInTheOrderPosted()
    {
        const int Items = 2000;
        await using var shard = new Shard(0, new ShardOptions(), TimeProvider.System);
        var log = new RunLog(Items);

        await shard.RunAsync(
            static s =>
            {
                for (int i = 0; i < Items; i++)
                {
                    Assert.True(s.Outbox.Post(static w => { var (l, n) = ((RunLog, int))w!; l.Run(n); }, (s.log, i)));
                }
            },
            (shard.Outbox, log)).AsTask().WaitAsync(s_timeout);
        await log.Done.WaitAsync(s_timeout);

        Assert.Equal(Enumerable.Range(0, Items), log.Order);
        Assert.True(log.OffShard, "Outbox work ran on the shard.");
        Assert.False(log.Overlapped, "Two outbox items ran at once.");
    }

    [Fact]
    public async Task AShardIsIdleOnlyOnceWhatItHandedToItsOutboxHasRunToo()
    {
        await using var shard = new Shard(0, new ShardOptions(), TimeProvider.System);
        using var gate = new ManualResetEventSlim();
        var handedOut = new StrongBox<bool>();

        // The shard hands out an item that waits for the gate: the shard is free, its outbox is not.
        await shard.RunAsync(
            static s => Assert.True(s.shard.Outbox.Post(
                static w => { var (g, box) = ((ManualResetEventSlim, StrongBox<bool>))w!; Assert.True(g.Wait(s_timeout)); box.Value = true; },
                (s.gate, s.handedOut))),
            (shard, gate, handedOut)).AsTask().WaitAsync(s_timeout);
        Task idle = shard.WhenIdleAsync().AsTask();
        Assert.False(idle.IsCompleted);

        gate.Set();
        await idle.WaitAsync(s_timeout);
        Assert.True(handedOut.Value);
    }

    [Fact]
    public async Task NewWorkIsRefusedWhileACapacityOfItWaitsButWorkAboutWhatWasHandedOutIsTaken()
    {
        using var gate = new ManualResetEventSlim();
        using var ran = new CountdownEvent(18);
        var outbox = new ShardOutbox(capacity: 16, static _ => { });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The first item holds the loop; fifteen more fill the capacity.
        Assert.True(outbox.TryPostNew(static s => { var (g, st, r) = ((ManualResetEventSlim, TaskCompletionSource, CountdownEvent))s!; st.TrySetResult(); g.Wait(s_timeout); r.Signal(); }, (gate, started, ran)));
        await started.Task.WaitAsync(s_timeout);
        for (int i = 1; i < 16; i++)
        {
            Assert.True(outbox.TryPostNew(static s => ((CountdownEvent)s!).Signal(), ran));
        }

        Assert.Equal(16, outbox.Count);
        Assert.False(outbox.TryPostNew(static s => ((CountdownEvent)s!).Signal(), ran));
        Assert.True(outbox.Post(static s => ((CountdownEvent)s!).Signal(), ran));
        Assert.True(outbox.Post(static s => ((CountdownEvent)s!).Signal(), ran));

        gate.Set();
        Assert.True(ran.Wait(s_timeout));
        await outbox.CloseAsync().WaitAsync(s_timeout);
        Assert.Equal(0, outbox.Count);
        Assert.False(outbox.Post(static _ => { }, null));
    }

    [Fact]
    public async Task AnItemThatThrowsIsReportedAndTheNextOneRuns()
    {
        var faults = new List<Exception>();
        var outbox = new ShardOutbox(capacity: 16, e => faults.Add(e));
        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Assert.True(outbox.Post(static _ => throw new InvalidOperationException("An application bug."), null));
        Assert.True(outbox.Post(static s => ((TaskCompletionSource)s!).TrySetResult(), next));

        await next.Task.WaitAsync(s_timeout);
        await outbox.CloseAsync().WaitAsync(s_timeout);
        Assert.IsType<InvalidOperationException>(Assert.Single(faults));
    }

    /// <summary>What ran, in order, where, and whether two items were ever inside at once.</summary>
    private sealed class RunLog(int expected)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;

        public List<int> Order { get; } = new(expected);

        public bool OffShard { get; private set; } = true;

        public bool Overlapped { get; private set; }

        public Task Done => _done.Task;

        public void Run(int item)
        {
            Overlapped |= Interlocked.Increment(ref _inside) != 1;
            OffShard &= Shard.Current is null;
            Order.Add(item);
            Interlocked.Decrement(ref _inside);
            if (Order.Count == expected)
            {
                _done.TrySetResult();
            }
        }
    }
}
