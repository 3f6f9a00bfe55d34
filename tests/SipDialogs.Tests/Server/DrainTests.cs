using System.Net;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>
/// serve's graceful drain on SIGTERM, with real SIPp calls: held calls finish, new calls are refused 503 with
/// Retry-After, and the process exits 0; calls still up at the drain timeout get serve's BYE.
/// </summary>
public class DrainTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task OnSigtermHeldCallsEndNormallyNewCallsGet503WithRetryAfterAndServeExitsZeroAfterTheLastBye()
    {
        const int heldCalls = 20;
        (ServerProcess started, HttpClient http, Task<SippResult> held) = await HoldCallsAsync("60", "-sn uac", heldCalls, ["-d", "8000"]);
        await using ServerProcess server = started;
        using HttpClient disposed = http;

        await server.Process.SignalAsync("TERM");

        await PollReadyAsync(http, HttpStatusCode.ServiceUnavailable);
        SipResponse probe = await UdpPeer.AskOptionsAsync(server.Udp!, s_timeout); // A balancer's probe marks the node down.
        Assert.Equal(503, probe.StatusCode);
        Assert.NotNull(probe.RetryAfter);
        SippResult refused = await Sipp.RunAsync("tests/sipp/uac-refused-503.xml", server.Udp!, calls: 5, rate: 50, s_timeout);
        Assert.True(refused.ExitCode == 0, $"SIPp (new calls) exit {refused.ExitCode}:\n{refused.Output}");
        Assert.Equal(1 + 5, PrometheusText.Sum( // The probe and the five calls.
            await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)), "sipdialogs_request_refused_total", "reason=\"drain\""));
        Assert.False(server.Process.Exited.IsCompleted); // The held calls are still up.

        await AssertDrainedAsync(server, held, drained: heldCalls, endedByBye: 0); // Each held call's BYE got its 200.
        Assert.Empty(server.ErrorLines);
    }

    [Fact]
    public async Task CallsStillUpAtTheDrainTimeoutGetServesByeAndServeExitsZero()
    {
        // The scenario holds each call until the server's BYE, and answers it 200.
        const int calls = 5;
        (ServerProcess started, HttpClient http, Task<SippResult> held) = await HoldCallsAsync("2", "tests/sipp/uac-server-hangup.xml", calls);
        await using ServerProcess server = started;
        using HttpClient disposed = http;

        await server.Process.SignalAsync("TERM");

        await AssertDrainedAsync(server, held, drained: 0, endedByBye: calls);
    }

    [Fact]
    public async Task ASecondSigtermEndsTheDrainAtOnceWithByes()
    {
        const int calls = 3;
        (ServerProcess started, HttpClient http, Task<SippResult> held) = await HoldCallsAsync("600", "tests/sipp/uac-server-hangup.xml", calls);
        await using ServerProcess server = started;
        using HttpClient disposed = http;
        await server.Process.SignalAsync("TERM");
        await PollReadyAsync(http, HttpStatusCode.ServiceUnavailable);

        await server.Process.SignalAsync("TERM");

        await AssertDrainedAsync(server, held, drained: 0, endedByBye: calls);
    }

    /// <summary>Starts serve with a management endpoint and the drain timeout, and SIPp's calls, once they are all up.</summary>
    private static async Task<(ServerProcess Server, HttpClient Http, Task<SippResult> Held)> HoldCallsAsync(
        string drainTimeout, string scenario, int calls, string[]? extra = null)
    {
        ServerProcess server = await ServerProcess.StartAsync(
            "--listen", "udp:127.0.0.1:0", "--management", "http://127.0.0.1:0", "--drain-timeout", drainTimeout);
        var http = new HttpClient { BaseAddress = server.Management, Timeout = s_timeout };
        Task<SippResult> held = Sipp.RunAsync(scenario, server.Udp!, calls, rate: 100, s_timeout, extra: extra);
        await ManagementEndpointTests.PollMetricAsync(http, "sipdialogs_dialog_active", calls, "state=\"confirmed\"");
        return (server, http, held);
    }

    /// <summary>Every SIPp call succeeded, serve exited 0, and its log counts the calls drained and ended by BYE.</summary>
    private static async Task AssertDrainedAsync(ServerProcess server, Task<SippResult> held, int drained, int endedByBye)
    {
        SippResult result = await held;
        Assert.True(result.ExitCode == 0, $"SIPp (held calls) exit {result.ExitCode}:\n{result.Output}");
        Assert.Equal(0, await server.Process.Exited.WaitAsync(s_timeout));
        Assert.Contains($"{drained} calls drained, {endedByBye} ended by BYE", server.Process.Output, StringComparison.Ordinal);
    }

    private static async Task PollReadyAsync(HttpClient http, HttpStatusCode expected)
    {
        using var cancel = new CancellationTokenSource(s_timeout);
        while ((await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cancel.Token)).StatusCode != expected)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancel.Token);
        }
    }
}
