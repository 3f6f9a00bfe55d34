using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Redis;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using StackExchange.Redis;

namespace SipDialogs.Tests.Redis;

/// <summary>
/// Dialogs replicated in a real redis-server: written as they change, claimed by another node when a request for one
/// reaches it, taken over when their node dies, fenced by their epoch, written back after Redis restarts, and gone
/// from Redis once their calls end.
/// </summary>
public sealed class RedisDialogReplicationTests : RedisTestBase
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;
    [Fact]
    public async Task AConfirmedDialogIsWrittenToRedisWithItsOwnerAndEpochAndReadsBackTheSame()
    {
        await using ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using var caller = new RawCaller();
        await caller.CallAsync(a.Udp);
        Dialog dialog = await a.AnsweredDialog.Task.WaitAsync(s_timeout);
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp)).StatusCode);
        await a.Replication.FlushAsync().WaitAsync(s_timeout);

        DialogRecord record = Record(KeyOf(dialog.Id))!;
        Assert.Equal("a", record.Owner);
        Assert.Equal("1", record.Epoch);
        DialogSnapshot stored = record.State;
        Assert.Equal(dialog.Id, stored.Id);
        Assert.Equal(2u, stored.RemoteCSeq); // The INFO's, not the INVITE's: each change is written.
        Assert.Equal(ReplicatedNode.Answer, Encoding.UTF8.GetString(stored.LocalSessionDescription.Span));
        Assert.True(await Db.SetContainsAsync("sipdialogs:node:{a}:dialogs", KeyOf(dialog.Id)));
        TimeSpan? ttl = await Db.KeyTimeToLiveAsync(KeyOf(dialog.Id));
        Assert.NotNull(ttl); // A record expires on its own.

        Assert.Equal(200, (await caller.SendAsync("BYE", a.Udp)).StatusCode);
        await AssertNothingLeftAsync(a, a.Stack);
    }

    [Fact]
    public async Task AByeForACallOfAStoppedNodeSentToAnotherNodeGets200FromIt()
    {
        ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using ReplicatedNode b = await ReplicatedNode.StartAsync(Redis, "b");
        await using var caller = new RawCaller();
        SipResponse ok = await caller.CallAsync(a.Udp);
        Dialog dialog = await a.AnsweredDialog.Task.WaitAsync(s_timeout);
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp)).StatusCode);
        await a.Replication.FlushAsync().WaitAsync(s_timeout);
        await a.DisposeAsync(); // Node a is gone; its record stays in Redis.

        // A stale CSeq is still refused (RFC 3261 §12.2.2): node b knows the remote CSeq node a had seen.
        Assert.Equal(500, (await caller.SendAsync("INFO", b.Udp, cseq: 1)).StatusCode);
        Assert.Equal(481, (await caller.SendAsync("INFO", b.Udp, toTag: "not-" + caller.ToTag)).StatusCode);
        SipResponse bye = await caller.SendAsync("BYE", b.Udp);
        Assert.Equal(200, bye.StatusCode);
        Assert.Equal(ok.ToTag.ToArray(), bye.ToTag.ToArray());
        Assert.Equal(caller.FromTag, Encoding.ASCII.GetString(bye.FromTag));
        Assert.Equal(caller.CSeq, bye.CSeqNumber);
        Assert.True(b.Replication.Claims >= 1);

        await AssertNothingLeftAsync(b, b.Stack);
        Assert.Equal(0, await Db.SetLengthAsync("sipdialogs:node:{a}:dialogs") + await Db.SetLengthAsync("sipdialogs:node:{b}:dialogs"));
    }

    [Fact]
    public async Task OfTwoNodesClaimingTheSameDialogOnlyOneWins()
    {
        ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using var caller = new RawCaller();
        DialogId id = (await AnsweredAsync(a, caller)).Id;
        await a.Stack.DisposeAsync(); // Frozen, as far as the others can tell: its heartbeat stays until it expires.

        await using RedisDialogReplication b = await RedisDialogReplication.ConnectAsync(ReplicatedNode.Options(Redis, "b"));
        await using RedisDialogReplication c = await RedisDialogReplication.ConnectAsync(ReplicatedNode.Options(Redis, "c"));
        Task<DialogSnapshot?> byB = b.ClaimAsync(id, "a");
        Task<DialogSnapshot?> byC = c.ClaimAsync(id, "a");
        DialogSnapshot?[] claims = await Task.WhenAll(byB, byC).WaitAsync(s_timeout);

        Assert.Single(claims, s => s is not null);
        DialogRecord record = Record(KeyOf(id))!;
        Assert.Equal(claims[0] is not null ? "b" : "c", record.Owner);
        Assert.Equal("2", record.Epoch); // One change of owner, one step of the epoch.
        await a.Replication.DisposeAsync();
    }

    [Fact]
    public async Task ANodeWhoseCallWasClaimedDropsItAndNeverSendsForItAgain()
    {
        await using ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using ReplicatedNode b = await ReplicatedNode.StartAsync(Redis, "b");
        await using var caller = new RawCaller();
        Dialog original = await AnsweredAsync(a, caller);

        // The call's requests reach node b now (say the balancer's view changed): b claims it, a is told and lets go.
        Assert.Equal(200, (await caller.SendAsync("INFO", b.Udp)).StatusCode);
        await Poll.UntilAsync(() => a.Stack.DialogCount == 0, s_timeout, "node a drops the claimed call");
        Assert.Equal(1, a.Replication.Fenced);
        Assert.True(original.IsExported);
        await Assert.ThrowsAsync<InvalidOperationException>(() => original.ByeAsync());
        Assert.Equal("2", Record(KeyOf(original.Id))!.Epoch);

        // Node b carries it on, and the BYE it sends is the only request the caller gets.
        Dialog moved = (await b.Stack.FindDialogAsync(caller.CallId))!;
        Task<SipResponse> bye = moved.ByeAsync();
        SipRequest byeReceived = await caller.AnswerNextRequestAsync();
        Assert.Equal("BYE", byeReceived.Method);
        Assert.Equal(200, (await bye.WaitAsync(s_timeout)).StatusCode);
        Assert.False(caller.Socket.TryReceive(out SipMessage? stray), stray is null ? null : RawSipSocket.Describe(stray));
        await AssertNothingLeftAsync(b, a.Stack, b.Stack);
    }

    [Fact]
    public async Task AWriteWithAStaleEpochIsRefusedAndTheWriterDropsItsCopy()
    {
        await using ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using var caller = new RawCaller();
        Dialog dialog = await AnsweredAsync(a, caller);

        // Another node claimed the record and node a never heard of it (its fence message lost).
        DialogRecord written = Record(KeyOf(dialog.Id))!;
        byte[] claimedElsewhere = [.. "z\n7\n"u8, .. written.State.Serialize()];
        await Db.StringSetAsync(KeyOf(dialog.Id), claimedElsewhere);
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp)).StatusCode); // A change: its write is refused.
        await Poll.UntilAsync(() => a.Stack.DialogCount == 0, s_timeout, "node a drops its stale copy");
        Assert.Equal(1, a.Replication.Fenced);
        DialogRecord record = Record(KeyOf(dialog.Id))!;
        Assert.Equal("z", record.Owner);
        Assert.Equal("7", record.Epoch);
        Assert.Equal(1u, record.State.RemoteCSeq); // Not overwritten.
        await Db.KeyDeleteAsync(KeyOf(dialog.Id));
    }

    [Fact]
    public async Task AWriteThatFindsTheRecordGoneDoesNotBringBackACallAnotherNodeEnded()
    {
        await using ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using var caller = new RawCaller();
        Dialog dialog = await AnsweredAsync(a, caller);

        // Another node claimed the call and ended it (its record deleted) before its fence message reached node a, which
        // still changes the call: that write must not make the record again, or it would stay until its lifetime ends.
        await Db.KeyDeleteAsync(KeyOf(dialog.Id));
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp)).StatusCode);
        await a.Replication.FlushAsync().WaitAsync(s_timeout);
        Assert.Null(Record(KeyOf(dialog.Id)));
        Assert.Equal(0, a.Replication.Fenced); // A missing record is not another's: only a fence message or claim says so.

        Assert.Equal(200, (await caller.SendAsync("BYE", a.Udp)).StatusCode);
        await a.Replication.FlushAsync().WaitAsync(s_timeout);
        await AssertNothingLeftAsync(a, a.Stack);
    }

    [Fact]
    public async Task TheCallsOfADeadNodeAreTakenOverInTheBackgroundAndCarriedOn()
    {
        ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using ReplicatedNode b = await ReplicatedNode.StartAsync(Redis, "b");
        await using var caller = new RawCaller();
        await caller.CallAsync(a.Udp);
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp)).StatusCode);
        await a.AnsweredDialog.Task.WaitAsync(s_timeout);
        await a.Replication.FlushAsync().WaitAsync(s_timeout);
        await a.DisposeAsync();

        // No request came: node b takes the call over on its own, so that its timers run there.
        await Poll.UntilAsync(() => b.Replication.TakenOver == 1, s_timeout, "node b takes the call over");
        Assert.Equal(1, b.Stack.DialogCount);
        Dialog moved = (await b.Stack.FindDialogAsync(caller.CallId))!;
        Task<SipResponse> bye = moved.ByeAsync();
        (SipRequest byeReceived, System.Net.IPEndPoint from) = await caller.Socket.ReceiveRequestAsync(s_timeout);
        Assert.Equal(b.Udp, from);
        Assert.Equal(1u, byeReceived.CSeqNumber); // Node a sent nothing, so node b's first request takes the first local CSeq.
        await caller.Socket.SendAsync(SipMessageBuilder.ResponseTo(byeReceived, 200), from);
        Assert.Equal(200, (await bye.WaitAsync(s_timeout)).StatusCode);
        await AssertNothingLeftAsync(b, b.Stack);
        await Poll.UntilAsync(() => !Db.SetContains("sipdialogs:nodes", "a"), s_timeout, "node a leaves the cluster once its calls are taken");
    }

    [Fact]
    public async Task ADueSessionRefreshOfACallAnotherNodeClaimedIsNotSentEvenWithoutTheFenceMessage()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a", time: time);
        await using var caller = new RawCaller();
        await caller.CallAsync(a.Udp, "Supported: timer\r\nSession-Expires: 90;refresher=uas\r\nAllow: INVITE, ACK, BYE, UPDATE\r\n");
        Dialog dialog = await a.AnsweredDialog.Task.WaitAsync(s_timeout);
        await a.Replication.FlushAsync().WaitAsync(s_timeout);

        // Another node claims the record and its fence message is lost: only the record says the call moved.
        string key = KeyOf(dialog.Id);
        DialogRecord record = Record(key)!;
        byte[] value = Db.StringGet(key)!;
        int state = Array.IndexOf(value, (byte)'\n', Array.IndexOf(value, (byte)'\n') + 1) + 1;
        byte[] claimed = [.. Encoding.UTF8.GetBytes("b\n" + (long.Parse(record.Epoch, System.Globalization.CultureInfo.InvariantCulture) + 1) + "\n"), .. value.AsSpan(state)];
        Assert.Equal("OK", Db.Execute("SET", key, claimed, "KEEPTTL").ToString());

        // The refresh falls due (half of 90 s): node a asks Redis first, drops its copy and sends nothing.
        time.Advance(TimeSpan.FromSeconds(46));
        await Poll.UntilAsync(() => a.Stack.DialogCount == 0, s_timeout, "node a drops the call that moved");
        Assert.Equal(1, a.Replication.Fenced);
        Assert.False(caller.Socket.TryReceive(out SipMessage? stray), stray is null ? null : RawSipSocket.Describe(stray));
        Assert.Equal("b", Record(key)!.Owner); // Untouched by node a.
        await Db.KeyDeleteAsync(key);
        await AssertNothingLeftAsync(a, a.Stack);
    }

    [Fact]
    public async Task TheCallsOfADeadNodeAreSpreadOverTheSurvivorsInsteadOfGoingToTheFirst()
    {
        const int calls = 16;
        ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using ReplicatedNode b = await ReplicatedNode.StartAsync(Redis, "b");
        await using ReplicatedNode c = await ReplicatedNode.StartAsync(Redis, "c");
        var callers = new List<RawCaller>();
        try
        {
            for (int i = 0; i < calls; i++)
            {
                callers.Add(new RawCaller());
                await callers[i].CallAsync(a.Udp);
            }

            await Poll.UntilAsync(() => Db.SetLength("sipdialogs:node:{a}:dialogs") == calls, s_timeout, "node a writes its calls");
            await a.DisposeAsync();

            // Each survivor claims the calls it wins by rendezvous hashing: 16 calls all going to one of two is 1 chance in 32,768.
            await Poll.UntilAsync(
                () => b.Replication.TakenOver + c.Replication.TakenOver == calls, s_timeout, () => $"b took {b.Replication.TakenOver}, c {c.Replication.TakenOver}");
            Assert.InRange(b.Replication.TakenOver, 1, calls - 1);
            Assert.InRange(c.Replication.TakenOver, 1, calls - 1);
            Assert.Equal(calls, b.Stack.DialogCount + c.Stack.DialogCount);

            // Each call goes on: a BYE sent to node b ends it, whichever survivor took it.
            foreach (RawCaller caller in callers)
            {
                Assert.Equal(200, (await caller.SendAsync("BYE", b.Udp)).StatusCode);
            }

            await c.Replication.FlushAsync().WaitAsync(s_timeout);
            await AssertNothingLeftAsync(b, b.Stack, c.Stack);
        }
        finally
        {
            foreach (RawCaller caller in callers)
            {
                await caller.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ANodeWritesItsLiveCallsBackWhenRedisRestartsEmpty()
    {
        await using ReplicatedNode a = await ReplicatedNode.StartAsync(Redis, "a");
        await using var caller = new RawCaller();
        Dialog dialog = await AnsweredAsync(a, caller);

        await Redis.RestartAsync();
        // While Redis is away or empty the call goes on locally.
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp)).StatusCode);
        await Poll.UntilAsync(() => Db.KeyExists(KeyOf(dialog.Id)), s_timeout, "the call is written back");
        DialogRecord record = Record(KeyOf(dialog.Id))!;
        Assert.Equal("a", record.Owner);
        Assert.Equal(2u, record.State.RemoteCSeq);

        Assert.Equal(200, (await caller.SendAsync("BYE", a.Udp)).StatusCode);
        await AssertNothingLeftAsync(a, a.Stack);
    }

    /// <summary>Calls <paramref name="node"/>, and returns its dialog once the call is up and written to Redis.</summary>
    private static async Task<Dialog> AnsweredAsync(ReplicatedNode node, RawCaller caller)
    {
        await caller.CallAsync(node.Udp);
        Dialog dialog = await node.AnsweredDialog.Task.WaitAsync(s_timeout);
        await node.Replication.FlushAsync().WaitAsync(s_timeout);
        return dialog;
    }

    /// <summary>The stacks hold nothing, and once <paramref name="last"/> has written all it had, neither does Redis.</summary>
    private async Task AssertNothingLeftAsync(ReplicatedNode last, params SipDialogs.Hosting.SipStack[] stacks)
    {
        await Parties.AssertFreedAsync(stacks);
        await last.Replication.FlushAsync().WaitAsync(s_timeout);
        Assert.Equal(0, DialogKeys());
    }

    private static string KeyOf(DialogId id) => "sipdialogs:{" + id.CallId + "}:d:" + id.LocalTag + ":" + id.RemoteTag;
}
