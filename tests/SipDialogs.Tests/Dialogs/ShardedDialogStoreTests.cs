using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

public class ShardedDialogStoreTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static Dialog Uas(string callId, string localTag = "b1", string remoteTag = "a1")
    {
        Assert.True(Dialog.TryCreateAsUas(DialogMessages.Invite(callId, remoteTag), 200, localTag, DialogMessages.BobContact, overTls: false, out Dialog? dialog));
        return dialog;
    }

    [Fact]
    public async Task AnAddedDialogIsFoundByItsIdAndByTheTagsOfARequestInIt()
    {
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 4 });
        var store = new ShardedDialogStore(shards);
        IReadOnlyList<SipMessage> flow = CallFlows.Parse(CallFlows.SessionThroughTwoProxies);
        Assert.True(Dialog.TryCreateAsUas((SipRequest)flow[6], (SipResponse)flow[11], overTls: false, out Dialog? bob));

        Assert.True(store.TryAdd(bob));

        Assert.True(store.TryGet(bob.Id, out Dialog? byId));
        Assert.Same(bob, byId);

        // F17, Alice's ACK as Bob receives it: local tag = To tag, remote tag = From tag (RFC 3261 §12.2.2).
        SipMessage ack = flow[16];
        Assert.True(store.TryGet(ack.CallIdBytes, ack.ToTag, ack.FromTag, out Dialog? byRequest));
        Assert.Same(bob, byRequest);
        Assert.False(store.TryGet(ack.CallIdBytes, ack.FromTag, ack.ToTag, out _));
    }

    [Fact]
    public async Task ADialogIsAddedOnlyOnce()
    {
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 2 });
        var store = new ShardedDialogStore(shards);

        Assert.True(store.TryAdd(Uas("once")));
        Assert.False(store.TryAdd(Uas("once")));

        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task AnUnknownDialogIsNotFoundNorRemoved()
    {
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 2 });
        var store = new ShardedDialogStore(shards);
        store.TryAdd(Uas("known"));

        Assert.False(store.TryGet(new DialogId("unknown", "b1", "a1"), out _));
        Assert.False(store.TryGet(new DialogId("known", "b1", "a2"), out _));
        Assert.False(store.Remove(new DialogId("unknown", "b1", "a1")));
        Assert.False(store.Remove(new DialogId("known", "b2", "a1")));
        Assert.Equal(0, store.GetByCallId("unknown"u8, []));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task TheEarlyDialogsOfAForkedInviteAreAllHeldUnderItsCallId()
    {
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 4 });
        var store = new ShardedDialogStore(shards);
        SipRequest invite = DialogMessages.Invite("forked");
        var forks = new List<Dialog>();
        foreach (string tag in new[] { "fork1", "fork2", "fork3" })
        {
            Assert.True(Dialog.TryCreateAsUac(invite, DialogMessages.Answer(invite, 180, tag), overTls: false, out Dialog? early));
            Assert.Equal(DialogState.Early, early.State);
            Assert.True(store.TryAdd(early));
            forks.Add(early);
        }

        var found = new List<Dialog>();
        Assert.Equal(3, store.GetByCallId("forked"u8, found));
        Assert.Equal(3, found.Count);
        foreach (Dialog fork in forks)
        {
            Assert.Contains(fork, found);
            Assert.True(store.TryGet(fork.Id, out Dialog? same));
            Assert.Same(fork, same);
        }

        Assert.Equal(3, store.Count);
        Assert.Equal(3, store.GetCount(shards.GetShardIndex("forked"u8)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void RemovingOneForkLeavesTheOthersFindable(int removed)
    {
        using var owner = new StoreOwner(shardCount: 2);
        ShardedDialogStore store = owner.Store;
        Dialog[] forks = [Uas("fork", "b1"), Uas("fork", "b2"), Uas("fork", "b3")];
        foreach (Dialog fork in forks)
        {
            Assert.True(store.TryAdd(fork));
        }

        Assert.True(store.Remove(forks[removed].Id));

        Assert.False(store.TryGet(forks[removed].Id, out _));
        Assert.False(store.Remove(forks[removed].Id));
        Assert.Equal(2, store.GetByCallId("fork"u8, []));
        for (int i = 0; i < forks.Length; i++)
        {
            if (i != removed)
            {
                Assert.True(store.TryGet(forks[i].Id, out Dialog? kept));
                Assert.Same(forks[i], kept);
            }
        }

        Assert.Equal(2, store.Count);
        foreach (Dialog fork in forks)
        {
            store.Remove(fork.Id);
        }

        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.GetByCallId("fork"u8, []));
    }

    [Fact]
    public async Task EachShardCountsItsOwnDialogsAndTheTotalIsTheirSum()
    {
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 4 });
        var store = new ShardedDialogStore(shards);
        int[] expected = new int[4];
        var ids = new List<DialogId>();
        for (int i = 0; i < 200; i++)
        {
            Dialog dialog = Uas("call-" + i + "@example.com");
            Assert.True(store.TryAdd(dialog));
            ids.Add(dialog.Id);
            expected[shards.GetShardIndex(dialog.Id.CallIdBytes)]++;
        }

        Assert.Equal(200, store.Count);
        for (int shard = 0; shard < 4; shard++)
        {
            Assert.Equal(expected[shard], store.GetCount(shard));
            Assert.True(expected[shard] > 0);
        }

        foreach (DialogId id in ids)
        {
            Assert.True(store.Remove(id));
        }

        Assert.Equal(0, store.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.GetCount(4));
    }

    [Fact]
    public async Task EachShardFillsItsOwnPartitionWhileAnyThreadReadsTheCount()
    {
        const int PerShard = 2_000;
        await using var shards = new ShardSet(new ShardOptions { ShardCount = 4 });
        var store = new ShardedDialogStore(shards);

        // Call-IDs grouped by owning shard, so that each shard's loop adds and removes only its own.
        var byShard = new List<byte[]>[4];
        for (int i = 0; i < 4; i++)
        {
            byShard[i] = [];
        }

        for (int n = 0; byShard[0].Count < PerShard || byShard[1].Count < PerShard || byShard[2].Count < PerShard || byShard[3].Count < PerShard; n++)
        {
            byte[] callId = Encoding.ASCII.GetBytes("parallel-" + n);
            List<byte[]> own = byShard[shards.GetShardIndex(callId)];
            if (own.Count < PerShard)
            {
                own.Add(callId);
            }
        }

        var work = new Task[4];
        for (int i = 0; i < 4; i++)
        {
            work[i] = shards[i].RunAsync(static s => AddAll(s.Store, s.CallIds), (Store: store, CallIds: byShard[i])).AsTask();
        }

        // The total is readable while the shards write it; it only grows here.
        int last = 0;
        while (!Task.WhenAll(work).IsCompleted)
        {
            int now = store.Count;
            Assert.True(now >= last);
            last = now;
            await Task.Yield();
        }

        await Task.WhenAll(work).WaitAsync(Timeout);
        Assert.Equal(4 * PerShard, store.Count);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(PerShard, store.GetCount(i));
            Assert.True(await shards[i].RunAsync(static s => s.Store.TryGet(s.CallId, "b1"u8, "a1"u8, out _), (Store: store, CallId: byShard[i][0])).AsTask().WaitAsync(Timeout));
        }
    }

    [Fact]
    public void TheDefaultIdentifierFindsAndRemovesNothing()
    {
        using var owner = new StoreOwner(shardCount: 2);
        owner.Store.TryAdd(Uas("known"));

        Assert.False(owner.Store.TryGet(default(DialogId), out _));
        Assert.False(owner.Store.Remove(default));
        Assert.Equal(1, owner.Store.Count);
    }

    [Fact]
    public void ThousandsOfCallsComeAndGoAndEachLiveOneIsFoundOnItsOwnShard()
    {
        // Calls end in an order unrelated to their start, as they do: removals land in the middle of probe runs and
        // the tables grow past their first size while holes open behind them.
        using var owner = new StoreOwner(shardCount: 2);
        ShardedDialogStore store = owner.Store;
        var live = new List<Dialog>();
        var random = new Random(3261);
        for (int i = 0; i < 20_000; i++)
        {
            Dialog dialog = Uas(SipIds.NewCallId("client.atlanta.example.com"), SipIds.NewTag(), SipIds.NewTag());
            Assert.True(store.TryAdd(dialog));
            live.Add(dialog);
            if (random.Next(3) == 0)
            {
                int end = random.Next(live.Count);
                Assert.True(store.Remove(live[end].Id));
                Assert.False(store.TryGet(live[end].Id, out _));
                live[end] = live[^1];
                live.RemoveAt(live.Count - 1);
            }
        }

        Assert.Equal(live.Count, store.Count);
        int[] perShard = new int[2];
        foreach (Dialog dialog in live)
        {
            Assert.True(store.TryGet(dialog.Id, out Dialog? found));
            Assert.Same(dialog, found);
            Assert.True(store.TryGet(dialog.Id.CallIdBytes, dialog.Id.LocalTagBytes, dialog.Id.RemoteTagBytes, out found));
            Assert.Same(dialog, found);
            perShard[owner.Shards.GetShardIndex(dialog.Id.CallIdBytes)]++;
        }

        Assert.Equal(perShard[0], store.GetCount(0));
        Assert.Equal(perShard[1], store.GetCount(1));
    }

    private static void AddAll(ShardedDialogStore store, List<byte[]> callIds)
    {
        foreach (byte[] callId in callIds)
        {
            Assert.True(store.TryAdd(Uas(Encoding.ASCII.GetString(callId))));
        }
    }

    /// <summary>A store over shards whose loops are stopped when the test ends; the test thread owns every partition.</summary>
    private sealed class StoreOwner : IDisposable
    {
        public StoreOwner(int shardCount)
        {
            Shards = new ShardSet(new ShardOptions { ShardCount = shardCount });
            Store = new ShardedDialogStore(Shards);
        }

        public ShardSet Shards { get; }

        public ShardedDialogStore Store { get; }

        public void Dispose() => Shards.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
