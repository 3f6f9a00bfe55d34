using System.Diagnostics;
using System.Globalization;
using SipDialogs.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SipDialogs.Tests.Server;

/// <summary>
/// Three serve nodes sharing a real Redis behind Kamailio with deploy/kamailio/dispatcher.cfg; SIPp holds calls
/// through the balancer and one node is killed with SIGKILL mid-run: every confirmed call still ends with a 200 to its BYE.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output) : RedisTestBase
{
    private const string ViaBalancer = "tests/sipp/uac-via-proxy.xml";
    private const int Calls = 30;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);
    [Fact]
    public async Task ANodeKilledMidRunBehindKamailioLosesNoConfirmedCall()
    {
        string[] names = ["n1", "n2", "n3"];
        var nodes = new ServerProcess[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            nodes[i] = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--redis", Redis.Configuration, "--node-id", names[i]);
        }

        string list = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(list, string.Concat(nodes.Select(n => string.Create(CultureInfo.InvariantCulture, $"1 sip:{n.Udp}\n"))));
            await using KamailioProcess balancer = await KamailioProcess.StartAsync("deploy/kamailio/dispatcher.cfg", $"DISPATCHER_LIST=\"{list}\"");

            // Calls held 12 s, round robin over the three nodes; each is written to Redis once confirmed.
            Task<SippResult> held = Sipp.RunAsync(ViaBalancer, balancer.Udp, calls: Calls, rate: 30, s_timeout, extra: ["-d", "12000"]);
            await Poll.UntilAsync(() => Owned(names) == Calls, s_timeout, () => $"{Owned(names)} of {Calls} calls written to Redis");
            long onVictim = Db.SetLength("sipdialogs:node:{n1}:dialogs");
            Assert.True(onVictim > 0);

            long killed = Stopwatch.GetTimestamp();
            await nodes[0].Process.SignalAsync("KILL");
            await nodes[0].Process.Exited.WaitAsync(s_timeout);
            await Poll.UntilAsync(() => Db.SetLength("sipdialogs:node:{n1}:dialogs") == 0, s_timeout, "the survivors take the dead node's calls over");
            output.WriteLine($"SIGKILL to the dead node's {onVictim} calls taken over by the survivors: {Stopwatch.GetElapsedTime(killed).TotalSeconds:F3} s");

            SippResult result = await held;
            Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
            Assert.Equal(Calls, Sipp.SuccessfulCalls(result.Output));

            // Only the dead node's calls went elsewhere: the balancer sent every other request to the node holding it.
            int failedOver = balancer.Process.Output.Split('\n').Count(l => l.Contains("failover BYE", StringComparison.Ordinal));
            Assert.Equal(onVictim, failedOver);
            await Poll.UntilAsync(() => DialogKeys() == 0, s_timeout, () => $"{DialogKeys()} dialog records left in Redis");
            for (int i = 1; i < nodes.Length; i++)
            {
                Assert.Empty(nodes[i].ErrorLines);
            }
        }
        finally
        {
            File.Delete(list);
            foreach (ServerProcess node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private long Owned(string[] names) => names.Sum(n => Db.SetLength("sipdialogs:node:{" + n + "}:dialogs"));

}
