using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using StackExchange.Redis;

namespace SipDialogs.Tests.Server;

/// <summary>serve --redis: two serve processes share a real Redis, and one carries on the calls of the other once it is killed.</summary>
public sealed class ServeReplicationTests : RedisTestBase
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    [Fact]
    public async Task AByeForACallOfAKilledServeNodeGets200FromAnotherNode()
    {
        await using TwoNodes nodes = await TwoNodes.StartAsync(Redis);
        (ServerProcess a, ServerProcess b, RawCaller caller, string key) = nodes;
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp!)).StatusCode);
        await Poll.UntilAsync(() => RemoteCSeqOf(key) == 2, s_timeout, "node a writes the call with the INFO's CSeq");

        await a.Process.SignalAsync("KILL");
        await a.Process.Exited.WaitAsync(s_timeout);

        SipResponse bye = await caller.SendAsync("BYE", b.Udp!);
        Assert.Equal(200, bye.StatusCode);
        Assert.Equal(caller.ToTag, System.Text.Encoding.ASCII.GetString(bye.ToTag));
        await Poll.UntilAsync(() => !Db.KeyExists(key), s_timeout, "the ended call's record goes");
        Assert.Empty(b.ErrorLines);
    }

    [Fact]
    public async Task ANodeStoppedWithSigtermHandsItsCallsOverInsteadOfEndingThem()
    {
        await using TwoNodes nodes = await TwoNodes.StartAsync(Redis);
        (ServerProcess a, ServerProcess b, RawCaller caller, string key) = nodes;
        await Poll.UntilAsync(() => Record(key) is not null, s_timeout, "node a writes the call");

        await a.Process.SignalAsync("TERM");
        Assert.Equal(0, await a.Process.Exited.WaitAsync(s_timeout)); // At once, not after --drain-timeout (30 s).
        Assert.Contains("1 calls handed over", a.Process.Output, StringComparison.Ordinal);
        Assert.False(caller.Socket.TryReceive(out SipMessage? bye), bye is null ? null : RawSipSocket.Describe(bye)); // No BYE.

        // Node b takes the call over in the background, and then answers its requests.
        await Poll.UntilAsync(() => Record(key)?.Owner == "b", s_timeout, "node b claims the call");
        Assert.Equal(200, (await caller.SendAsync("INFO", b.Udp!)).StatusCode);
        Assert.Equal(200, (await caller.SendAsync("BYE", b.Udp!)).StatusCode);
        await Poll.UntilAsync(() => Record(key) is null, s_timeout, "the ended call's record goes");
    }

    [Fact]
    public async Task ANodeFrozenUntilItsCallMovedDropsItWhenResumedAndSendsNothingForIt()
    {
        await using TwoNodes nodes = await TwoNodes.StartAsync(Redis);
        (ServerProcess a, ServerProcess b, RawCaller caller, string key) = nodes;
        await Poll.UntilAsync(() => Record(key) is not null, s_timeout, "node a writes the call");

        // Frozen past its heartbeat's lifetime: declared dead, its call taken over and carried on by node b.
        await a.Process.SignalAsync("STOP");
        try
        {
            await Poll.UntilAsync(() => Record(key)?.Owner == "b", s_timeout, "node b claims the call of the frozen node");
            Assert.Equal(200, (await caller.SendAsync("INFO", b.Udp!)).StatusCode);
        }
        finally
        {
            await a.Process.SignalAsync("CONT");
        }

        // Resumed, node a learns its copy is stale and drops it without a word to the peer.
        await a.Process.WaitForLineAsync(line => line.Contains("was claimed by another node", StringComparison.Ordinal)).WaitAsync(s_timeout);
        Assert.Equal(200, (await caller.SendAsync("BYE", b.Udp!)).StatusCode);
        Assert.False(caller.Socket.TryReceive(out SipMessage? stray), stray is null ? null : RawSipSocket.Describe(stray));
        Assert.Empty(a.ErrorLines);
    }

    [Fact]
    public async Task ANodeResumedAfterItsCallMovedSendsNoOverdueSessionRefreshForIt()
    {
        // A 90 s session refreshed by the UAS: node a's refresh falls due 45 s after the answer, while it is frozen.
        var caller = new RawCaller { Timeout = TimeSpan.FromSeconds(75) };
        await using TwoNodes nodes = await TwoNodes.StartAsync(
            Redis, caller, "Supported: timer\r\nSession-Expires: 90;refresher=uas\r\nAllow: INVITE, ACK, BYE, UPDATE\r\n");
        (ServerProcess a, ServerProcess b, _, string key) = nodes;
        await Poll.UntilAsync(() => Record(key) is not null, s_timeout, "node a writes the call");

        await a.Process.SignalAsync("STOP");
        try
        {
            // Node b takes the call over and refreshes it when due: from then on node a's own refresh is overdue.
            await Poll.UntilAsync(() => Record(key)?.Owner == "b", s_timeout, "node b claims the call of the frozen node");
            (SipRequest refresh, System.Net.IPEndPoint from) = await caller.Socket.ReceiveRequestAsync(caller.Timeout);
            Assert.Equal(b.Udp, from);
            await caller.Socket.SendAsync(SipMessageBuilder.ResponseTo(refresh, 200), from);
        }
        finally
        {
            await a.Process.SignalAsync("CONT");
        }

        // Resumed, node a fires its overdue refresh timer; asked first, Redis says the call is b's: a sends nothing.
        await a.Process.WaitForLineAsync(line => line.Contains("was claimed by another node", StringComparison.Ordinal)).WaitAsync(s_timeout);
        Assert.Equal(200, (await caller.SendAsync("BYE", b.Udp!)).StatusCode);
        Assert.False(caller.Socket.TryReceive(out SipMessage? stray), stray is null ? null : RawSipSocket.Describe(stray));
        await Poll.UntilAsync(() => Record(key) is null, s_timeout, "the ended call's record goes");
        Assert.Empty(a.ErrorLines);
    }

    [Fact]
    public async Task ServeRefusesANodeIdWithoutRedis()
    {
        await using var serve = ExternalProcess.Start("dotnet", [ServerProcess.ServerDll, "serve", "--listen", "udp:127.0.0.1:0", "--node-id", "a"]);
        Assert.Equal(2, await serve.Exited.WaitAsync(s_timeout));
        Assert.Contains("--redis", serve.Output, StringComparison.Ordinal);
    }

    private uint? RemoteCSeqOf(string key) => Record(key)?.State.RemoteCSeq;

    /// <summary>Two serve nodes sharing the test's Redis, and a call answered by the first.</summary>
    private sealed class TwoNodes(ServerProcess a, ServerProcess b, RawCaller caller) : IAsyncDisposable
    {
        public static Task<TwoNodes> StartAsync(RedisProcess redis) => StartAsync(redis, new RawCaller(), string.Empty);

        public static async Task<TwoNodes> StartAsync(RedisProcess redis, RawCaller caller, string callHeaders)
        {
            ServerProcess a = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--redis", redis.Configuration, "--node-id", "a");
            ServerProcess b = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--redis", redis.Configuration, "--node-id", "b");
            await caller.CallAsync(a.Udp!, callHeaders);
            return new TwoNodes(a, b, caller);
        }

        /// <summary>The record of the call in Redis.</summary>
        public string Key => "sipdialogs:{" + caller.CallId + "}:d:" + caller.ToTag + ":" + caller.FromTag;

        public void Deconstruct(out ServerProcess first, out ServerProcess second, out RawCaller raw, out string key) =>
            (first, second, raw, key) = (a, b, caller, Key);

        public async ValueTask DisposeAsync()
        {
            await caller.DisposeAsync();
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }
}
