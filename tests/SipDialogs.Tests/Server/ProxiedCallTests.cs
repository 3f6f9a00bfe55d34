using System.Globalization;
using System.Text.RegularExpressions;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>
/// Calls to the real <c>serve</c> through a real Kamailio that record-routes (SIPp UAC → Kamailio → serve): the
/// dialog's route set must carry every in-dialog request through the proxy (RFC 3261 §12, §16.12).
/// </summary>
public partial class ProxiedCallTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs SIPp with everything sent to the proxy and the INVITE's Request-URI naming serve.</summary>
    private static Task<SippResult> CallThroughAsync(KamailioProcess proxy, ServerProcess server, string scenario, int calls, int rate) =>
        Sipp.RunAsync(scenario, server.Udp!, calls, rate, s_timeout, extra: ["-rsa", proxy.Udp.ToString()]);

    /// <summary>
    /// Waits until the proxy has logged <paramref name="method"/> requests of <paramref name="calls"/> different calls
    /// that it forwarded by their Route header (the config answers 404 to an in-dialog request without it). Kamailio
    /// logged them before SIPp saw the answers; only reading its log may lag. Calls, not lines: a retransmitted
    /// request is logged again.
    /// </summary>
    private static Task ProxyLooseRoutedAsync(KamailioProcess proxy, string method, string from, int calls) =>
        Poll.UntilAsync(
            () => LooseRoutedCalls(proxy, method, from) == calls,
            s_timeout,
            string.Create(CultureInfo.InvariantCulture, $"{method} of {calls} calls from {from} loose-routed; the log:\n{proxy.Process.Output}"));

    private static int LooseRoutedCalls(KamailioProcess proxy, string method, string from)
    {
        var calls = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match line in LooseRoutedLine().Matches(proxy.Process.Output))
        {
            string source = line.Groups["from"].Value; // address:port
            if (line.Groups["method"].Value == method && (source == from || source.StartsWith(from + ":", StringComparison.Ordinal)))
            {
                calls.Add(line.Groups["call"].Value);
            }
        }

        return calls.Count;
    }

    /// <summary>What tests/kamailio/record-route.cfg logs for each in-dialog request it forwards by its Route.</summary>
    [GeneratedRegex(@"loose-routed (?<method>[A-Z]+) from (?<from>\S+) to \S+ call (?<call>\S+)")]
    private static partial Regex LooseRoutedLine();

    [Fact]
    public async Task ACallThroughARecordRoutingProxyAcksAndHangsUpAlongTheRouteSet()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        await using KamailioProcess proxy = await KamailioProcess.StartAsync();

        SippResult result = await CallThroughAsync(proxy, server, "tests/sipp/uac-via-proxy.xml", calls: 5, rate: 5);

        // The scenario fails a call whose 200 lacks the proxy's Record-Route or whose BYE does not get 200.
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{proxy.Process.Output}");
        await ProxyLooseRoutedAsync(proxy, "ACK", "127.0.0.1", 5);
        await ProxyLooseRoutedAsync(proxy, "BYE", "127.0.0.1", 5);
        Assert.Empty(server.ErrorLines);
    }

    [Fact]
    public async Task TwoHundredCallsThroughTheProxyAllComplete()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        await using KamailioProcess proxy = await KamailioProcess.StartAsync();

        SippResult result = await CallThroughAsync(proxy, server, "tests/sipp/uac-via-proxy.xml", calls: 200, rate: 100);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        await ProxyLooseRoutedAsync(proxy, "BYE", "127.0.0.1", 200);
        Assert.Empty(server.ErrorLines);
    }

    [Fact]
    public async Task ServeHangsUpThroughTheProxyAlongTheRouteSetItLearnt()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--hangup-after", "0.2");
        await using KamailioProcess proxy = await KamailioProcess.StartAsync();

        SippResult result = await CallThroughAsync(proxy, server, "tests/sipp/uac-via-proxy-hangup.xml", calls: 5, rate: 5);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{proxy.Process.Output}");

        // Serve's own BYE reached the proxy with the proxy's Route (RFC 3261 §12.2.1.1), not straight to SIPp.
        await ProxyLooseRoutedAsync(proxy, "BYE", server.Udp!.ToString(), 5);
        Assert.Empty(server.ErrorLines);
    }
}
