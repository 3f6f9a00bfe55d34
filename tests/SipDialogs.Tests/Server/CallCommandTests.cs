using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Server;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Server;

/// <summary>The real <c>sipdialogs call</c> process placing calls to SIPp, to <c>serve</c> and to a stack in the test.</summary>
public class CallCommandTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CallCompletesEveryCallToASippUas()
    {
        int port = UdpPorts.Free();
        string screen = Path.Combine(Path.GetTempPath(), "sipp-uas-" + Guid.NewGuid().ToString("N") + ".txt");
        await using ExternalProcess sipp = ExternalProcess.Start("sipp",
        [
            "-sn", "uas", "-i", "127.0.0.1", "-p", Text(port), "-m", "200", "-buff_size", "4194304", "-nostdin",
            "-timeout", "60s", "-timeout_error", "-trace_screen", "-screen_file", screen,
        ], Path.GetTempPath());
        await UdpPorts.WaitUntilBoundAsync(port, sipp, s_timeout);

        CallRun run = await CallAsync($"sip:service@127.0.0.1:{Text(port)}", "--calls", "200", "--rate", "100");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("calls: 200 attempted, 200 answered, 0 failed, 200 ended;", run.Summary, StringComparison.Ordinal);

        // SIPp's own count: it stops after its 200th call (-m 200) and says how each ended.
        Assert.Equal(0, await sipp.Exited.WaitAsync(s_timeout));
        string table = await File.ReadAllTextAsync(screen);
        File.Delete(screen);
        Assert.True(Sipp.SuccessfulCalls(table) == 200, table);
    }

    [Fact]
    public async Task CallHoldsAndEndsCallsToServeWhichKeepsRunning()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");

        CallRun run = await CallAsync($"sip:service@127.0.0.1:{Text(server.Udp!.Port)}", "--calls", "50", "--rate", "50", "--hold", "0.2");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("calls: 50 attempted, 50 answered, 0 failed, 50 ended;", run.Summary, StringComparison.Ordinal);
        Assert.False(server.Process.Exited.IsCompleted, server.Process.Output);
        SipResponse options = await UdpPeer.AskOptionsAsync(server.Udp!, s_timeout);
        Assert.Equal(200, options.StatusCode);
    }

    [Fact]
    public async Task CallCountsARefusedCallByItsStatusAndExitsOne()
    {
        int port = UdpPorts.Free();
        await using ExternalProcess sipp = ExternalProcess.Start("sipp",
        [
            "-sf", Sipp.Scenario("tests/sipp/uas-busy.xml"), "-i", "127.0.0.1", "-p", Text(port), "-m", "1", "-nostdin",
            "-timeout", "60s", "-timeout_error",
        ], Path.GetTempPath());
        await UdpPorts.WaitUntilBoundAsync(port, sipp, s_timeout);

        CallRun run = await CallAsync($"sip:service@127.0.0.1:{Text(port)}");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("calls: 1 attempted, 0 answered, 1 failed (by status: 486=1), 0 ended;", run.Summary, StringComparison.Ordinal);
        Assert.Equal(0, await sipp.Exited.WaitAsync(s_timeout)); // It got the ACK of its 486.
    }

    [Fact]
    public async Task CallRefusesATargetThatIsNoSipUriNamingIt()
    {
        CallRun run = await CallAsync("not-a-uri");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("'not-a-uri' is not a SIP URI", run.Output, StringComparison.Ordinal);
        Assert.Null(run.Summary);
    }

    [Fact]
    public async Task CallEndsItsAnsweredCallsWithByeOnCtrlCAndPrintsTheSummary()
    {
        int confirmedAtCaller = 0;
        int endedAtCallee = 0;
        var options = new SipStackOptions();
        options.Listen.Add("udp:127.0.0.1:0");
        await using var callee = new SipStack(options, new IncomingCallUas(async (call, ct) =>
        {
            Dialog dialog = await call.AnswerAsync(CallAnsweringOptions.DefaultSdp, cancellationToken: ct);
            dialog.StateChanged += (_, e) =>
            {
                if (e.State == DialogState.Terminated)
                {
                    Interlocked.Increment(ref endedAtCallee);
                }
            };

            // The caller answers an in-dialog INFO once it holds the answered call.
            if ((await dialog.InfoAsync(null, cancellationToken: ct)).StatusCode == 200)
            {
                Interlocked.Increment(ref confirmedAtCaller);
            }
        }));
        await callee.StartAsync();
        IPEndPoint address = callee.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
        await using ExternalProcess caller = ExternalProcess.Start("dotnet",
            [ServerProcess.ServerDll, "call", $"sip:service@127.0.0.1:{Text(address.Port)}", "--calls", "5", "--rate", "100", "--hold", "600"]);
        await Poll.UntilAsync(() => Volatile.Read(ref confirmedAtCaller) == 5, s_timeout, "5 calls answered and held");

        await caller.SignalAsync("INT");
        int exit = await caller.Exited.WaitAsync(s_timeout);

        var run = new CallRun(exit, caller.Output);
        Assert.True(exit == 0, run.ToString());
        Assert.Contains("calls: 5 attempted, 5 answered, 0 failed, 5 ended;", run.Summary, StringComparison.Ordinal);
        await Poll.UntilAsync(() => Volatile.Read(ref endedAtCallee) == 5 && callee.DialogCount == 0, s_timeout, "every call ended at the callee");
    }

    [Fact]
    public async Task CallAnswersKamailiosChallengeWithUserAndPassword()
    {
        await using KamailioProcess proxy = await KamailioProcess.StartAsync("tests/kamailio/auth-proxy.cfg");
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        string target = $"sip:service@127.0.0.1:{Text(server.Udp!.Port)}";
        string nextHop = $"udp:127.0.0.1:{Text(proxy.Udp.Port)}";

        CallRun run = await CallAsync(target, "--next-hop", nextHop, "--calls", "3", "--rate", "20", "--user", "alice", "--password", "wonderland");
        CallRun wrong = await CallAsync(target, "--next-hop", nextHop, "--user", "alice", "--password", "guess");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("calls: 3 attempted, 3 answered, 0 failed, 3 ended;", run.Summary, StringComparison.Ordinal);
        Assert.Contains("authenticated INVITE call", proxy.Process.Output, StringComparison.Ordinal);
        Assert.True(wrong.ExitCode == 1, wrong.ToString());
        Assert.Contains("1 failed (by status: 407=1)", wrong.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("wonderland", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAnswersServesOwnChallengeWithAPasswordFile()
    {
        string secrets = Path.GetTempFileName();
        string password = Path.GetTempFileName();
        await File.WriteAllTextAsync(secrets, "alice example.test plain:wonderland\n");
        await File.WriteAllTextAsync(password, "wonderland\n");
        try
        {
            await using ServerProcess server = await ServerProcess.StartAsync(
                "--listen", "udp:127.0.0.1:0", "--auth-file", secrets, "--auth-realm", "example.test");
            string target = $"sip:service@127.0.0.1:{Text(server.Udp!.Port)}";

            CallRun run = await CallAsync(target, "--calls", "3", "--rate", "20", "--hold", "0.1", "--user", "alice", "--password-file", password);
            CallRun bare = await CallAsync(target);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("calls: 3 attempted, 3 answered, 0 failed, 3 ended;", run.Summary, StringComparison.Ordinal);
            Assert.True(bare.ExitCode == 1, bare.ToString());
            Assert.Contains("1 failed (by status: 401=1)", bare.Summary, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(secrets);
            File.Delete(password);
        }
    }

    [Fact]
    public async Task CallLocatesANamedTargetAndANamedNextHopThroughTheGivenDns()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0");
        string port = Text(server.Udp!.Port);
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(
        [
            $"--srv-host=_sip._udp.serve.test,node.serve.test,{port},10,0",
            "--host-record=node.serve.test,127.0.0.1",
            "--host-record=edge.serve.test,127.0.0.1",
        ]);

        CallRun byName = await CallAsync("sip:service@serve.test", "--dns", dns.EndPoint.ToString(), "--calls", "2", "--rate", "20");
        CallRun viaNamedHop = await CallAsync($"sip:service@127.0.0.1:{port}", "--next-hop", $"udp:edge.serve.test:{port}", "--dns", dns.EndPoint.ToString());

        Assert.True(byName.ExitCode == 0, byName.ToString());
        Assert.Contains("calls: 2 attempted, 2 answered, 0 failed, 2 ended;", byName.Summary, StringComparison.Ordinal);
        Assert.True(viaNamedHop.ExitCode == 0, viaNamedHop.ToString());
    }

    [Fact]
    public async Task CallRefusesAUserWithoutAPassword()
    {
        CallRun run = await CallAsync("sip:service@127.0.0.1:5060", "--user", "alice");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--user needs --password or --password-file", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallSaysWhyAMalformedChallengeWentUnansweredAndExitsOne()
    {
        await using var callee = new RawSipSocket();
        using var stop = new CancellationTokenSource();
        Task challenging = ChallengeEveryInviteAsync(callee, "Digest nonce=\"n\", algorithm=MD5", stop.Token); // No realm.

        CallRun run = await CallAsync($"sip:service@127.0.0.1:{callee.Port}", "--calls", "2", "--rate", "20", "--user", "alice", "--password", "wonderland");
        await stop.CancelAsync();
        await challenging;

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("2 failed (by status: 401=2)", run.Summary, StringComparison.Ordinal);
        Assert.Contains("401 Unauthorized; the challenge was not answered: NoUsableChallenge (MissingRealm)", run.Output, StringComparison.Ordinal);

        static async Task ChallengeEveryInviteAsync(RawSipSocket socket, string challenge, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                (SipMessage Message, IPEndPoint From) received;
                try
                {
                    received = await socket.ReceiveAsync(TimeSpan.FromSeconds(1)); // Short, to see the stop.
                }
                catch (TimeoutException)
                {
                    continue;
                }

                if (received.Message is SipRequest { Method: SipMethods.Invite } invite)
                {
                    await socket.SendAsync(SipMessageBuilder.ResponseTo(invite, 401, toTag: "callee").Add(SipHeaderKind.WwwAuthenticate, challenge), received.From);
                }
            }
        }
    }

    private static async Task<CallRun> CallAsync(params string[] arguments)
    {
        await using ExternalProcess process = ExternalProcess.Start("dotnet", [ServerProcess.ServerDll, "call", .. arguments]);
        int exit = await process.Exited.WaitAsync(s_timeout);
        return new CallRun(exit, process.Output);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);



    /// <summary>How a <c>call</c> process ended: its exit code, its output, and its summary line (null when none).</summary>
    private sealed record CallRun(int ExitCode, string Output)
    {
        public string? Summary { get; } = Output.Split('\n').FirstOrDefault(line => line.StartsWith("calls: ", StringComparison.Ordinal));

        public override string ToString() => $"exit {ExitCode}:\n{Output}";
    }
}
