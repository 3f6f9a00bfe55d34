using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// The table is driven here with hashes the test chooses, so that collisions which a keyed 64-bit hash makes too rare
/// to meet by chance (equal fingerprints, equal home slots, runs that wrap around the table's end) happen on purpose.
/// </summary>
public class DialogPartitionTests
{
    // A fresh partition has 16 slots: hashes are masked with 15.
    private const int Slots = 16;

    private static Dialog Uas(string callId, string localTag = "b1", string remoteTag = "a1")
    {
        Assert.True(Dialog.TryCreateAsUas(DialogMessages.Invite(callId, remoteTag), 200, localTag, DialogMessages.BobContact, overTls: false, out Dialog? dialog));
        return dialog;
    }

    private static void AssertFound(DialogPartition partition, ulong hash, Dialog dialog)
    {
        Assert.True(partition.TryGet(hash, dialog.Id, out Dialog? byId));
        Assert.Same(dialog, byId);
        Assert.True(partition.TryGet(hash, dialog.Id.CallIdBytes, dialog.Id.LocalTagBytes, dialog.Id.RemoteTagBytes, out Dialog? bySpans));
        Assert.Same(dialog, bySpans);
    }

    private static void AssertNotFound(DialogPartition partition, ulong hash, Dialog dialog)
    {
        Assert.False(partition.TryGet(hash, dialog.Id, out _));
        Assert.False(partition.TryGet(hash, dialog.Id.CallIdBytes, dialog.Id.LocalTagBytes, dialog.Id.RemoteTagBytes, out _));
        Assert.Equal(0, partition.GetAll(hash, dialog.Id.CallIdBytes, []));
    }

    [Fact]
    public void ManyCallIdsWithOneFingerprintAreEachFoundByTheirOwnBytes()
    {
        const ulong Same = 0x5EED_0000_0000_0007;
        var partition = new DialogPartition();
        var dialogs = new List<Dialog>();
        for (int i = 0; i < 200; i++)
        {
            Dialog dialog = Uas("collide-" + i + "@example.com");
            Assert.True(partition.TryAdd(Same, dialog));
            dialogs.Add(dialog);
        }

        Assert.Equal(200, partition.CallIdCount);
        foreach (Dialog dialog in dialogs)
        {
            AssertFound(partition, Same, dialog);
            var all = new List<Dialog>();
            Assert.Equal(1, partition.GetAll(Same, dialog.Id.CallIdBytes, all));
            Assert.Same(dialog, all[0]);
        }

        Assert.False(partition.TryGet(Same, new DialogId("collide-200@example.com", "b1", "a1"), out _));
        Assert.False(partition.TryGet(Same, "collide-0@example.com"u8, "b1"u8, "a2"u8, out _));
        Assert.False(partition.TryAdd(Same, Uas("collide-17@example.com")));
        Assert.Equal(200, partition.CallIdCount);
    }

    [Fact]
    public void CallIdsWhoseHashesShareTheirLowBitsButNotTheRestAreAllFound()
    {
        var partition = new DialogPartition();
        var dialogs = new Dialog[10];
        for (int i = 0; i < dialogs.Length; i++)
        {
            // Same home slot, distinct fingerprints: a probe passes over each of the others on its fingerprint alone.
            dialogs[i] = Uas("home-" + i);
            Assert.True(partition.TryAdd(Hash(i, home: 3), dialogs[i]));
        }

        for (int i = 0; i < dialogs.Length; i++)
        {
            AssertFound(partition, Hash(i, home: 3), dialogs[i]);
            Assert.False(partition.TryGet(Hash(i + 100, home: 3), dialogs[i].Id, out _));
        }
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 3)]
    [InlineData(4, 3)]
    [InlineData(0, Slots - 2)]
    [InlineData(2, Slots - 2)]
    [InlineData(4, Slots - 2)]
    public void RemovingFromAnyPlaceInAProbeRunLeavesTheRestOfTheRunFindable(int removed, int home)
    {
        // Five Call-IDs on one home slot, then two whose home is inside the run: the run holds entries that may and
        // entries that may not move back into the hole. From slot 14, the run wraps around the table's end.
        var partition = new DialogPartition();
        var entries = new List<(ulong Hash, Dialog Dialog)>();
        for (int i = 0; i < 5; i++)
        {
            entries.Add((Hash(i, home), Uas("run-" + i)));
        }

        entries.Add((Hash(5, (home + 2) % Slots), Uas("run-5")));
        entries.Add((Hash(6, (home + 6) % Slots), Uas("run-6")));
        foreach ((ulong hash, Dialog dialog) in entries)
        {
            Assert.True(partition.TryAdd(hash, dialog));
        }

        Assert.True(partition.Remove(entries[removed].Hash, entries[removed].Dialog.Id));

        AssertNotFound(partition, entries[removed].Hash, entries[removed].Dialog);
        Assert.False(partition.Remove(entries[removed].Hash, entries[removed].Dialog.Id));
        Assert.Equal(entries.Count - 1, partition.CallIdCount);
        for (int i = 0; i < entries.Count; i++)
        {
            if (i != removed)
            {
                AssertFound(partition, entries[i].Hash, entries[i].Dialog);
            }
        }

        // The slot freed is reused, and everything is still found after the rest go in any order.
        Dialog again = Uas("run-" + removed);
        Assert.True(partition.TryAdd(entries[removed].Hash, again));
        AssertFound(partition, entries[removed].Hash, again);
        for (int i = entries.Count - 1; i >= 0; i--)
        {
            Assert.True(partition.Remove(entries[i].Hash, entries[i].Dialog.Id));
            for (int j = 0; j < i; j++)
            {
                AssertFound(partition, entries[j].Hash, j == removed ? again : entries[j].Dialog);
            }
        }

        Assert.Equal(0, partition.CallIdCount);
    }

    [Fact]
    public void ForksUnderACallIdThatSharesItsFingerprintAreHeldUnderTheirOwnCallId()
    {
        const ulong Same = 42;
        var partition = new DialogPartition();
        Dialog other = Uas("other");
        Dialog[] forks = [Uas("forked", "b1"), Uas("forked", "b2"), Uas("forked", "b3")];
        Assert.True(partition.TryAdd(Same, other));
        foreach (Dialog fork in forks)
        {
            Assert.True(partition.TryAdd(Same, fork));
        }

        Assert.False(partition.TryAdd(Same, Uas("forked", "b2")));
        Assert.Equal(2, partition.CallIdCount);
        foreach (Dialog fork in forks)
        {
            AssertFound(partition, Same, fork);
        }

        // Removing the first fork hands the slot to the next, which keeps the others findable.
        Assert.True(partition.Remove(Same, forks[0].Id));
        AssertFound(partition, Same, forks[1]);
        AssertFound(partition, Same, forks[2]);
        var left = new List<Dialog>();
        Assert.Equal(2, partition.GetAll(Same, "forked"u8, left));
        Assert.Equal(new HashSet<Dialog> { forks[1], forks[2] }, new HashSet<Dialog>(left));
        Assert.True(partition.Remove(Same, forks[2].Id));
        AssertFound(partition, Same, forks[1]);
        Assert.False(partition.Remove(Same, forks[2].Id));
        AssertFound(partition, Same, other);
        Assert.False(partition.TryGet(Same, forks[0].Id, out _));
    }

    [Fact]
    public void GrowingKeepsEveryDialogFindable()
    {
        var partition = new DialogPartition();
        var dialogs = new List<Dialog>();
        for (int i = 0; i < 5_000; i++)
        {
            Dialog dialog = Uas("grow-" + i + "@example.com");
            Assert.True(partition.TryAdd(dialog.Id.CallIdHash, dialog));
            dialogs.Add(dialog);
        }

        Assert.True(partition.Capacity >= 5_000 * 4 / 3);
        Assert.Equal(0, partition.Capacity & (partition.Capacity - 1));
        foreach (Dialog dialog in dialogs)
        {
            AssertFound(partition, dialog.Id.CallIdHash, dialog);
            Assert.True(partition.Remove(dialog.Id.CallIdHash, dialog.Id));
        }

        Assert.Equal(0, partition.CallIdCount);
    }

    [Fact]
    public void APartitionSizedForItsLoadDoesNotGrow()
    {
        var partition = new DialogPartition(capacity: 1_000);
        int capacity = partition.Capacity;
        for (int i = 0; i < 1_000; i++)
        {
            Dialog dialog = Uas("sized-" + i);
            Assert.True(partition.TryAdd(dialog.Id.CallIdHash, dialog));
        }

        Assert.Equal(capacity, partition.Capacity);
    }

    [Fact]
    public void RandomAddsAndRemovesOverFewHashesAgreeWithADictionary()
    {
        // Eight hashes over 16 to 64 slots: long runs, equal fingerprints, wrap-around, forks and growth, every step
        // checked against a plain dictionary of what should be held.
        var random = new Random(3261);
        var partition = new DialogPartition();
        var held = new Dictionary<(string CallId, string LocalTag), Dialog>();
        for (int step = 0; step < 20_000; step++)
        {
            string callId = "c" + random.Next(40);
            string localTag = "b" + random.Next(3);
            ulong hash = FewHashes(callId);
            if (random.Next(2) == 0)
            {
                Dialog dialog = Uas(callId, localTag);
                Assert.Equal(!held.ContainsKey((callId, localTag)), partition.TryAdd(hash, dialog));
                held.TryAdd((callId, localTag), dialog);
            }
            else
            {
                Assert.Equal(held.Remove((callId, localTag)), partition.Remove(hash, new DialogId(callId, localTag, "a1")));
            }

            if (step % 97 == 0)
            {
                for (int n = 0; n < 40; n++)
                {
                    for (int t = 0; t < 3; t++)
                    {
                        string c = "c" + n;
                        if (held.TryGetValue((c, "b" + t), out Dialog? expected))
                        {
                            AssertFound(partition, FewHashes(c), expected);
                        }
                        else
                        {
                            Assert.False(partition.TryGet(FewHashes(c), new DialogId(c, "b" + t, "a1"), out _));
                        }
                    }
                }
            }
        }
    }

    /// <summary>A hash whose low bits name <paramref name="home"/> in a fresh partition and whose high bits tell <paramref name="n"/> apart.</summary>
    private static ulong Hash(int n, int home) => ((ulong)(n + 1) << 32) | (uint)home;

    private static ulong FewHashes(string callId) => (ulong)(Encoding.ASCII.GetBytes(callId).Sum(b => b) % 8) * 0x1_0000_0001UL;
}
