using System.Globalization;
using SipDialogs.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SipDialogs.Tests.Server;

/// <summary>
/// Drain behind a real Kamailio dispatcher probing two serve nodes with OPTIONS: after SIGTERM to one, the probe
/// takes it out, new calls all land on the other, and no call the draining node held fails.
/// </summary>
public class DispatcherDrainTests(ITestOutputHelper output)
{
    private const string ViaBalancer = "tests/sipp/uac-via-proxy.xml";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AfterSigtermToOneNodeNewCallsLandOnTheOtherAndNoCallOfTheDrainingNodeFails()
    {
        await using ServerProcess draining = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--management", "http://127.0.0.1:0");
        await using ServerProcess staying = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--management", "http://127.0.0.1:0");
        string list = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(list, string.Create(CultureInfo.InvariantCulture, $"1 sip:{draining.Udp}\n1 sip:{staying.Udp}\n"));
            await using KamailioProcess balancer = await KamailioProcess.StartAsync("tests/kamailio/dispatcher.cfg", $"DISPATCHER_LIST=\"{list}\"");
            using var toDraining = new HttpClient { BaseAddress = draining.Management, Timeout = s_timeout };
            using var toStaying = new HttpClient { BaseAddress = staying.Management, Timeout = s_timeout };

            // Ten calls held 8 s, round robin: five on each node. Their ACKs and BYEs follow the balancer's Record-Route.
            Task<SippResult> held = Sipp.RunAsync(ViaBalancer, balancer.Udp, calls: 10, rate: 20, s_timeout, extra: ["-d", "8000"]);
            await ManagementEndpointTests.PollMetricAsync(toDraining, "sipdialogs_dialog_active", 5, "state=\"confirmed\"");
            await ManagementEndpointTests.PollMetricAsync(toStaying, "sipdialogs_dialog_active", 5, "state=\"confirmed\"");

            long signalled = System.Diagnostics.Stopwatch.GetTimestamp();
            await draining.Process.SignalAsync("TERM");
            await balancer.Process.WaitForLineAsync(line => line.Contains("dispatcher node down", StringComparison.Ordinal)).WaitAsync(s_timeout);
            output.WriteLine($"SIGTERM to the node marked down by the balancer's probe: {System.Diagnostics.Stopwatch.GetElapsedTime(signalled).TotalSeconds:F3} s");

            SippResult fresh = await Sipp.RunAsync(ViaBalancer, balancer.Udp, calls: 10, rate: 20, s_timeout);
            Assert.True(fresh.ExitCode == 0, $"SIPp (new calls) exit {fresh.ExitCode}:\n{fresh.Output}");
            Assert.Equal(5 + 10, PrometheusText.Sum(
                await toStaying.GetStringAsync(new Uri("/metrics", UriKind.Relative)), "sipdialogs_call_started_total"));
            Assert.Equal(5, PrometheusText.Sum(
                await toDraining.GetStringAsync(new Uri("/metrics", UriKind.Relative)), "sipdialogs_call_started_total"));

            SippResult result = await held; // Every held call, on either node, ended with its BYE answered 200.
            Assert.True(result.ExitCode == 0, $"SIPp (held calls) exit {result.ExitCode}:\n{result.Output}");
            Assert.Equal(0, await draining.Process.Exited.WaitAsync(s_timeout));
            Assert.Contains("5 calls drained, 0 ended by BYE", draining.Process.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(list);
        }
    }
}
