using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Runtime;

namespace SipDialogs.Coyote.Tests.Dialogs;

/// <summary>
/// <see cref="ShardedDialogStore"/> driven as the stack drives it, each call on the shard that owns its Call-ID
/// (<see cref="ShardSet.GetShard(string)"/>), from several tasks at once under every schedule Coyote explores.
/// </summary>
public class ShardedDialogStoreTests
{
    private const int ShardCount = 2;
    private const int Callers = 2;
    private const int CallIdsPerCaller = 2;
    private static readonly string[] s_forkTags = ["b1", "b2"];

    [Fact]
    public void AddsLookupsAndRemovesThroughTheShardsKeepTheCountsAndFindWhatWasAdded()
    {
        Exploration.Run(static async () =>
        {
            var shards = new ShardSet(new ShardOptions { ShardCount = ShardCount, MailboxCapacity = 16 });
            var store = new ShardedDialogStore(shards);
            Caller[] callers = Caller.Create(shards, Callers, CallIdsPerCaller);
            int held = callers.Length * CallIdsPerCaller * s_forkTags.Length;

            // Every caller also adds its own copy of one contested dialog: the store holds exactly one of them.
            string contestedCallId = CallIdsOnShards(shards, "contested-", 1, start: Callers)[0];
            Dialog[] contested = new Dialog[Callers];
            for (int c = 0; c < Callers; c++)
            {
                contested[c] = NewDialog(contestedCallId, "b1");
            }

            Task reader = Task.Run(() =>
            {
                // The total is readable from any thread while the shards change it.
                for (int i = 0; i < 4; i++)
                {
                    Assert.InRange(store.Count, 0, held + 1);
                }
            });

            // Phase 1: every caller adds its dialogs and the contested one, then finds its own.
            bool[] won = await Task.WhenAll(callers.Select((caller, c) => Task.Run(async () =>
            {
                foreach (Dialog dialog in caller.Dialogs)
                {
                    Assert.True(await OnShard(shards, dialog.Id, static s => s.Store.TryAdd(s.Dialog), store, dialog));
                }

                bool added = await OnShard(shards, contested[c].Id, static s => s.Store.TryAdd(s.Dialog), store, contested[c]);
                await caller.AssertFoundAsync(shards, store, s_forkTags);
                return added;
            })));
            await reader;

            Assert.Equal(1, won.Count(static w => w));
            Assert.Equal(held + 1, store.Count);
            Dialog winner = contested[Array.IndexOf(won, true)];
            Assert.Same(winner, await OnShard(shards, winner.Id, static s => s.Store.TryGet(s.Dialog.Id, out Dialog? d) ? d : null, store, winner));

            // Phase 2: every caller removes one fork of each of its Call-IDs, and all try to remove the contested one.
            bool[] removed = await Task.WhenAll(callers.Select((caller, c) => Task.Run(async () =>
            {
                foreach (Dialog dialog in caller.Dialogs.Where(static d => d.Id.LocalTag == "b1"))
                {
                    // Removed once: a second remove finds nothing.
                    Assert.Equal(
                        (true, false),
                        await OnShard(shards, dialog.Id, static s => (s.Store.Remove(s.Dialog.Id), s.Store.Remove(s.Dialog.Id)), store, dialog));
                }

                bool took = await OnShard(shards, contested[c].Id, static s => s.Store.Remove(s.Dialog.Id), store, contested[c]);
                await caller.AssertFoundAsync(shards, store, ["b2"]);
                return took;
            })));

            Assert.Equal(1, removed.Count(static r => r));
            Assert.Equal(held / 2, store.Count);

            // Phase 3: every caller removes the rest.
            await Task.WhenAll(callers.Select(caller => Task.Run(async () =>
            {
                foreach (Dialog dialog in caller.Dialogs.Where(static d => d.Id.LocalTag == "b2"))
                {
                    Assert.True(await OnShard(shards, dialog.Id, static s => s.Store.Remove(s.Dialog.Id), store, dialog));
                }

                await caller.AssertFoundAsync(shards, store, []);
            })));

            Assert.Equal(0, store.Count);
            for (int i = 0; i < ShardCount; i++)
            {
                Assert.Equal(0, store.GetCount(i));
            }

            // Shard by shard: ShardSet.DisposeAsync ends in a step Coyote cannot follow (see ShardSetTests).
            for (int i = 0; i < ShardCount; i++)
            {
                await shards[i].DisposeAsync();
            }
        }, iterations: 100);
    }

    /// <summary>Runs <paramref name="work"/> on the shard that owns the dialog's Call-ID.</summary>
    private static Task<T> OnShard<T>(ShardSet shards, DialogId id, Func<(ShardedDialogStore Store, Dialog Dialog), T> work, ShardedDialogStore store, Dialog dialog) =>
        shards.GetShard(id.CallId).RunAsync(work, (store, dialog)).AsTask();

    /// <summary>
    /// Call-IDs that land on shards 0, 1, 0, 1…: the same layout in every process, whatever the process's hash seed,
    /// so that a seed or a trace replays the same interleavings.
    /// </summary>
    private static string[] CallIdsOnShards(ShardSet shards, string prefix, int count, int start)
    {
        var callIds = new string[count];
        int n = 0;
        for (int i = 0; i < count; i++)
        {
            int wanted = (start + i) % shards.Count;
            string callId;
            do
            {
                callId = prefix + n++ + "@example.com";
            }
            while (shards.GetShardIndex(Encoding.UTF8.GetBytes(callId)) != wanted);

            callIds[i] = callId;
        }

        return callIds;
    }

    /// <summary>The confirmed dialog a UAS makes answering an INVITE of <paramref name="callId"/> with To tag <paramref name="localTag"/>.</summary>
    private static Dialog NewDialog(string callId, string localTag)
    {
        var invite = (SipRequest)SipMessageBuilder.Request(SipMethods.Invite, "sip:bob@biloxi.example.com")
            .Add(SipHeaderKind.Via, "SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK" + callId.GetHashCode(StringComparison.Ordinal))
            .Add(SipHeaderKind.MaxForwards, "70")
            .Add(SipHeaderKind.From, "Alice <sip:alice@atlanta.example.com>;tag=a1")
            .Add(SipHeaderKind.To, "Bob <sip:bob@biloxi.example.com>")
            .Add(SipHeaderKind.CallId, callId)
            .Add(SipHeaderKind.CSeq, "1 INVITE")
            .Add(SipHeaderKind.Contact, "<sip:alice@client.atlanta.example.com>")
            .Build();
        Assert.True(Dialog.TryCreateAsUas(invite, 200, localTag, "<sip:bob@client.biloxi.example.com>", overTls: false, out Dialog? dialog));
        return dialog;
    }

    /// <summary>One task's Call-IDs (one on each shard) and their forked dialogs, which no other task touches.</summary>
    private sealed class Caller
    {
        private Caller(string[] callIds, Dialog[] dialogs)
        {
            CallIds = callIds;
            Dialogs = dialogs;
        }

        public string[] CallIds { get; }

        public Dialog[] Dialogs { get; }

        public static Caller[] Create(ShardSet shards, int count, int callIdsPerCaller)
        {
            string[] all = CallIdsOnShards(shards, "call-", count * callIdsPerCaller, start: 0);
            var callers = new Caller[count];
            for (int c = 0; c < count; c++)
            {
                string[] callIds = all[(c * callIdsPerCaller)..((c + 1) * callIdsPerCaller)];
                var dialogs = new List<Dialog>();
                foreach (string callId in callIds)
                {
                    foreach (string tag in s_forkTags)
                    {
                        dialogs.Add(NewDialog(callId, tag));
                    }
                }

                callers[c] = new Caller(callIds, [.. dialogs]);
            }

            return callers;
        }

        /// <summary>
        /// Finds exactly this caller's dialogs with these local tags, by id and by Call-ID: one call on the owning shard
        /// per Call-ID, as the stack looks a request's dialog up.
        /// </summary>
        public async Task AssertFoundAsync(ShardSet shards, ShardedDialogStore store, string[] heldTags)
        {
            foreach (string callId in CallIds)
            {
                Dialog[] ofCallId = Dialogs.Where(d => d.Id.CallId == callId).ToArray();
                (Dialog?[] byId, List<Dialog> byCallId) = await shards.GetShard(callId).RunAsync(
                    static s =>
                    {
                        var byId = new Dialog?[s.Dialogs.Length];
                        for (int i = 0; i < byId.Length; i++)
                        {
                            byId[i] = s.Store.TryGet(s.Dialogs[i].Id, out Dialog? found) ? found : null;
                        }

                        var byCallId = new List<Dialog>();
                        s.Store.GetByCallId(Encoding.UTF8.GetBytes(s.CallId), byCallId);
                        return (byId, byCallId);
                    },
                    (Store: store, CallId: callId, Dialogs: ofCallId));

                Dialog[] expected = ofCallId.Where(d => heldTags.Contains(d.Id.LocalTag)).ToArray();
                for (int i = 0; i < ofCallId.Length; i++)
                {
                    Assert.Same(expected.Contains(ofCallId[i]) ? ofCallId[i] : null, byId[i]);
                }

                Assert.Equal(expected.Length, byCallId.Count);
                Assert.All(expected, dialog => Assert.Contains(dialog, byCallId));
            }
        }
    }
}
