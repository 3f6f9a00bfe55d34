using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Deploy;

/// <summary>A real Prometheus scraping a real serve under SIPp load: the counters and the histogram arrive, typed, with the right values.</summary>
public sealed class PrometheusScrapeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PrometheusScrapingServeRecordsTheCallCountersAndTheSetupHistogramWithTheirTypesAndValues()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--management", "http://127.0.0.1:0");
        await using PrometheusProcess prometheus = await PrometheusProcess.StartAsync(server.Management!.Authority, s_timeout);
        const int calls = 30;

        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, calls, rate: 30, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        await prometheus.WaitForValueAsync("sum(sipdialogs_call_started_total{job=\"sipdialogs\", mode=\"uas\"})", calls, s_timeout);
        await prometheus.WaitForValueAsync("sum(sipdialogs_call_answered_total{job=\"sipdialogs\"})", calls, s_timeout);
        await prometheus.WaitForValueAsync("sum(sipdialogs_call_setup_duration_seconds_count{job=\"sipdialogs\"})", calls, s_timeout);
        await prometheus.WaitForValueAsync("sum(sipdialogs_call_setup_duration_seconds_bucket{job=\"sipdialogs\", le=\"+Inf\"})", calls, s_timeout);
        await prometheus.WaitForValueAsync("sum(sipdialogs_dialog_active{job=\"sipdialogs\"})", 0, s_timeout);
        await prometheus.WaitForValueAsync("up{job=\"sipdialogs\"}", 1, s_timeout);

        Assert.Equal("counter", await prometheus.TypeOfAsync("sipdialogs_call_started"));
        Assert.Equal("histogram", await prometheus.TypeOfAsync("sipdialogs_call_setup_duration_seconds"));
        Assert.Equal("gauge", await prometheus.TypeOfAsync("sipdialogs_dialog_active"));
        Assert.Equal("counter", await prometheus.TypeOfAsync("dotnet_gc_pause_time_seconds"));
    }
}
