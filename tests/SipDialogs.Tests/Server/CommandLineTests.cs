using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>
/// What a new user sees when a setting is wrong: one line that names the option and the fault, and an exit code; no
/// stack trace, no .NET type name, no unhandled exception.
/// </summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("it names no transport: it starts with udp:, tcp: or tls:", "serve", "--listen", "127.0.0.1:5060")]
    [InlineData("its port 99999 is out of range (0 to 65535)", "serve", "--listen", "udp:127.0.0.1:99999")]
    [InlineData("RingFor must be between 0 and 3 minutes", "serve", "--listen", "udp:127.0.0.1:0", "--ring", "-1")]
    [InlineData("File does not exist: '/nonexistent/answer.sdp'", "serve", "--answer-sdp", "/nonexistent/answer.sdp")]
    [InlineData("--hangup-after takes a number (e.g. 1.5); 'abc' is not one.", "serve", "--hangup-after", "abc")]
    [InlineData("--rate takes a number (e.g. 1.5); 'fast' is not one.", "call", "sip:service@127.0.0.1:5099", "--rate", "fast")]
    [InlineData("add --listen tcp:127.0.0.1:0", "call", "sip:service@127.0.0.1:5099;transport=tcp")]
    [InlineData("add --listen udp:[::1]:0", "call", "sip:service@[::1]:5099")]
    [InlineData("Argument 'loud' not recognized", "serve", "--log-level", "loud")]
    public async Task ABadSettingIsRefusedWithOneLineThatSaysWhatIsWrong(string expected, params string[] arguments)
    {
        await using ExternalProcess process = ExternalProcess.Start("dotnet", [ServerProcess.ServerDll, .. arguments]);
        int exit = await process.Exited.WaitAsync(s_timeout);

        Assert.NotEqual(0, exit);
        Assert.Contains(expected, process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpNamesTheCommandUsersType()
    {
        await using ExternalProcess process = ExternalProcess.Start("dotnet", [ServerProcess.ServerDll, "serve", "--help"]);
        Assert.Equal(0, await process.Exited.WaitAsync(s_timeout));
        Assert.Contains("sipdialogs serve [options]", process.Output, StringComparison.Ordinal);
        Assert.Contains("--log-level", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("SipDialogs.Server", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeAtTraceLevelLogsTheSipMessagesItReceivesAndSends()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--log-level", "trace");
        Assert.Equal(200, (await UdpPeer.AskOptionsAsync(server.Udp!, s_timeout)).StatusCode);

        await Poll.UntilAsync(
            () => server.Process.Output.Contains("SIP/2.0 200 OK", StringComparison.Ordinal),
            s_timeout,
            "the answer appears in the trace");
        Assert.Contains("OPTIONS sip:service@127.0.0.1 SIP/2.0", server.Process.Output, StringComparison.Ordinal);
        Assert.Contains("SipDialogs.Trace", server.Process.Output, StringComparison.Ordinal);
    }
}
