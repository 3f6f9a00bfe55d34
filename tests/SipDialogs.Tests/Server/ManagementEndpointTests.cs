using System.Net;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>
/// serve's management endpoint (<c>--management</c>) over real HTTP: Prometheus metrics after real SIPp calls, the
/// health checks, and the drain it starts.
/// </summary>
public class ManagementEndpointTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AfterSippCallsMetricsShowTheCallCountersExactlyAndTheSetupHistogramCountsEachCall()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--management", "http://127.0.0.1:0");
        const int calls = 25;

        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, calls, rate: 25, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        using var http = new HttpClient { BaseAddress = server.Management, Timeout = s_timeout };
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(calls, PrometheusText.Sum(metrics, "sipdialogs_call_started_total", "mode=\"uas\""));
        Assert.Equal(calls, PrometheusText.Sum(metrics, "sipdialogs_call_answered_total", "mode=\"uas\""));
        Assert.Equal(0, PrometheusText.Sum(metrics, "sipdialogs_call_failed_total"));
        Assert.Equal(calls, PrometheusText.Sum(metrics, "sipdialogs_call_setup_duration_seconds_count", "sip_response_status_class=\"2xx\""));
        Assert.Equal(calls, PrometheusText.Sum(metrics, "sipdialogs_call_setup_duration_seconds_bucket", "le=\"+Inf\""));
        Assert.Equal(0, PrometheusText.Sum(metrics, "sipdialogs_dialog_active"));
        Assert.True(PrometheusText.Sum(metrics, "sipdialogs_message_received_total", "sip_request_method=\"BYE\"", "network_transport=\"udp\"") >= calls);

        Dictionary<string, string> types = PrometheusText.Types(metrics);
        Assert.Equal("counter", types["sipdialogs_call_started_total"]);
        Assert.Equal("histogram", types["sipdialogs_call_setup_duration_seconds"]);
        Assert.Equal("gauge", types["sipdialogs_dialog_active"]);
        Assert.Contains("dotnet_gc_pause_time_seconds_total", types.Keys); // The runtime's meter, alongside.
        Assert.DoesNotContain("call_id", metrics, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ServeIsLiveAndReadyUntilPostDrainThenNotReadyAndExitsZero()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--management", "http://127.0.0.1:0");
        using var http = new HttpClient { BaseAddress = server.Management, Timeout = s_timeout };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);

        // A drain with a call held: ready turns false at once, the process waits for the call.
        Task<SippResult> held = Sipp.RunAsync("-sn uac", server.Udp!, calls: 1, rate: 1, s_timeout, extra: ["-d", "3000"]);
        await PollMetricAsync(http, "sipdialogs_dialog_active", 1);
        using HttpResponseMessage drained = await http.PostAsync(new Uri("/drain", UriKind.Relative), content: null);

        Assert.Equal(HttpStatusCode.Accepted, drained.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        Assert.Equal(1, PrometheusText.Sum(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)), "sipdialogs_drain_active"));
        SippResult result = await held;
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        Assert.Equal(0, await server.Process.Exited.WaitAsync(s_timeout));
        Assert.Contains("1 calls drained, 0 ended by BYE", server.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeRefusesAManagementAddressBeyondLoopbackUnlessAllowedExplicitly()
    {
        await using ExternalProcess refused = ExternalProcess.Start(
            "dotnet", [ServerProcess.ServerDll, "serve", "--listen", "udp:127.0.0.1:0", "--management", "http://0.0.0.0:0"]);

        Assert.Equal(2, await refused.Exited.WaitAsync(s_timeout));
        Assert.Contains("--management-allow-remote", refused.Output, StringComparison.Ordinal);

        await using ServerProcess allowed = await ServerProcess.StartAsync(
            "--listen", "udp:127.0.0.1:0", "--management", "http://0.0.0.0:0", "--management-allow-remote");
        Assert.NotNull(allowed.Management);
    }

    /// <summary>Polls /metrics until the series sums to <paramref name="expected"/>.</summary>
    internal static async Task PollMetricAsync(HttpClient http, string name, double expected, params string[] labels)
    {
        using var cancel = new CancellationTokenSource(s_timeout);
        double? last = null;
        while (!cancel.IsCancellationRequested)
        {
            last = PrometheusText.Sum(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancel.Token), name, labels);
            if (last == expected)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancel.Token);
        }

        throw new TimeoutException($"{name} stayed {last}, not {expected}.");
    }
}
