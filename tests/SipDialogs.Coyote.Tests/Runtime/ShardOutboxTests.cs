using SipDialogs.Runtime;

namespace SipDialogs.Coyote.Tests.Runtime;

/// <summary>
/// <see cref="ShardOutbox"/> under every schedule Coyote explores: two shards' worth of posters (work posted from each
/// shard, as the stack posts it) while the outbox is closed.
/// </summary>
public class ShardOutboxTests
{
    private const int Posters = 2;
    private const int PostsEach = 5;

    [Fact]
    public void WorkRunsOnceOneAtATimeInEachPostersOrderAndNothingRunsAfterTheClose()
    {
        Exploration.Run(static async () =>
        {
            int faults = 0;
            var outbox = new ShardOutbox(capacity: 4, _ => Interlocked.Increment(ref faults));
            var log = new RunLog();
            var posters = new Task<int[]>[Posters];
            for (int p = 0; p < Posters; p++)
            {
                int poster = p;
                posters[p] = Task.Run(() =>
                {
                    // Half new work, refused when full; half work about something handed out, always taken unless closed.
                    var accepted = new List<int>();
                    for (int i = 0; i < PostsEach; i++)
                    {
                        int id = (poster * PostsEach) + i;
                        bool posted = i % 2 == 0
                            ? outbox.TryPostNew(static s => ((RunLog)((object[])s!)[0]).Run((int)((object[])s!)[1]), new object[] { log, id })
                            : outbox.Post(static s => ((RunLog)((object[])s!)[0]).Run((int)((object[])s!)[1]), new object[] { log, id });
                        if (posted)
                        {
                            accepted.Add(id);
                        }
                    }

                    return accepted.ToArray();
                });
            }

            Task closing = Task.Run(async () =>
            {
                await outbox.CloseAsync();
                log.Closed = true;
            });

            int[][] accepted = await Task.WhenAll(posters);
            await closing;

            // Everything accepted ran exactly once, a poster's work in the order it was posted, one item at a time.
            int[] ran = log.Order;
            Assert.Equal(accepted.Sum(static a => a.Length), ran.Length);
            foreach (int[] ofPoster in accepted)
            {
                Assert.Equal(ofPoster, ran.Where(ofPoster.Contains));
            }

            Assert.False(log.Overlapped, "Two items of one outbox ran at once.");
            Assert.False(log.RanAfterClose, "An item ran after CloseAsync completed.");
            Assert.Equal(0, outbox.Count);
            Assert.Equal(0, faults);
            Assert.False(outbox.Post(static _ => { }, null));
        }, iterations: 200);
    }

    /// <summary>What ran, in order, and whether two items were ever inside at once.</summary>
    private sealed class RunLog
    {
        private readonly List<int> _order = [];
        private int _inside;

        public bool Closed { get; set; }

        public bool Overlapped { get; private set; }

        public bool RanAfterClose { get; private set; }

        public int[] Order
        {
            get
            {
                lock (_order)
                {
                    return [.. _order];
                }
            }
        }

        public void Run(int id)
        {
            Overlapped |= Interlocked.Increment(ref _inside) != 1;
            RanAfterClose |= Closed;
            lock (_order)
            {
                _order.Add(id);
            }

            Interlocked.Decrement(ref _inside);
        }
    }
}
