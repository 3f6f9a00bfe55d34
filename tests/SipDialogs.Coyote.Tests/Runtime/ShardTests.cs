using Microsoft.Coyote.Runtime;
using SipDialogs.Runtime;

namespace SipDialogs.Coyote.Tests.Runtime;

/// <summary>
/// <see cref="Shard"/> under every schedule Coyote explores: callers on several tasks post and run work while another
/// task disposes the shard.
/// </summary>
public class ShardTests
{
    private const int Callers = 3;
    private const int CallsPerCaller = 6;

    /// <summary>
    /// A shard with the smallest mailbox a stack can configure, which these few calls never fill. A full mailbox is left
    /// to the stress test on real threads: System.Threading.Channels releases a waiting writer while holding its own
    /// lock, and Coyote, switching operations at that release, would leave the lock held while it runs the others.
    /// </summary>
    private static Shard NewShard() => new(0, new ShardOptions { MailboxCapacity = 16 }, TimeProvider.System);

    [Fact]
    public void WorkRacingDisposeRunsOnceOrIsRefusedAndNothingRunsAfterDispose()
    {
        Exploration.Run(static async () =>
        {
            Shard shard = NewShard();
            var log = new WorkLog(Callers * CallsPerCaller);
            var callers = new Task<Outcome[]>[Callers];
            for (int c = 0; c < Callers; c++)
            {
                int first = c * CallsPerCaller;
                callers[c] = Task.Run(() => CallAsync(shard, log, first));
            }

            Task disposer = Task.Run(async () =>
            {
                await shard.DisposeAsync();
                log.DisposeCompleted = true;
            });

            // No caller sees an exception other than the documented one: CallAsync lets any other escape.
            Outcome[][] outcomes = await Task.WhenAll(callers);
            await disposer;

            int accepted = 0, acceptedRan = 0;
            foreach (Outcome[] ofCaller in outcomes)
            {
                foreach (Outcome outcome in ofCaller)
                {
                    int runs = log.Runs(outcome.Id);
                    switch (outcome.Kind)
                    {
                        case OutcomeKind.Ran:
                            Assert.Equal(1, runs);
                            break;
                        case OutcomeKind.Refused:
                        case OutcomeKind.PostRefused:
                            Assert.Equal(0, runs);
                            break;
                        case OutcomeKind.Posted:
                            // A posted callback runs once, or was dropped (and counted) by the close.
                            Assert.InRange(runs, 0, 1);
                            accepted++;
                            acceptedRan += runs;
                            break;
                    }
                }
            }

            Assert.Equal(accepted, acceptedRan + shard.MessagesDropped);
            Assert.False(log.RanAfterDispose, "Work ran after DisposeAsync completed.");

            // Closed for good: calls are refused with the documented exception, posts are refused.
            await Expect.ThrowsAsync<ObjectDisposedException>(() => shard.RunAsync(static l => l.Run(0), log).AsTask());
            Assert.False(shard.Post(static _ => { }, null));
            Assert.True(shard.DisposeAsync().AsTask().IsCompletedSuccessfully);
        }, iterations: 200);
    }

    [Fact]
    public void WorkFromManyCallersRunsOneItemAtATime()
    {
        Exploration.Run(static async () =>
        {
            Shard shard = NewShard();
            var counter = new SerialCounter();
            var callers = new Task[Callers];
            for (int c = 0; c < Callers; c++)
            {
                callers[c] = Task.Run(async () =>
                {
                    for (int i = 0; i < CallsPerCaller; i++)
                    {
                        if (i % 4 == 3)
                        {
                            Assert.True(shard.Post(static s => ((SerialCounter)s!).Increment(), counter));
                        }
                        else if (i % 2 == 0)
                        {
                            await shard.RunAsync(static s => s.Increment(), counter);
                        }
                        else
                        {
                            Assert.Equal(counter, await shard.RunAsync(static s => { s.Increment(); return s; }, counter));
                        }
                    }
                });
            }

            await Task.WhenAll(callers);
            await shard.WhenIdleAsync();

            Assert.Equal(Callers * CallsPerCaller, counter.Value);
            Assert.False(counter.EnteredConcurrently, "Two work items of one shard ran at once.");
            Assert.Equal(0, shard.HandlerFaults);
            await shard.DisposeAsync();
            Assert.Equal(Callers * CallsPerCaller, counter.Value);
        }, iterations: 100);
    }

    private static async Task<Outcome[]> CallAsync(Shard shard, WorkLog log, int first)
    {
        var outcomes = new Outcome[CallsPerCaller];
        for (int i = 0; i < CallsPerCaller; i++)
        {
            int id = first + i;
            OutcomeKind kind;
            if (i % 3 == 2)
            {
                kind = shard.Post(static s => ((WorkItem)s!).Log.Run(((WorkItem)s!).Id), new WorkItem(log, id)) ? OutcomeKind.Posted : OutcomeKind.PostRefused;
            }
            else
            {
                try
                {
                    if (i % 3 == 0)
                    {
                        await shard.RunAsync(static s => s.Log.Run(s.Id), new WorkItem(log, id));
                    }
                    else
                    {
                        Assert.Equal(id, await shard.RunAsync(static s => { s.Log.Run(s.Id); return s.Id; }, new WorkItem(log, id)));
                    }

                    // The call completes only once its work has run.
                    Assert.Equal(1, log.Runs(id));
                    kind = OutcomeKind.Ran;
                }
                catch (ObjectDisposedException)
                {
                    kind = OutcomeKind.Refused;
                }
            }

            outcomes[i] = new Outcome(id, kind);
        }

        return outcomes;
    }

    private enum OutcomeKind
    {
        Ran,
        Refused,
        Posted,
        PostRefused,
    }

    private readonly record struct Outcome(int Id, OutcomeKind Kind);

    private sealed record WorkItem(WorkLog Log, int Id);

    /// <summary>How many times each piece of work ran, and whether any ran after the shard's dispose completed.</summary>
    private sealed class WorkLog(int count)
    {
        private readonly int[] _runs = new int[count];
        private volatile bool _disposeCompleted;
        private volatile bool _ranAfterDispose;

        public bool DisposeCompleted
        {
            get => _disposeCompleted;
            set => _disposeCompleted = value;
        }

        public bool RanAfterDispose => _ranAfterDispose;

        public int Runs(int id) => Volatile.Read(ref _runs[id]);

        public void Run(int id)
        {
            if (_disposeCompleted)
            {
                _ranAfterDispose = true;
            }

            Interlocked.Increment(ref _runs[id]);
        }
    }

    /// <summary>
    /// A counter incremented without synchronization, with a scheduling point between the read and the write: two items
    /// run at once would lose an increment, and trip the entry check.
    /// </summary>
    private sealed class SerialCounter
    {
        private int _inside;
        private int _value;
        private volatile bool _enteredConcurrently;

        public int Value => Volatile.Read(ref _value);

        public bool EnteredConcurrently => _enteredConcurrently;

        public void Increment()
        {
            if (Interlocked.Increment(ref _inside) != 1)
            {
                _enteredConcurrently = true;
            }

            int read = _value;
            SchedulingPoint.Interleave();
            _value = read + 1;
            Interlocked.Decrement(ref _inside);
        }
    }
}
