using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SipDialogs.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SipDialogs.Tests.Server;

/// <summary>
/// Three serve nodes sharing a real Redis behind Kamailio with deploy/kamailio/dispatcher.cfg, each advertising the
/// balancer as its Contact; SIPp places calls through the balancer and one node is killed with SIGKILL mid-run.
/// </summary>
public sealed partial class ScaleOutTests(ITestOutputHelper output) : RedisTestBase
{
    private const string AcrossFailover = "tests/sipp/uac-scale-out.xml";
    private const int Calls = 30;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Calls ring 2 s, so that the kill finds some of the dead node's calls confirmed (written to Redis) and some still
    /// early. Every confirmed one carries on through a survivor: its re-INVITE 6 s after the ACK is answered, the
    /// survivor's session timer refreshes it (UPDATE) 45 s later, and its BYE gets 200. Only calls that were early on
    /// the dead node may fail; they are counted apart.
    /// </summary>
    [Fact]
    public async Task ConfirmedCallsOfANodeKilledBehindKamailioReinviteAndRefreshOnSurvivorsAndOnlyItsEarlyCallsFail()
    {
        int balancerPort = UdpPorts.Free();
        Task<ServerProcess>[] starting = StartNodes(balancerPort, "--ring", "2");
        string list = Path.GetTempFileName();
        string callLog = Path.Combine(Path.GetTempPath(), "sipp-calls-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            ServerProcess[] nodes = await Task.WhenAll(starting);
            await using KamailioProcess balancer = await StartBalancerAsync(balancerPort, list, nodes, nodes.Length);

            Task<SippResult> run = Sipp.RunAsync(AcrossFailover, balancer.Udp, calls: Calls, rate: 10, s_timeout, extra: ["-trace_logs", "-log_file", callLog]);
            await Poll.UntilAsync(() => Db.SetLength("sipdialogs:node:{n1}:dialogs") >= 3, s_timeout, "three calls confirmed on the node to kill");
            HashSet<string> confirmedAtKill = ConfirmedCalls();
            long killed = Stopwatch.GetTimestamp();
            await nodes[0].Process.SignalAsync("KILL");
            await nodes[0].Process.Exited.WaitAsync(s_timeout);
            await Poll.UntilAsync(() => Db.SetLength("sipdialogs:node:{n1}:dialogs") == 0, s_timeout, "the survivors take the dead node's calls over");
            output.WriteLine($"SIGKILL to the dead node's calls taken over by the survivors: {Stopwatch.GetElapsedTime(killed).TotalSeconds:F3} s");

            SippResult result = await run;
            string kamailio = balancer.Process.Output;
            HashSet<string> onVictim = CallIdsOf(Dispatched(), kamailio, "to sip:" + nodes[0].Udp);
            var confirmedOnVictim = new HashSet<string>(onVictim.Intersect(confirmedAtKill));
            var earlyOnVictim = new HashSet<string>(onVictim.Except(confirmedAtKill));
            HashSet<string> ok = File.Exists(callLog) ? CallIdsOf(LoggedOk(), await File.ReadAllTextAsync(callLog)) : [];
            var failed = new HashSet<string>(CallIdsOf(Dispatched(), kamailio).Except(ok));
            output.WriteLine(
                $"calls {Calls}: on the dead node {onVictim.Count} ({confirmedOnVictim.Count} confirmed, {earlyOnVictim.Count} early at the kill); " +
                $"completed {ok.Count}, failed {failed.Count}");

            Assert.NotEmpty(confirmedOnVictim);
            Assert.Subset(ok, confirmedAtKill); // Every call confirmed at the kill re-INVITEd, was refreshed and ended with 200.
            Assert.Subset(earlyOnVictim, failed); // Only the dead node's early calls may be lost.
            Assert.Equal(Calls, ok.Count + failed.Count);
            Assert.True(result.ExitCode == 0 || failed.Count > 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");

            // Only the dead node's calls went elsewhere: the balancer sent every other request to the node holding it.
            Assert.Equal(confirmedOnVictim, CallIdsOf(FailedOverReinvite(), kamailio));
            await AssertNothingLeftAsync(nodes[1..]);
        }
        finally
        {
            File.Delete(callLog);
            await StopAsync(starting, list);
        }
    }

    /// <summary>
    /// Two nodes take calls held 4 s; a third joins the dispatcher list (kamcmd dispatcher.reload) while they run. It gets
    /// new calls at once, and every call, whether set up before or after the reload, ends with 200 to its BYE on the node
    /// that answered it.
    /// </summary>
    [Fact]
    public async Task ANodeAddedMidRunBehindKamailioGetsNewCallsAndNoCallFails()
    {
        const int calls = 40;
        int balancerPort = UdpPorts.Free();
        Task<ServerProcess>[] starting = StartNodes(balancerPort);
        string list = Path.GetTempFileName();
        string control = "unix:" + Path.Combine(Path.GetTempPath(), "kamailio-" + Guid.NewGuid().ToString("N") + ".ctl");
        try
        {
            ServerProcess[] nodes = await Task.WhenAll(starting);
            await using KamailioProcess balancer = await StartBalancerAsync(balancerPort, list, nodes, 2, $"CTL_SOCKET=\"{control}\"");

            Task<SippResult> run = Sipp.RunAsync(ViaBalancer, balancer.Udp, calls, rate: 10, s_timeout, extra: ["-d", "4000"]);
            await Poll.UntilAsync(() => Owned("n1", "n2") >= 5, s_timeout, "five calls up on the first two nodes");
            await File.WriteAllTextAsync(list, NodeList(nodes, nodes.Length));
            await using (ExternalProcess reload = ExternalProcess.Start("kamcmd", ["-s", control, "dispatcher.reload"]))
            {
                Assert.True(await reload.Exited.WaitAsync(s_timeout) == 0, reload.Output);
            }

            SippResult result = await run;
            Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
            Assert.Equal(calls, Sipp.SuccessfulCalls(result.Output));
            string kamailio = balancer.Process.Output;
            int onNewNode = CallIdsOf(Dispatched(), kamailio, "to sip:" + nodes[2].Udp).Count;
            output.WriteLine($"calls {calls}: {onNewNode} on the node added mid-run");
            Assert.InRange(onNewNode, 1, calls - 5);
            Assert.DoesNotContain("failover", kamailio, StringComparison.Ordinal); // Every request reached the node holding its call.
            await AssertNothingLeftAsync(nodes);
        }
        finally
        {
            await StopAsync(starting, list);
        }
    }

    private const string ViaBalancer = "tests/sipp/uac-via-proxy.xml";

    /// <summary>Starts nodes n1, n2 and n3 sharing the test's Redis, each advertising the balancer to come on <paramref name="balancerPort"/>.</summary>
    private Task<ServerProcess>[] StartNodes(int balancerPort, params string[] extra)
    {
        string advertise = "udp:127.0.0.1:" + balancerPort.ToString(CultureInfo.InvariantCulture);
        string[] names = ["n1", "n2", "n3"];
        return names.Select(name => ServerProcess.StartAsync(
            ["--listen", "udp:127.0.0.1:0", "--redis", Redis.Configuration, "--node-id", name, "--advertise", advertise, .. extra])).ToArray();
    }

    /// <summary>Starts Kamailio with the deploy config on <paramref name="port"/>, the first <paramref name="count"/> nodes in its list.</summary>
    private static async Task<KamailioProcess> StartBalancerAsync(int port, string list, ServerProcess[] nodes, int count, params string[] defines)
    {
        await File.WriteAllTextAsync(list, NodeList(nodes, count));
        return await KamailioProcess.StartAsync(port, "deploy/kamailio/dispatcher.cfg", [$"DISPATCHER_LIST=\"{list}\"", .. defines]);
    }

    private static string NodeList(ServerProcess[] nodes, int count) =>
        string.Concat(nodes.Take(count).Select(n => string.Create(CultureInfo.InvariantCulture, $"1 sip:{n.Udp}\n")));

    /// <summary>No dialog record is left in Redis, and each node, stopped, holds no call and logged no error.</summary>
    private async Task AssertNothingLeftAsync(ServerProcess[] nodes)
    {
        await Poll.UntilAsync(() => DialogKeys() == 0, s_timeout, () => $"{DialogKeys()} dialog records left in Redis");
        foreach (ServerProcess node in nodes)
        {
            Assert.Empty(node.ErrorLines);
            await node.Process.SignalAsync("TERM");
            await node.Process.Exited.WaitAsync(s_timeout);
            Assert.Contains("Draining: 0 calls handed over", node.Process.Output, StringComparison.Ordinal);
        }
    }

    private static async Task StopAsync(Task<ServerProcess>[] starting, string list)
    {
        File.Delete(list);
        foreach (Task<ServerProcess> node in starting)
        {
            if (node.IsCompletedSuccessfully)
            {
                await (await node).DisposeAsync();
            }
        }
    }

    private long Owned(params string[] names) => names.Sum(n => Db.SetLength("sipdialogs:node:{" + n + "}:dialogs"));

    /// <summary>The Call-IDs of the dialog records in Redis now.</summary>
    private HashSet<string> ConfirmedCalls()
    {
        var calls = new HashSet<string>(StringComparer.Ordinal);
        foreach (RedisResult key in (RedisResult[])Db.Execute("KEYS", "sipdialogs:{*}:d:*")!)
        {
            string text = key.ToString();
            int open = text.IndexOf('{', StringComparison.Ordinal);
            calls.Add(text[(open + 1)..text.IndexOf("}:d:", StringComparison.Ordinal)]);
        }

        return calls;
    }

    private static HashSet<string> CallIdsOf(Regex line, string text, string? containing = null)
    {
        var calls = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in line.Matches(text))
        {
            if (containing is null || match.Value.Contains(containing, StringComparison.Ordinal))
            {
                calls.Add(match.Groups["callid"].Value);
            }
        }

        return calls;
    }

    [GeneratedRegex(@"dispatched INVITE (?<callid>\S+) to \S+")]
    private static partial Regex Dispatched();

    [GeneratedRegex(@"failover INVITE (?<callid>\S+) to")]
    private static partial Regex FailedOverReinvite();

    [GeneratedRegex(@"ok (?<callid>\S+)")]
    private static partial Regex LoggedOk();
}
