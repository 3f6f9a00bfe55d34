using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>
/// The B leg's trust and reach: it answers its next hop's challenges with the route's credentials (a real Kamailio with
/// the auth module in front of a SIPp UAS), and routes may name hosts that the stack locates by RFC 3263 (a real
/// dnsmasq), trying their addresses in turn.
/// </summary>
public sealed partial class B2buaTests
{
    [Fact]
    public async Task TheBLegAnswersATrunksChallengesToItsInviteReInvitesAndByeWithTheRoutesPasswordFile()
    {
        const int calls = 2;
        string password = Path.GetTempFileName();
        await File.WriteAllTextAsync(password, "wonderland\n");

        // The callee's scenario, but for the Max-Forwards it checks: the trunk between takes one more (RFC 3261 §16.6).
        string scenario = Path.Combine(Path.GetTempPath(), "b2bua-uas-hold-info-" + Guid.NewGuid().ToString("N") + ".xml");
        string text = await File.ReadAllTextAsync(Sipp.Scenario("tests/sipp/b2bua-uas-hold-info.xml"));
        await File.WriteAllTextAsync(scenario, text.Replace("regexp=\"^ *69 *$\"", "regexp=\"^ *68 *$\"", StringComparison.Ordinal));
        try
        {
            await using Callee callee = await Callee.StartAsync(scenario, calls);
            await using KamailioProcess trunk = await KamailioProcess.StartAsync(
                "tests/kamailio/auth-proxy.cfg", "FORWARD_TO=\"sip:" + callee.Target[4..] + "\"");
            await using ServerProcess server = await StartWithRoutesAsync(
                "[{\"Prefix\":\"\",\"Targets\":[\"udp:" + trunk.Udp + "\"],\"User\":\"alice\",\"PasswordFile\":" + Json(password) + "}]");

            SippResult result = await Sipp.RunAsync("tests/sipp/uac-pcma-hold-info.xml", server.Udp!, calls, rate: 2, s_timeout);

            Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}\n{trunk.Process.Output}\n{callee.Messages}");
            Assert.Equal(calls, await callee.SuccessfulCallsAsync());
            string log = trunk.Process.Output;
            Assert.Equal(calls, Count(log, "challenged INVITE call"));
            Assert.Equal(calls, Count(log, "authenticated INVITE call"));
            Assert.Equal(calls * 2, Count(log, "authenticated in-dialog INVITE")); // Hold and resume.
            Assert.Equal(calls, Count(log, "authenticated in-dialog BYE"));
            await AssertNothingLeftAsync(server);
            Assert.DoesNotContain("wonderland", server.Process.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(password);
            File.Delete(scenario);
        }
    }

    [Fact]
    public async Task AWrongNextHopPasswordGivesTheCallerA403NotTheTrunksChallengeAndLeavesNothing()
    {
        await using Callee callee = await Callee.StartAsync("-sn uas", 1);
        await using KamailioProcess trunk = await KamailioProcess.StartAsync(
            "tests/kamailio/auth-proxy.cfg", "FORWARD_TO=\"sip:" + callee.Target[4..] + "\"");
        await using ServerProcess server = await StartWithRoutesAsync(
            "[]", "--next-hop", "udp:" + trunk.Udp, "--next-hop-user", "alice", "--next-hop-password", "guess");
        await using var socket = new RawSipSocket();

        SipResponse refused = await InviteAsync(socket, server.Udp!);

        Assert.Equal(403, refused.StatusCode); // The challenge was for the B2BUA's credentials: the caller cannot answer it.
        Assert.Null(refused.GetHeaderValue(SipHeaderKind.ProxyAuthenticate));
        Assert.Equal(2, Count(trunk.Process.Output, "challenged INVITE call")); // Answered once, refused again: no loop.
        Assert.DoesNotContain("INVITE sip:", callee.Messages, StringComparison.Ordinal);
        await AssertNothingLeftAsync(server);
        Assert.Contains("status 403, hung up by Callee (Rejected)", Assert.Single(CallRecords(server)), StringComparison.Ordinal);
        Assert.DoesNotContain("guess", server.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARouteNamingAHostIsLocatedBySrvAndAfterA503FromTheFirstAddressTheSecondAnswers()
    {
        const int calls = 2;
        await using Callee unavailable = await Callee.StartAsync("tests/sipp/uas-unavailable.xml", calls);
        await using Callee answering = await Callee.StartAsync("-sn uas", calls);
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(
        [
            "--srv-host=_sip._udp.trunk.test,first.trunk.test," + Port(unavailable) + ",10,0",
            "--srv-host=_sip._udp.trunk.test,second.trunk.test," + Port(answering) + ",20,0",
            "--host-record=first.trunk.test,127.0.0.1",
            "--host-record=second.trunk.test,127.0.0.1",
        ]);

        // The first target names a host DNS does not know: it gives way to the next, as an unavailable address does.
        await using ServerProcess server = await StartWithRoutesAsync(
            "[{\"Prefix\":\"\",\"Targets\":[\"udp:nowhere.test:5060\",\"trunk.test\"]}]", "--dns", dns.EndPoint.ToString());

        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, calls, rate: 2, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(calls, await unavailable.SuccessfulCallsAsync());
        Assert.Equal(calls, await answering.SuccessfulCallsAsync());
        Assert.Contains("INVITE sip:service@trunk.test SIP/2.0", answering.Messages, StringComparison.Ordinal);
        await AssertNothingLeftAsync(server);
    }

    /// <summary>serve --mode b2bua on a free UDP port, T1 = 50 ms, with <paramref name="routes"/> (JSON) as its routes.</summary>
    private static async Task<ServerProcess> StartWithRoutesAsync(string routes, params string[] extra)
    {
        string config = Path.Combine(Path.GetTempPath(), "b2bua-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(config,
            "{\"SipDialogs\":{\"Timers\":{\"T1\":\"00:00:00.05\",\"T4\":\"00:00:00.1\",\"TimerD\":\"00:00:03.2\"},\"B2bua\":{\"Routes\":" + routes + "}}}");
        try
        {
            return await ServerProcess.StartAsync(
                ["--mode", "b2bua", "--config", config, "--management", "http://127.0.0.1:0", "--listen", "udp:127.0.0.1:0", .. extra]);
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static string Port(Callee callee) => callee.Target[(callee.Target.LastIndexOf(':') + 1)..];

    private static int Count(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
