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
        await using ServerProcess a = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--redis", Redis.Configuration, "--node-id", "a");
        await using ServerProcess b = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--redis", Redis.Configuration, "--node-id", "b");
        await using var caller = new RawCaller();
        SipResponse ok = await caller.CallAsync(a.Udp!);
        Assert.Equal(200, (await caller.SendAsync("INFO", a.Udp!)).StatusCode);
        string key = "sipdialogs:{" + caller.CallId + "}:d:" + caller.ToTag + ":" + caller.FromTag;
        await Poll.UntilAsync(() => RemoteCSeqOf(key) == 2, s_timeout, "node a writes the call with the INFO's CSeq");

        await a.Process.SignalAsync("KILL");
        await a.Process.Exited.WaitAsync(s_timeout);

        SipResponse bye = await caller.SendAsync("BYE", b.Udp!);
        Assert.Equal(200, bye.StatusCode);
        Assert.Equal(ok.ToTag.ToArray(), bye.ToTag.ToArray());
        await Poll.UntilAsync(() => !Db.KeyExists(key), s_timeout, "the ended call's record goes");
        Assert.Empty(b.ErrorLines);
    }

    [Fact]
    public async Task ANodeStoppedWithSigtermHandsItsCallsOverInsteadOfEndingThem()
    {
        await using ServerProcess a = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--redis", Redis.Configuration, "--node-id", "a");
        await using ServerProcess b = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--redis", Redis.Configuration, "--node-id", "b");
        await using var caller = new RawCaller();
        await caller.CallAsync(a.Udp!);
        string key = "sipdialogs:{" + caller.CallId + "}:d:" + caller.ToTag + ":" + caller.FromTag;
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
    public async Task ServeRefusesANodeIdWithoutRedis()
    {
        await using var serve = ExternalProcess.Start("dotnet", [ServerProcess.ServerDll, "serve", "--listen", "udp:127.0.0.1:0", "--node-id", "a"]);
        Assert.Equal(2, await serve.Exited.WaitAsync(s_timeout));
        Assert.Contains("--redis", serve.Output, StringComparison.Ordinal);
    }

    private uint? RemoteCSeqOf(string key) => Record(key)?.State.RemoteCSeq;
}
