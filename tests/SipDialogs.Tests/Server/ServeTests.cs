using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>The real <c>sipdialogs serve</c> process, driven over the wire by SIPp and raw sockets.</summary>
public class ServeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static Task<SipResponse> AskAsync(IPEndPoint server, string request) => UdpPeer.AskAsync(server, request, s_timeout);

    private static string Request(string method, string extra = "") =>
        $"{method} sip:service@127.0.0.1 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK" + Guid.NewGuid().ToString("N") + ";rport\r\n" +
        "Max-Forwards: 70\r\nTo: <sip:service@127.0.0.1>\r\nFrom: <sip:test@127.0.0.1>;tag=t1\r\n" +
        "Call-ID: " + Guid.NewGuid().ToString("N") + "@127.0.0.1\r\n" +
        $"CSeq: 1 {method}\r\n" + extra + "Content-Length: 0\r\n\r\n";

    [Fact]
    public async Task ServeAnswersAnOptionsLoadFromSippWithNoFailedCall()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--listen", "tcp:127.0.0.1:0");
        SippResult result = await Sipp.RunAsync("bench/sipp/options-uac.xml", server.Udp!, calls: 2000, rate: 1000, s_timeout);
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        Assert.Contains("Successful call", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeCompletesSippUacCallsWithNoFailedCall()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--ring", "0.05");
        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, calls: 1000, rate: 500, s_timeout);
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
    }

    [Fact]
    public async Task ServeAnswersOptionsOverTcpFromSipp()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--listen", "tcp:127.0.0.1:0");
        SippResult result = await Sipp.RunAsync("bench/sipp/options-uac.xml", server.Tcp!, calls: 200, rate: 200, s_timeout, transport: "t1");
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
    }

    [Fact]
    public async Task ServeAnswersOptionsWithAllowAcceptAToTagAndRport()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        SipResponse ok = await AskAsync(server.Udp!, Request("OPTIONS"));
        Assert.Equal(200, ok.StatusCode);
        Assert.Contains("OPTIONS", ok.Allow);
        Assert.Equal("application/sdp", ok.GetHeaderValue(SipHeaderKind.Accept));
        Assert.StartsWith("SipDialogs/", ok.GetHeaderValue(SipHeaderKind.Server), StringComparison.Ordinal); // RFC 3261 §20.35
        Assert.Contains("timer", ok.Supported); // RFC 3261 §11.2: serve runs session timers (RFC 4028)
        Assert.Contains("replaces", ok.Supported); // and takes Replaces (RFC 3891).
        Assert.False(ok.ToTag.IsEmpty);

        // RFC 3581 §4: the request asked for rport, so the answer's top Via says where it came from.
        Assert.NotNull(ok.Via[0].Rport);
        Assert.Equal("127.0.0.1", ok.Via[0].Received);
    }

    [Fact]
    public async Task ServeAnswersAnUnknownMethodWith501()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        SipResponse answer = await AskAsync(server.Udp!, Request("FROBNICATE"));
        Assert.Equal(501, answer.StatusCode);
    }

    [Fact]
    public async Task ServeRefusesAMethodItDoesNotServeYetWith405AndAllow()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        SipResponse answer = await AskAsync(server.Udp!, Request("MESSAGE"));
        Assert.Equal(405, answer.StatusCode);
        Assert.Contains("OPTIONS", answer.Allow);
        Assert.DoesNotContain("MESSAGE", answer.Allow);
    }

    [Theory]
    [InlineData("BYE", 481)]
    [InlineData("INFO", 481)]
    [InlineData("UPDATE", 481)]
    [InlineData("NOTIFY", 481)]
    [InlineData("SUBSCRIBE", 489)]
    public async Task ServeAnswersADialogRequestOutsideAnyDialogAsTheRfcsSayNot405(string method, int status)
    {
        // RFC 3261 §15.1.2: a BYE that matches no dialog gets 481, as INFO, UPDATE and NOTIFY do; SUBSCRIBE to no
        // package served gets 489 (RFC 6665). None is refused 405 with an Allow that lists the very method.
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        string extra = method is "NOTIFY" or "SUBSCRIBE" ? "Event: refer\r\n" : string.Empty;
        SipResponse answer = await AskAsync(server.Udp!, Request(method, extra));
        Assert.Equal(status, answer.StatusCode);
    }

    [Fact]
    public async Task ServeAnswersAnInviteWithA200ThatSaysWhatItSupports()
    {
        // RFC 3261 §13.3.1.4: the 2xx to an INVITE SHOULD carry Supported.
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        await using var caller = new SipDialogs.Tests.Dialogs.RawCaller();
        SipResponse ok = await caller.CallAsync(server.Udp!);
        Assert.Contains("timer", ok.Supported);
        Assert.Contains("replaces", ok.Supported);
        Assert.Equal(200, (await caller.SendAsync("BYE", server.Udp!)).StatusCode);
    }

    [Fact]
    public async Task ServeWithMaxCallsAnswersACallBeyondItWith503AndRetryAfter()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--max-calls", "1");
        await using var first = new SipDialogs.Tests.Dialogs.RawCaller();
        Assert.Equal(200, (await first.CallAsync(server.Udp!)).StatusCode);

        SipResponse refused = await AskAsync(server.Udp!, Request("INVITE", "Contact: <sip:test@127.0.0.1:{port}>\r\n"));

        Assert.Equal(503, refused.StatusCode);
        Assert.NotNull(refused.GetHeaderValue(SipHeaderKind.RetryAfter));
        Assert.Equal(200, (await first.SendAsync("BYE", server.Udp!)).StatusCode);
    }

    [Fact]
    public async Task ServeAnswersARequestInAnUnknownDialogWith481()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        SipResponse answer = await AskAsync(server.Udp!, Request("BYE").Replace("To: <sip:service@127.0.0.1>", "To: <sip:service@127.0.0.1>;tag=gone", StringComparison.Ordinal));
        Assert.Equal(481, answer.StatusCode);
    }

    [Fact]
    public async Task ServeAnswersAnUnknownRequiredExtensionWith420()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        SipResponse answer = await AskAsync(server.Udp!, Request("OPTIONS", "Require: nothing-we-know\r\n"));
        Assert.Equal(420, answer.StatusCode);
        Assert.Equal("nothing-we-know", answer.GetHeaderValue(SipHeaderKind.Unsupported));
    }

    [Fact]
    public async Task ServeAnswersABadViaWith400NamingIt()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        string bad = Request("OPTIONS").Replace("SIP/2.0/UDP 127.0.0.1:{port};branch=", "SIP/2.0/UDP 127.0.0.1:{port};ttl=999;branch=", StringComparison.Ordinal);
        SipResponse answer = await AskAsync(server.Udp!, bad);
        Assert.Equal(400, answer.StatusCode);
        Assert.Contains("Via", answer.ReasonPhrase, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task ServeStopsCleanlyOnASignal(string signal)
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--listen", "tcp:127.0.0.1:0");
        await server.Process.SignalAsync(signal);
        int exit = await server.Process.Exited.WaitAsync(s_timeout);
        Assert.Equal(0, exit);
        Assert.Contains("SIP stack stopped", server.Process.Output, StringComparison.Ordinal);

        // Nothing listens any more.
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(server.Tcp!).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ServeStopsOnceWhenSignalledRepeatedlyAtOnce()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        await Task.WhenAll(server.Process.SignalAsync("INT"), server.Process.SignalAsync("TERM"), server.Process.SignalAsync("INT"));
        int exit = await server.Process.Exited.WaitAsync(s_timeout);
        Assert.Equal(0, exit);
        Assert.Equal(1, CountOf(server.Process.Output, "SIP stack stopped"));
        Assert.DoesNotContain("Unhandled exception", server.Process.Output, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public async Task ServeRefusesABadListenEntryNamingIt()
    {
        await using var process = ExternalProcess.Start("dotnet", [ServerProcess.ServerDll, "serve", "--listen", "carrier-pigeon:1.2.3.4:5"]);
        int exit = await process.Exited.WaitAsync(s_timeout);
        Assert.NotEqual(0, exit);
        Assert.Contains("carrier-pigeon:1.2.3.4:5", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheContactOfA200NamesTheAdvertisedAddressInsteadOfTheListeningOne()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--advertise", "udp:192.0.2.10:5099");
        await using var caller = new Dialogs.RawCaller();
        SipResponse ok = await caller.CallAsync(server.Udp!);
        Assert.Equal("<sip:sipdialogs@192.0.2.10:5099>", ok.GetHeaderValue(SipHeaderKind.Contact));

        // Only the Contact changes: the in-dialog request reaches the node (through the balancer in production) and ends the call.
        Assert.Equal(200, (await caller.SendAsync("BYE", server.Udp!)).StatusCode);
    }

    [Theory]
    [InlineData("udp:balancer.example:5060")]
    [InlineData("udp:192.0.2.10:0")]
    public async Task ServeRefusesABadAdvertiseEntryNamingIt(string entry)
    {
        await using var process = ExternalProcess.Start("dotnet", [ServerProcess.ServerDll, "serve", "--listen", "udp:127.0.0.1:0", "--advertise", entry]);
        int exit = await process.Exited.WaitAsync(s_timeout);
        Assert.NotEqual(0, exit);
        Assert.Contains(entry, process.Output, StringComparison.Ordinal);
    }
}
