using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using StackExchange.Redis;

namespace SipDialogs.Tests.Redis;

/// <summary>The replication on a Redis Cluster of three masters: a call's keys share a slot, and a claim works across nodes.</summary>
public sealed class RedisClusterReplicationTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task ACallOfAStoppedNodeIsCarriedOnByAnotherThroughARedisCluster()
    {
        await using RedisClusterProcess cluster = await RedisClusterProcess.StartAsync();
        await using ConnectionMultiplexer client = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        ReplicatedNode a = await ReplicatedNode.StartAsync(cluster.Configuration, "a");
        await using ReplicatedNode b = await ReplicatedNode.StartAsync(cluster.Configuration, "b");
        await using var caller = new RawCaller();
        await caller.CallAsync(a.Udp);
        Dialog dialog = await a.AnsweredDialog.Task.WaitAsync(s_timeout);
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp)).StatusCode);
        await a.Replication.FlushAsync().WaitAsync(s_timeout);
        string key = "sipdialogs:{" + dialog.Id.CallId + "}:d:" + dialog.Id.LocalTag + ":" + dialog.Id.RemoteTag;
        Assert.True(await client.GetDatabase().KeyExistsAsync(key));
        await a.DisposeAsync();

        Assert.Equal(200, (await caller.SendAsync("BYE", b.Udp)).StatusCode);
        await Parties.AssertFreedAsync(b.Stack);
        await b.Replication.FlushAsync().WaitAsync(s_timeout);
        Assert.False(await client.GetDatabase().KeyExistsAsync(key));
        Assert.True(b.Replication.Claims >= 1);
    }
}
