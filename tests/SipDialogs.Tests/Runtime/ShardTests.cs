using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Runtime;

public class ShardTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RunAsyncRunsTheWorkOnTheShardAndReturnsItsResult()
    {
        await using var shard = new Shard(0, new ShardOptions(), TimeProvider.System);

        (bool onShard, int result) = await shard.RunAsync(static s => (s.IsCurrent, 42), shard).AsTask().WaitAsync(Timeout);

        Assert.True(onShard);
        Assert.Equal(42, result);
        Assert.False(shard.IsCurrent);
    }

    [Fact]
    public async Task RunAsyncCalledFromTheShardRunsAfterTheCurrentWorkNeverInline()
    {
        await using var shard = new Shard(0, new ShardOptions(), TimeProvider.System);
        var order = new List<string>();

        ValueTask<int> nested = await shard.RunAsync(
            static s =>
            {
                ValueTask<int> call = s.Shard.RunAsync(static o => { o.Add("nested"); return 7; }, s.order);
                s.order.Add(call.IsCompleted ? "ran inline" : "queued");
                return call;
            },
            (Shard: shard, order)).AsTask().WaitAsync(Timeout);

        Assert.Equal(7, await nested.AsTask().WaitAsync(Timeout));
        Assert.Equal(["queued", "nested"], order);
    }

    [Fact]
    public async Task WorkRunsInTheOrderItWasPosted()
    {
        await using var shard = new Shard(0, new ShardOptions(), TimeProvider.System);
        var order = new List<int>();

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(shard.Post(static s => { var (list, n) = ((List<int>, int))s!; list.Add(n); }, (order, i)));
        }

        await shard.WhenIdleAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(Enumerable.Range(0, 1000), order);
    }

    [Fact]
    public async Task AThrowingHandlerIsCountedAndTheShardKeepsProcessing()
    {
        await using var shard = new Shard(0, new ShardOptions(), TimeProvider.System);
        var handler = new CountingHandler { ThrowOn = 2 };

        for (int i = 1; i <= 5; i++)
        {
            Assert.True(shard.TryPostMessage(handler, Message()));
        }

        shard.Post(static _ => throw new InvalidOperationException("callback"), null);
        await shard.WhenIdleAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal(5, handler.Calls);
        Assert.Equal(2, shard.HandlerFaults);
        Assert.Equal(5, shard.MessagesProcessed);
    }

    [Fact]
    public async Task RunAsyncGivesTheCallerItsOwnExceptionWithoutCountingAFault()
    {
        await using var shard = new Shard(0, new ShardOptions(), TimeProvider.System);

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => shard.RunAsync<int, int>(static _ => throw new InvalidOperationException("mine"), 0).AsTask().WaitAsync(Timeout));

        Assert.Equal(0, shard.HandlerFaults);
        Assert.Equal(1, await shard.RunAsync(static _ => 1, 0));
    }

    [Fact]
    public async Task TimersFireOnTheShardWhenTheFakeClockAdvances()
    {
        var time = new FakeTimeProvider();
        await using var shard = new Shard(0, new ShardOptions(), time);
        var target = new ShardCheckingTarget(shard);

        await shard.RunAsync(static s => s.Shard.Timers.Schedule(TimeSpan.FromMilliseconds(500), s, 1), target).AsTask().WaitAsync(Timeout);
        Assert.Equal(1, shard.TimerCount);

        time.Advance(TimeSpan.FromMilliseconds(499));
        await shard.WhenIdleAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(0, target.Fired);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await shard.WhenIdleAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(1, target.Fired);
        Assert.True(target.OnShard);
        Assert.Equal(0, shard.TimerCount);
    }

    [Fact]
    public async Task AFullMailboxDropsAndCountsReceivedMessages()
    {
        await using var shard = new Shard(0, new ShardOptions { MailboxCapacity = 16 }, TimeProvider.System);
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var handler = new CountingHandler();

        // Holds the shard's loop so the mailbox fills; a test-only block, released below.
        shard.Post(static s => { var (e, g) = ((ManualResetEventSlim, ManualResetEventSlim))s!; e.Set(); g.Wait(Timeout); }, (entered, gate));
        Assert.True(entered.Wait(Timeout));

        int accepted = 0;
        for (int i = 0; i < 40; i++)
        {
            accepted += shard.TryPostMessage(handler, Message()) ? 1 : 0;
        }

        gate.Set();
        await shard.WhenIdleAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal(16, accepted);
        Assert.Equal(24, shard.MessagesDropped);
        Assert.Equal(16, handler.Calls);
    }

    [Fact]
    public async Task DisposeAsyncRunsWhatWasQueuedAndThenRefusesWork()
    {
        var shard = new Shard(0, new ShardOptions(), TimeProvider.System);
        var ran = new StrongBox<int>();
        for (int i = 0; i < 100; i++)
        {
            shard.Post(static s => ((StrongBox<int>)s!).Value++, ran);
        }

        await shard.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal(100, ran.Value);
        Assert.False(shard.TryPostMessage(new CountingHandler(), Message()));
        Assert.False(shard.Post(static _ => { }, null));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => shard.RunAsync(static _ => 1, 0).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task TimersStillScheduledWhenTheShardCloseAreDroppedAndNotCounted()
    {
        var time = new FakeTimeProvider();
        var shard = new Shard(0, new ShardOptions(), time);
        var target = new ShardCheckingTarget(shard);
        await shard.RunAsync(static s => s.Shard.Timers.Schedule(TimeSpan.FromSeconds(32), s, 1), target).AsTask().WaitAsync(Timeout);
        Assert.Equal(1, shard.TimerCount);

        await shard.DisposeAsync().AsTask().WaitAsync(Timeout);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, shard.TimerCount);
        Assert.Equal(0, target.Fired);
    }

    [Fact]
    public async Task DisposeAsyncIsIdempotentFromManyThreads()
    {
        var shard = new Shard(0, new ShardOptions(), TimeProvider.System);
        Task[] disposals = ConcurrentRuntimeCalls.StartOnThreads(16, () => shard.DisposeAsync().AsTask());

        await Task.WhenAll(disposals).WaitAsync(Timeout);
        await shard.DisposeAsync().AsTask().WaitAsync(Timeout);
        Assert.True(shard.DisposeAsync().AsTask().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WorkFromEightTasksRacingDisposeRunsOnceOrIsRefusedAndRunsOneItemAtATime()
    {
        const int Rounds = 20;
        const int Callers = 8;
        const int CallsPerCaller = 240;
        const int Calls = Callers * CallsPerCaller;
        long ranInAll = 0, refusedInAll = 0;
        for (int round = 0; round < Rounds; round++)
        {
            // The shard closes after a different share of the calls each round, from 1/21 to 20/21 of them. Its mailbox
            // holds two items (below what a stack may configure), so that posts and calls often wait for room.
            var shard = new Shard(0, new ShardOptions { MailboxCapacity = 2 }, TimeProvider.System);
            var race = new DisposeRace(shard, Callers, CallsPerCaller, disposeAfter: Calls * (round + 1) / (Rounds + 1));
            var outcomes = new CallOutcome[Calls];
            Task[] callers = ConcurrentRuntimeCalls.StartOnThreads(Callers, () => race.CallAsync(outcomes));

            // No caller sees an exception other than the documented one: CallAsync lets any other escape.
            await Task.WhenAll(callers).WaitAsync(Timeout);
            await race.Disposal!.WaitAsync(Timeout);

            int accepted = 0, ranOfAccepted = 0;
            for (int id = 0; id < Calls; id++)
            {
                int runs = Volatile.Read(ref race.Runs[id]);
                switch (outcomes[id])
                {
                    case CallOutcome.Ran:
                        Assert.Equal(1, runs);
                        ranInAll++;
                        break;
                    case CallOutcome.Refused:
                        Assert.Equal(0, runs);
                        refusedInAll++;
                        break;
                    case CallOutcome.Posted:
                        Assert.InRange(runs, 0, 1);
                        accepted++;
                        ranOfAccepted += runs;
                        break;
                    default:
                        Assert.Fail($"Call {id} has no outcome.");
                        break;
                }
            }

            // A post the close dropped is counted, every other ran once. A post still waiting for room when the mailbox
            // closed is counted by its own continuation, which the disposal does not wait for: promptly, not at once.
            await Poll.UntilAsync(() => ranOfAccepted + shard.MessagesDropped == accepted, Timeout, $"{accepted} posts accepted = {ranOfAccepted} ran + {shard.MessagesDropped} dropped");
            Assert.Equal(race.Runs.Sum(), race.Counter);
            Assert.False(race.EnteredConcurrently, "Two work items of one shard ran at once.");
            Assert.False(race.RanAfterDispose, "Work ran after DisposeAsync completed.");
            await Assert.ThrowsAsync<ObjectDisposedException>(() => shard.RunAsync(static _ => { }, 0).AsTask().WaitAsync(Timeout));
        }

        Assert.True(ranInAll > 0 && refusedInAll > 0, $"{ranInAll} calls ran and {refusedInAll} were refused: the close did not race the calls.");
    }

    /// <summary>A message to post: the runtime knows no transport type, so any reference type will do.</summary>
    internal static SipMessage Message() => SipMessageParser.Parse(
        "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc\r\nFrom: <sip:a@example.com>;tag=1\r\n" +
        "To: <sip:bob@example.com>\r\nCall-ID: shard-test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");

    private enum CallOutcome
    {
        None,
        Ran,
        Refused,
        Posted,
    }

    /// <summary>
    /// Callers that run and post work to one shard until a given number of calls have completed; the caller that
    /// completes that call disposes the shard, and the callers carry on into the close. Each item of work counts its runs,
    /// bumps a counter without synchronization, and checks that no other item is running and that the disposal has not
    /// completed.
    /// </summary>
    private sealed class DisposeRace(Shard shard, int callers, int callsPerCaller, int disposeAfter)
    {
        private int _nextCaller;
        private int _completed;
        private int _inside;
        private volatile bool _disposeCompleted;
        private volatile bool _enteredConcurrently;
        private volatile bool _ranAfterDispose;

        public int[] Runs { get; } = new int[callers * callsPerCaller];

        public int Counter { get; private set; }

        public Task? Disposal { get; private set; }

        public bool EnteredConcurrently => _enteredConcurrently;

        public bool RanAfterDispose => _ranAfterDispose;

        public async Task CallAsync(CallOutcome[] outcomes)
        {
            int caller = Interlocked.Increment(ref _nextCaller) - 1;
            for (int i = 0; i < callsPerCaller; i++)
            {
                int id = (caller * callsPerCaller) + i;
                if (i % 3 == 2)
                {
                    outcomes[id] = shard.Post(static s => ((WorkItem)s!).Race.Run(((WorkItem)s!).Id), new WorkItem(this, id)) ? CallOutcome.Posted : CallOutcome.Refused;
                }
                else
                {
                    try
                    {
                        if (i % 3 == 0)
                        {
                            await shard.RunAsync(static s => s.Race.Run(s.Id), new WorkItem(this, id));
                        }
                        else
                        {
                            Assert.Equal(id, await shard.RunAsync(static s => { s.Race.Run(s.Id); return s.Id; }, new WorkItem(this, id)));
                        }

                        // The call completes only once its work has run.
                        Assert.Equal(1, Volatile.Read(ref Runs[id]));
                        outcomes[id] = CallOutcome.Ran;
                    }
                    catch (ObjectDisposedException)
                    {
                        outcomes[id] = CallOutcome.Refused;
                    }
                }

                if (Interlocked.Increment(ref _completed) == disposeAfter)
                {
                    Disposal = MarkDisposedAsync(shard.DisposeAsync().AsTask());
                }
            }
        }

        private async Task MarkDisposedAsync(Task disposal)
        {
            await disposal;
            _disposeCompleted = true;
        }

        private void Run(int id)
        {
            if (Interlocked.Increment(ref _inside) != 1)
            {
                _enteredConcurrently = true;
            }

            if (_disposeCompleted)
            {
                _ranAfterDispose = true;
            }

            Counter++;
            Interlocked.Increment(ref Runs[id]);
            Interlocked.Decrement(ref _inside);
        }

        private sealed record WorkItem(DisposeRace Race, int Id);
    }

    private sealed class CountingHandler : IShardMessageHandler<SipMessage>
    {
        public int ThrowOn { get; init; } = -1;

        public int Calls { get; private set; }

        public void OnShardMessage(Shard shard, SipMessage message)
        {
            Calls++;
            if (Calls == ThrowOn)
            {
                throw new InvalidOperationException("handler");
            }
        }
    }

    private sealed class ShardCheckingTarget(Shard shard) : ITimerTarget
    {
        public Shard Shard => shard;

        public int Fired { get; private set; }

        public bool OnShard { get; private set; }

        public void OnTimer(int timer)
        {
            Fired++;
            OnShard = shard.IsCurrent;
        }
    }
}
