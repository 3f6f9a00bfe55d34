using System.Text;
using SipDialogs.Messages;
using SipDialogs.Runtime;

namespace SipDialogs.Tests.Runtime;

public class ShardSetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ACallIdMapsToTheSameShardAsBytesAndAsAString()
    {
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 8 });
        for (int i = 0; i < 1000; i++)
        {
            string callId = $"call-{i}@example.com";
            int index = shards.GetShardIndex(Encoding.UTF8.GetBytes(callId));
            Assert.Equal(index, shards.GetShardIndex(Encoding.UTF8.GetBytes(callId)));
            Assert.Same(shards[index], shards.GetShard(callId));
        }
    }

    [Fact]
    public async Task CallIdsDifferingInOnePositionSpreadEvenlyOverTheShards()
    {
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 8 });
        int[] counts = new int[8];
        byte[] callId = Encoding.ASCII.GetBytes("a84b4c76e66710@pc33.atlanta.com-000000");
        for (int i = 0; i < 100_000; i++)
        {
            // Only the counter at the end changes, as in a sequential generator.
            Encoding.ASCII.GetBytes(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture), callId.AsSpan(callId.Length - 6));
            counts[shards.GetShardIndex(callId)]++;
        }

        AssertEven(counts, 100_000);
    }

    [Fact]
    public async Task CallIdsCraftedToCollideUnderAnUnseededHashStillSpreadEvenly()
    {
        // Strings of 17 blocks, each "Aa" or "BB": all 131,072 share one value of the classic 31-polynomial string
        // hash, so a router using it would put every one of them on one shard.
        var callIds = new List<byte[]>(100_000);
        for (int n = 0; n < 100_000; n++)
        {
            var text = new StringBuilder(34);
            for (int bit = 0; bit < 17; bit++)
            {
                text.Append(((n >> bit) & 1) == 0 ? "Aa" : "BB");
            }

            callIds.Add(Encoding.ASCII.GetBytes(text.ToString()));
        }

        int polynomial = PolynomialHash(callIds[0]);
        Assert.All(callIds, id => Assert.Equal(polynomial, PolynomialHash(id)));

        await using var shards = new ShardSet(new ShardOptions { ShardCount = 8 });
        int[] counts = new int[8];
        foreach (byte[] id in callIds)
        {
            counts[shards.GetShardIndex(id)]++;
        }

        AssertEven(counts, 100_000);
    }

    [Fact]
    public async Task AReceivedMessageRunsOnTheShardOfItsCallId()
    {
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 4 });
        var handler = new RecordingHandler();
        SipMessage message = ShardTests.Message();

        Assert.True(shards.TryPostMessage(message.CallIdBytes, handler, message));
        await shards.WhenIdleAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal(shards.GetShardIndex(message.CallIdBytes), handler.ShardIndex);
        Assert.True(handler.WasCurrent);
        Assert.Equal(1, shards.MessagesProcessed);
    }

    [Fact]
    public async Task TheDefaultShardCountIsTwiceTheProcessorCount()
    {
        await using var shards = new ShardSet();
        Assert.Equal(Environment.ProcessorCount * 2, shards.Count);
    }

    [Fact]
    public async Task DisposeAsyncIsIdempotentFromManyThreads()
    {
        var shards = new ShardSet(new ShardOptions { ShardCount = 4 });
        Task[] disposals = ConcurrentRuntimeCalls.StartOnThreads(16, () => shards.DisposeAsync().AsTask());

        await Task.WhenAll(disposals).WaitAsync(Timeout);
        Assert.True(shards.DisposeAsync().AsTask().IsCompletedSuccessfully);
        SipMessage message = ShardTests.Message();
        Assert.False(shards.TryPostMessage(message.CallIdBytes, new RecordingHandler(), message));
        Assert.Equal(1, shards.MessagesDropped);
    }

    private static void AssertEven(int[] counts, int total)
    {
        int expected = total / counts.Length;
        foreach (int count in counts)
        {
            // ±10% is more than ten standard deviations of a uniform spread at this size.
            Assert.InRange(count, expected * 9 / 10, expected * 11 / 10);
        }
    }

    private static int PolynomialHash(byte[] text)
    {
        int hash = 0;
        foreach (byte b in text)
        {
            hash = unchecked((31 * hash) + b);
        }

        return hash;
    }

    private sealed class RecordingHandler : IShardMessageHandler<SipMessage>
    {
        public int ShardIndex { get; private set; } = -1;

        public bool WasCurrent { get; private set; }

        public void OnShardMessage(Shard shard, SipMessage message)
        {
            ShardIndex = shard.Index;
            WasCurrent = shard.IsCurrent;
        }
    }
}
