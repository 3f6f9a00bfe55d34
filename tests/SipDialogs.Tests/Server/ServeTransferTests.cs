using System.Globalization;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>
/// <c>serve</c> as the transferee of blind transfers (RFC 3515, RFC 5589 §6): SIPp calls it and sends REFER
/// (<c>tests/sipp/uac-transfer.xml</c>), serve calls the target, a SIPp <c>-sn uas</c> that counts a call successful
/// only once serve has ended it with BYE.
/// </summary>
public class ServeTransferTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ServeTransfersEveryCallToTheTargetEndsItAndLeavesTheOriginalCallToTheTransferor()
    {
        const int transfers = 20;
        await using Target target = await Target.StartAsync(transfers);
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");

        // The transferor checks 202, each NOTIFY (Event: refer;id=2, 100 Trying then the final 200 OK, terminated)
        // and ends its own call with BYE, which gets 200 only if serve left that call up.
        SippResult result = await TransferAsync(server, target, transfers, rate: 10);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        Assert.Equal(transfers, await target.SuccessfulCallsAsync());
        Assert.False(server.Process.Exited.IsCompleted, server.Process.Output);
        SipResponse options = await UdpPeer.AskOptionsAsync(server.Udp!, s_timeout);
        Assert.Equal(200, options.StatusCode);
        Assert.Empty(server.ErrorLines);
    }

    [Fact]
    public async Task ServeEndsTheReferredCallsItHoldsWithByeWhenItStops()
    {
        const int transfers = 5;
        await using Target target = await Target.StartAsync(transfers);
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--transfer-hold", "600");
        SippResult result = await TransferAsync(server, target, transfers, rate: 10);
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");

        // Every referred call is answered (the last NOTIFYs said 200) and held for ten minutes; stopping ends them.
        await server.Process.SignalAsync("TERM");

        Assert.Equal(0, await server.Process.Exited.WaitAsync(s_timeout));
        Assert.Equal(transfers, await target.SuccessfulCallsAsync());
        Assert.Contains("0 subscriptions live", server.Process.Output, StringComparison.Ordinal);
    }

    private static Task<SippResult> TransferAsync(ServerProcess server, Target target, int transfers, int rate) =>
        Sipp.RunAsync("tests/sipp/uac-transfer.xml", server.Udp!, transfers, rate, s_timeout,
            extra: ["-key", "target_ip", "127.0.0.1", "-key", "target_port", Text(target.Port)]);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The transfer target: SIPp's built-in UAS (180, 200, then it waits for the BYE), stopping after its last call.</summary>
    private sealed class Target : IAsyncDisposable
    {
        private readonly ExternalProcess _sipp;
        private readonly string _screen;

        private Target(ExternalProcess sipp, string screen, int port)
        {
            _sipp = sipp;
            _screen = screen;
            Port = port;
        }

        public int Port { get; }

        public static async Task<Target> StartAsync(int calls)
        {
            int port = UdpPorts.Free();
            string screen = Path.Combine(Path.GetTempPath(), "sipp-target-" + Guid.NewGuid().ToString("N") + ".txt");
            ExternalProcess sipp = ExternalProcess.Start("sipp",
            [
                "-sn", "uas", "-i", "127.0.0.1", "-p", Text(port), "-m", Text(calls), "-nostdin",
                "-timeout", "60s", "-timeout_error", "-trace_screen", "-screen_file", screen,
            ], Path.GetTempPath());
            var target = new Target(sipp, screen, port);
            try
            {
                await UdpPorts.WaitUntilBoundAsync(port, sipp, s_timeout);
            }
            catch
            {
                await target.DisposeAsync();
                throw;
            }

            return target;
        }

        /// <summary>Waits for SIPp to end after its last call (-m) and reads how many succeeded: each one ended by a BYE it got.</summary>
        public async Task<int> SuccessfulCallsAsync()
        {
            int exit = await _sipp.Exited.WaitAsync(s_timeout);
            string table = await File.ReadAllTextAsync(_screen);
            Assert.True(exit == 0, $"target SIPp exit {exit}:\n{table}\n{_sipp.Output}");
            return Sipp.SuccessfulCalls(table) ?? throw new InvalidOperationException("No call counts in SIPp's screen:\n" + table);
        }

        public async ValueTask DisposeAsync()
        {
            await _sipp.DisposeAsync();
            File.Delete(_screen);
        }
    }
}
