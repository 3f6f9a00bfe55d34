using SipDialogs.Internal;

namespace SipDialogs.Coyote.Tests.Internal;

/// <summary>
/// <see cref="DisposalLatch"/> under every schedule Coyote explores: callers arrive before, during and after the one
/// disposal, through the owner's <see cref="IAsyncDisposable.DisposeAsync"/> and through the latch directly.
/// </summary>
public class DisposalLatchTests
{
    private const int Callers = 4;

    [Fact]
    public void ManyConcurrentCallersRunTheWorkOnceAndAllFinishAfterIt()
    {
        Exploration.Run(static async () =>
        {
            var owner = new Owner(fails: false);
            var callers = new Task[Callers];
            for (int i = 0; i < Callers; i++)
            {
                callers[i] = Task.Run(i % 2 == 0 ? owner.CallDisposeAsync : owner.CallLatchAsync);
            }

            await Task.WhenAll(callers);

            Assert.Equal(1, owner.Runs);
            Assert.True(owner.Latch.IsStarted);
            Assert.True(owner.Latch.RunOnceAsync(static o => o.DisposeCoreAsync(), owner).AsTask().IsCompletedSuccessfully);
            Assert.Equal(1, owner.Runs);
        }, iterations: 200);
    }

    [Fact]
    public void AFaultOfTheOneRunReachesEveryCaller()
    {
        Exploration.Run(static async () =>
        {
            var owner = new Owner(fails: true);
            var callers = new Task[Callers];
            for (int i = 0; i < Callers; i++)
            {
                callers[i] = Task.Run(async () =>
                {
                    InvalidOperationException fault = await Expect.ThrowsAsync<InvalidOperationException>(owner.CallDisposeAsync);
                    Assert.Same(owner.Fault, fault);
                });
            }

            await Task.WhenAll(callers);

            Assert.Equal(1, owner.Runs);
        }, iterations: 100);
    }

    /// <summary>An owner whose disposal takes several steps, so that callers arrive while it runs.</summary>
    private sealed class Owner(bool fails) : IAsyncDisposable
    {
        private int _runs;
        private volatile bool _finished;

        public DisposalLatch Latch { get; } = new();

        public int Runs => Volatile.Read(ref _runs);

        public InvalidOperationException Fault { get; } = new("disposal failed");

        public ValueTask DisposeAsync() => Latch.RunOnceAsync(static o => o.DisposeCoreAsync(), this);

        public async Task CallDisposeAsync()
        {
            await DisposeAsync();
            Assert.True(_finished, "A caller's dispose completed before the disposal finished.");
        }

        public async Task CallLatchAsync()
        {
            await Latch.RunOnceAsync(static o => o.DisposeCoreAsync(), this);
            Assert.True(_finished, "A caller's dispose completed before the disposal finished.");
        }

        public async Task DisposeCoreAsync()
        {
            Assert.Equal(1, Interlocked.Increment(ref _runs));
            await Task.Yield();
            await Task.Run(static () => { });
            _finished = true;
            if (fails)
            {
                throw Fault;
            }
        }
    }
}
