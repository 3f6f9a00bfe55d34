using SipDialogs.Runtime;

namespace SipDialogs.Coyote.Tests.Runtime;

/// <summary>
/// <see cref="ShardSet.DisposeAsync"/> called from many tasks at once while work is in flight on every shard, under
/// every schedule Coyote explores: the disposal path of <c>SipStack.DisposeAsync</c> once its sockets are closed, here
/// with every step but the last under Coyote's control (see README.md).
/// </summary>
public class ShardSetTests
{
    private const int ShardCount = 2;
    private const int Disposers = 4;
    private const int Workers = 2;
    private const int CallsPerWorker = 6;

    [Fact]
    public void DisposeFromManyCallersAtOnceClosesEveryShardOnceAndRefusesLaterWork()
    {
        Exploration.Run(static async () =>
        {
            var shards = new ShardSet(new ShardOptions { ShardCount = ShardCount, MailboxCapacity = 16 });
            var runs = new int[Workers * CallsPerWorker];
            var log = new DisposalLog();
            var workers = new Task<bool[]>[Workers];
            for (int w = 0; w < Workers; w++)
            {
                int first = w * CallsPerWorker;
                workers[w] = Task.Run(() => WorkAsync(shards, runs, log, first));
            }

            var disposers = new Task<Task>[Disposers];
            for (int d = 0; d < Disposers; d++)
            {
                disposers[d] = Task.Run<Task>(() =>
                {
                    Task disposal = shards.DisposeAsync().AsTask();
                    if (disposal.IsCompleted)
                    {
                        AssertClosed(shards);
                    }

                    return disposal;
                });
            }

            // Every caller is handed the one disposal.
            Task[] disposals = await Task.WhenAll(disposers);
            Task disposal = disposals[0];
            Assert.All(disposals, d => Assert.Same(disposal, d));

            // No caller sees an exception other than the documented one: WorkAsync lets any other escape.
            bool[][] ran = await Task.WhenAll(workers);

            await WhenDisposedAsync(shards, disposal);
            log.Completed = true;
            AssertClosed(shards);

            for (int w = 0; w < Workers; w++)
            {
                for (int i = 0; i < CallsPerWorker; i++)
                {
                    Assert.Equal(ran[w][i] ? 1 : 0, runs[(w * CallsPerWorker) + i]);
                }
            }

            Assert.False(log.RanAfterDispose, "Work ran after DisposeAsync completed.");
            Assert.True(shards.DisposeAsync().AsTask().IsCompletedSuccessfully);
            await Expect.ThrowsAsync<ObjectDisposedException>(() => shards[0].RunAsync(static _ => { }, 0).AsTask());
        }, iterations: 100);
    }

    /// <summary>
    /// Awaits the set's disposal: each shard's own first (controlled), then the set's, whose last step is a
    /// <see cref="Task.WhenAll(Task[])"/> that the runtime completes from its thread pool.
    /// </summary>
    private static async Task WhenDisposedAsync(ShardSet shards, Task disposal)
    {
        for (int i = 0; i < shards.Count; i++)
        {
            await shards[i].DisposeAsync();
        }

        await Exploration.WhenCompletedOutsideCoyoteAsync(disposal);
    }

    private static void AssertClosed(ShardSet shards)
    {
        for (int i = 0; i < shards.Count; i++)
        {
            Assert.False(shards[i].Post(static _ => { }, null), $"Shard {i} took work after its set was disposed.");
            Assert.Equal(0, shards[i].QueueLength);
        }
    }

    /// <summary>Calls alternate between the shards; true for each call that ran, false for each refused.</summary>
    private static async Task<bool[]> WorkAsync(ShardSet shards, int[] runs, DisposalLog log, int first)
    {
        var ran = new bool[CallsPerWorker];
        for (int i = 0; i < CallsPerWorker; i++)
        {
            try
            {
                await shards[i % ShardCount].RunAsync(static s =>
                {
                    if (s.Log.Completed)
                    {
                        s.Log.RanAfterDispose = true;
                    }

                    Interlocked.Increment(ref s.Runs[s.Id]);
                }, (Runs: runs, Id: first + i, Log: log));
                ran[i] = true;
            }
            catch (ObjectDisposedException)
            {
                ran[i] = false;
            }
        }

        return ran;
    }

    private sealed class DisposalLog
    {
        private volatile bool _completed;
        private volatile bool _ranAfterDispose;

        public bool Completed
        {
            get => _completed;
            set => _completed = value;
        }

        public bool RanAfterDispose
        {
            get => _ranAfterDispose;
            set => _ranAfterDispose = value;
        }
    }
}
