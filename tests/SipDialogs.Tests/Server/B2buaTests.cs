using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>
/// The real <c>sipdialogs serve --mode b2bua</c> between real SIPp processes on loopback (SIPp uac → serve → SIPp uas),
/// and hand-written callers where a refusal is the point. serve runs with T1 = 50 ms, so that every transaction has
/// ended soon after a test, and each test ends by reading 0 dialogs and 0 transactions from its metrics.
/// </summary>
public sealed partial class B2buaTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SippCallsCrossTheB2buaToASippUasAndEachEndLeavesOneCallRecord()
    {
        const int calls = 10;
        await using Callee callee = await Callee.StartAsync("-sn uas", calls);
        await using ServerProcess server = await StartAsync(callee.Target);

        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, calls, rate: 10, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(calls, await callee.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
        Assert.Equal(calls, CallRecords(server).Count(r => r.Contains("status 200, hung up by Caller (Bye)", StringComparison.Ordinal)));
        Assert.Empty(server.ErrorLines);
        using var http = new HttpClient { BaseAddress = server.Management, Timeout = s_timeout };
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(calls, PrometheusText.Sum(metrics, "sipdialogs_call_started_total", "mode=\"b2bua\""));
        Assert.Equal(calls, PrometheusText.Sum(metrics, "sipdialogs_bridge_ended_total", "sipdialogs_bridge_end_cause=\"bye\""));
        Assert.Equal(0, PrometheusText.Sum(metrics, "sipdialogs_bridge_active", "mode=\"b2bua\""));
        Assert.Equal(2 * calls, PrometheusText.Sum(metrics, "sipdialogs_bridge_relayed_total", "sipdialogs_bridge_leg=\"a\"", "sip_message_type=\"request\"")); // INVITE, BYE.
        Assert.Equal(2 * calls, PrometheusText.Sum(metrics, "sipdialogs_bridge_relayed_total", "sipdialogs_bridge_leg=\"b\"", "sip_message_type=\"response\"")); // 180, 200.
    }

    [Fact]
    public async Task ServeChallengesCallersInB2buaModeAndCallsWithTheRightPasswordCross()
    {
        const int calls = 3;
        string secrets = Path.Combine(Path.GetTempPath(), "b2bua-auth-" + Guid.NewGuid().ToString("N") + ".txt");
        await File.WriteAllTextAsync(secrets, "alice b2bua.test plain:wonderland\n");
        try
        {
            await using Callee callee = await Callee.StartAsync("-sn uas", calls);
            await using ServerProcess server = await StartAsync(
                [callee.Target], "--auth-file", secrets, "--auth-realm", "b2bua.test", "--auth-algorithms", "MD5");

            // The INVITE is challenged (401) before any B leg; SIPp answers with -au/-ap, and the call crosses.
            SippResult result = await Sipp.RunAsync(
                "tests/sipp/uac-auth.xml", server.Udp!, calls, rate: 10, s_timeout,
                extra: ["-au", "alice", "-ap", "wonderland", "-auth_uri", "service@" + server.Udp!.ToString()]);

            Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
            Assert.Equal(calls, await callee.SuccessfulCallsAsync());
            await AssertNothingLeftAsync(server);
            using var http = new HttpClient { BaseAddress = server.Management, Timeout = s_timeout };
            string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(calls, PrometheusText.Sum(metrics, "sipdialogs_auth_verdicts_total", "outcome=\"authenticated\""));
        }
        finally
        {
            File.Delete(secrets);
        }
    }

    [Fact]
    public async Task HoldResumeAndInfoFromTheCallerCrossWithTheirOffersAnswersAndBody()
    {
        await using Callee callee = await Callee.StartAsync("tests/sipp/b2bua-uas-hold-info.xml", 3);
        await using ServerProcess server = await StartAsync(callee.Target);

        SippResult result = await Sipp.RunAsync("tests/sipp/uac-pcma-hold-info.xml", server.Udp!, 3, rate: 3, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(3, await callee.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task TheCalleesReInviteAndByeCrossToTheCaller()
    {
        await using Callee callee = await Callee.StartAsync("tests/sipp/b2bua-uas-reinvite-hangup.xml", 3);
        await using ServerProcess server = await StartAsync(callee.Target);

        SippResult result = await Sipp.RunAsync("tests/sipp/b2bua-uac-reinvite-hungup.xml", server.Udp!, 3, rate: 3, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(3, await callee.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
        Assert.Equal(3, CallRecords(server).Count(r => r.Contains("hung up by Callee (Bye)", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task EarlyMediaIn183CrossesBeforeTheAnswer()
    {
        await using Callee callee = await Callee.StartAsync("tests/sipp/b2bua-uas-early-media.xml", 3);
        await using ServerProcess server = await StartAsync(callee.Target);

        SippResult result = await Sipp.RunAsync("tests/sipp/b2bua-uac-early-media.xml", server.Udp!, 3, rate: 3, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(3, await callee.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task TheCallersCancelOfARingingCallCancelsTheCalleeAndBothGet487()
    {
        await using Callee callee = await Callee.StartAsync("tests/sipp/b2bua-uas-ring-cancel.xml", 3);
        await using ServerProcess server = await StartAsync(callee.Target);

        SippResult result = await Sipp.RunAsync("tests/sipp/uac-retransmit-cancel.xml", server.Udp!, 3, rate: 3, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(3, await callee.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
        Assert.Equal(3, CallRecords(server).Count(r => r.Contains("status 487, hung up by Caller (Cancelled)", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheCallersBlindTransferMakesTheB2buaCallTheRoutedTargetAndBridgeItToTheCallee()
    {
        // SIPp A calls B through serve, then REFERs its leg to sip:target@…; serve routes "target" like a new call (to
        // SIPp C), reports by NOTIFY, re-INVITEs B with C's media, and carries B's BYE to C once A hung up on its leg.
        const int calls = 2;
        await using Callee remaining = await Callee.StartAsync("tests/sipp/b2bua-uas-transfer-remaining.xml", calls);
        await using Callee target = await Callee.StartAsync("-sn uas", calls);
        await using ServerProcess server = await StartAsync([remaining.Target], [], target.Target, "--accept-transfers", "true");

        SippResult result = await Sipp.RunAsync("tests/sipp/uac-transfer.xml", server.Udp!, calls, rate: 2, s_timeout,
            extra: ["-key", "target_ip", "127.0.0.1", "-key", "target_port", server.Udp!.Port.ToString(CultureInfo.InvariantCulture)]);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(calls, await remaining.SuccessfulCallsAsync());
        Assert.Equal(calls, await target.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
        Assert.Equal(calls, CallRecords(server).Count(r => r.Contains("hung up by Callee (Bye)", StringComparison.Ordinal)));
        Assert.Empty(server.ErrorLines);
    }

    [Fact]
    public async Task TheCalleesBusyReachesTheCaller()
    {
        await using Callee callee = await Callee.StartAsync("tests/sipp/uas-busy.xml", 1);
        await using ServerProcess server = await StartAsync(callee.Target);

        Assert.Equal(486, await InviteAsync(server.Udp!));
        Assert.Equal(1, await callee.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task AFiveHundredThreeFromTheOnlyTargetReachesTheCallerAs500()
    {
        await using Callee callee = await Callee.StartAsync("tests/sipp/uas-unavailable.xml", 1);
        await using ServerProcess server = await StartAsync(callee.Target);

        Assert.Equal(500, await InviteAsync(server.Udp!)); // RFC 3261 §16.7 step 6.
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task AfterA503TheNextTargetIsTriedAndAnswers()
    {
        await using Callee unavailable = await Callee.StartAsync("tests/sipp/uas-unavailable.xml", 2);
        await using Callee answering = await Callee.StartAsync("-sn uas", 2);
        await using ServerProcess server = await StartAsync(unavailable.Target, answering.Target);

        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, 2, rate: 2, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(2, await unavailable.SuccessfulCallsAsync());
        Assert.Equal(2, await answering.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task AfterATargetThatNeverAnswersTimerBGivesWayToTheNextTarget()
    {
        string silent = "udp:127.0.0.1:" + UdpPorts.Free().ToString(CultureInfo.InvariantCulture); // Nothing listens: Timer B fires.
        await using Callee answering = await Callee.StartAsync("-sn uas", 1);
        await using ServerProcess server = await StartAsync(silent, answering.Target);

        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, 1, rate: 1, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(1, await answering.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task AfterATransportErrorTheNextTargetIsTried()
    {
        string refusing = "tcp:127.0.0.1:" + UdpPorts.Free().ToString(CultureInfo.InvariantCulture); // No TCP listener: connection refused.
        await using Callee answering = await Callee.StartAsync("-sn uas", 1);
        await using ServerProcess server = await StartAsync([refusing, answering.Target], "--listen", "udp:127.0.0.1:0", "--listen", "tcp:127.0.0.1:0");

        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, 1, rate: 1, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(1, await answering.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task BeyondMaxCallsANewCallGets503WithRetryAfterWhileTheCallUpCarriesOn()
    {
        await using Callee callee = await Callee.StartAsync("-sn uas", 1);
        await using ServerProcess server = await StartAsync([callee.Target], "--max-calls", "1");
        await using var first = new RawCaller();
        await first.CallAsync(server.Udp!);

        await using var socket = new RawSipSocket();
        SipResponse refused = await InviteAsync(socket, server.Udp!);

        Assert.Equal(503, refused.StatusCode);
        Assert.NotNull(refused.GetHeaderValue(SipHeaderKind.RetryAfter));
        Assert.Equal(200, (await first.SendAsync("BYE", server.Udp!)).StatusCode);
        Assert.Equal(1, await callee.SuccessfulCallsAsync());
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task ASourceOutsideAllowGets403AndNoBLegIsPlaced()
    {
        await using var target = new RawSipSocket();
        await using ServerProcess server = await StartAsync(["udp:" + target.EndPoint], "--allow", "192.0.2.0/24", "--allow", "2001:db8::/32");

        Assert.Equal(403, await InviteAsync(server.Udp!));

        await AssertNothingLeftAsync(server);
        Assert.False(target.TryReceive(out _), "the B2BUA sent something to its target");
        Assert.Contains("status 403, hung up by Bridge (Refused)", Assert.Single(CallRecords(server)), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = server.Management, Timeout = s_timeout };
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(1, PrometheusText.Sum(metrics, "sipdialogs_bridge_refused_total", "reason=\"forbidden\""));
    }

    [Fact]
    public async Task AnInviteWithMaxForwardsZeroGets483()
    {
        await using var target = new RawSipSocket();
        await using ServerProcess server = await StartAsync("udp:" + target.EndPoint);

        Assert.Equal(483, await InviteAsync(server.Udp!, maxForwards: 0));
        await AssertNothingLeftAsync(server);
        Assert.False(target.TryReceive(out _), "the B2BUA sent something to its target");
    }

    [Fact]
    public async Task ACallRoutedBackIntoTheSameB2buaIsRefused482()
    {
        int port = UdpPorts.Free();
        string self = "udp:127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        await using ServerProcess server = await StartAsync([self], "--listen", self);

        Assert.Equal(482, await InviteAsync(server.Udp!));
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task NoViaContactCallIdOrRecordRouteOfTheCallersSideReachesTheCalleesSide()
    {
        const int calls = 3;
        await using Callee callee = await Callee.StartAsync("-sn uas", calls);
        await using ServerProcess server = await StartAsync(callee.Target);
        await using KamailioProcess proxy = await KamailioProcess.StartAsync();
        int callerPort = UdpPorts.Free();

        SippResult result = await Sipp.RunAsync(
            "tests/sipp/uac-via-proxy.xml", server.Udp!, calls, rate: 3, s_timeout,
            extra: ["-rsa", proxy.Udp.ToString(), "-p", callerPort.ToString(CultureInfo.InvariantCulture)]);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}");
        Assert.Equal(calls, await callee.SuccessfulCallsAsync());
        string seen = callee.Messages;
        Assert.True(Regex.Count(seen, "^INVITE ", RegexOptions.Multiline) >= calls, seen);
        List<string> records = CallRecords(server);
        Assert.Equal(calls, records.Count);
        foreach (string record in records)
        {
            string callerCallId = CallerCallId().Match(record).Groups[1].Value;
            Assert.NotEmpty(callerCallId);
            Assert.DoesNotContain(callerCallId, seen, StringComparison.Ordinal);
        }

        foreach (int port in (int[])[callerPort, proxy.Udp.Port]) // The caller's Via and Contact; the proxy's Via and Record-Route.
        {
            Assert.DoesNotContain(":" + port.ToString(CultureInfo.InvariantCulture), seen, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Record-Route", seen, StringComparison.OrdinalIgnoreCase);
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task WithLogFormatJsonEachCallRecordIsOneJsonObjectWithBothCallIdsTheTimesAndWhoHungUp()
    {
        await using Callee callee = await Callee.StartAsync("-sn uas", 1);
        int port = UdpPorts.Free();
        string listen = "udp:127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        await using ExternalProcess server = ExternalProcess.Start("dotnet",
            [ServerProcess.ServerDll, "serve", "--mode", "b2bua", "--listen", listen, "--next-hop", callee.Target, "--log-format", "json"]);
        await server.WaitForLineAsync(line => line.Contains("Application started", StringComparison.Ordinal)).WaitAsync(s_timeout);
        await using var caller = new RawCaller();

        await caller.CallAsync(new IPEndPoint(IPAddress.Loopback, port));
        Assert.Equal(200, (await caller.SendAsync("BYE", new IPEndPoint(IPAddress.Loopback, port))).StatusCode);

        string line = await server.WaitForLineAsync(l => l.Contains("\"CallerCallId\"", StringComparison.Ordinal)).WaitAsync(s_timeout);
        using var json = System.Text.Json.JsonDocument.Parse(line);
        System.Text.Json.JsonElement state = json.RootElement.GetProperty("State");
        Assert.Equal(caller.CallId, state.GetProperty("CallerCallId").GetString());
        Assert.NotEqual(caller.CallId, state.GetProperty("CalleeCallId").GetString());
        Assert.NotEmpty(state.GetProperty("CalleeCallId").GetString()!);
        Assert.Equal("sip:alice@127.0.0.1", state.GetProperty("Caller").GetString());
        Assert.Equal("sip:bob@127.0.0.1", state.GetProperty("Callee").GetString());
        Assert.Contains(callee.Target, state.GetProperty("Target").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, state.GetProperty("FinalStatus").GetInt32());
        Assert.Equal("Caller", state.GetProperty("HungUpBy").GetString());
        Assert.Equal("Bye", state.GetProperty("Cause").GetString());
        DateTimeOffset started = DateTimeOffset.Parse(state.GetProperty("StartedAt").GetString()!, CultureInfo.InvariantCulture);
        DateTimeOffset answered = DateTimeOffset.Parse(state.GetProperty("AnsweredAt").GetString()!, CultureInfo.InvariantCulture);
        DateTimeOffset ended = DateTimeOffset.Parse(state.GetProperty("EndedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(started <= answered && answered <= ended, line);
        Assert.Equal(1, await callee.SuccessfulCallsAsync());
    }

    [Fact]
    public async Task B2buaModeWithoutATargetOrWithABadAllowIsRefusedAtStartupNamingTheSetting()
    {
        await using ExternalProcess none = ExternalProcess.Start("dotnet", [ServerProcess.ServerDll, "serve", "--mode", "b2bua", "--listen", "udp:127.0.0.1:0"]);
        Assert.Equal(2, await none.Exited.WaitAsync(s_timeout));
        Assert.Contains("--next-hop", none.Output, StringComparison.Ordinal);

        await using ExternalProcess bad = ExternalProcess.Start("dotnet",
            [ServerProcess.ServerDll, "serve", "--mode", "b2bua", "--listen", "udp:127.0.0.1:0", "--next-hop", "udp:127.0.0.1:5070", "--allow", "no-network"]);
        Assert.Equal(2, await bad.Exited.WaitAsync(s_timeout));
        Assert.Contains("--allow", bad.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyTheConfiguredHeadersOfTheCallersInviteCrossAndReferIsDeclined()
    {
        await using var target = new RawSipSocket();
        await using ServerProcess server = await StartAsync(["udp:" + target.EndPoint], crossing: ["X-*", "P-Asserted-Identity"]);
        await using var caller = new RawCaller();
        Task<SipResponse> answered = caller.CallAsync(
            server.Udp!, "X-Account: 42\r\nP-Asserted-Identity: <sip:alice@example.com>\r\nSubject: stays here\r\n");

        (SipRequest invite, IPEndPoint from) = await target.ReceiveRequestAsync(s_timeout);
        Assert.Equal("42", invite.GetHeaderValue("X-Account"));
        Assert.Equal("<sip:alice@example.com>", invite.GetHeaderValue("P-Asserted-Identity"));
        Assert.Null(invite.GetHeaderValue("Subject"));
        Assert.DoesNotContain(caller.CallId, invite.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(":" + caller.Socket.Port, invite.ToString(), StringComparison.Ordinal);
        await target.SendAsync(
            SipMessageBuilder.ResponseTo(invite, 200, toTag: "callee1").Add(SipHeaderKind.Contact, "<sip:callee@" + target.EndPoint + ">")
                .WithBody("application/sdp", Encoding.UTF8.GetBytes(RawCaller.Offer)),
            from);
        await answered.WaitAsync(s_timeout);

        SipResponse refer = await caller.SendAsync("REFER", server.Udp!, extraHeaders: "Refer-To: <sip:carol@127.0.0.1>\r\n");
        Assert.Equal(603, refer.StatusCode);
        Assert.Equal(200, (await caller.SendAsync("BYE", server.Udp!)).StatusCode);
        (SipRequest bye, IPEndPoint byeFrom) = await NextAsync(target, "BYE"); // After the ACK, and INVITEs sent again before it.
        await target.SendAsync(SipMessageBuilder.ResponseTo(bye, 200), byeFrom);
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task AnInviteWithReplacesNamingTheCalleesLegTakesItsPlaceInTheBridgedCall()
    {
        await using var bob = new RawSipSocket();
        await using ServerProcess server = await StartAsync("udp:" + bob.EndPoint);
        await using var alice = new RawCaller();
        Task<SipResponse> answered = alice.CallAsync(server.Udp!);
        (SipRequest invite, IPEndPoint bLeg) = await bob.ReceiveRequestAsync(s_timeout);
        await bob.SendAsync(
            SipMessageBuilder.ResponseTo(invite, 200, toTag: "callee1").Add(SipHeaderKind.Contact, "<sip:callee@" + bob.EndPoint + ">")
                .WithBody("application/sdp", Encoding.UTF8.GetBytes(RawCaller.Offer)),
            bLeg);
        await answered.WaitAsync(s_timeout);

        // Carol calls in Bob's place, naming his leg as serve sees it (RFC 3891 §3): serve's tag, then Bob's.
        await using var carol = new RawCaller();
        Task<SipResponse> carolAnswered = carol.CallAsync(
            server.Udp!, $"Replaces: {invite.CallId};to-tag={Encoding.ASCII.GetString(invite.FromTag)};from-tag=callee1\r\n");
        (SipRequest reInvite, IPEndPoint aLeg) = await NextAsync(alice.Socket, "INVITE");
        Assert.Equal(RawCaller.Offer, Encoding.UTF8.GetString(reInvite.Body.Span)); // Carol's offer, to Alice.
        await alice.Socket.SendAsync(
            SipMessageBuilder.ResponseTo(reInvite, 200).Add(SipHeaderKind.Contact, "<sip:alice@127.0.0.1:" + alice.Socket.Port + ">")
                .WithBody("application/sdp", Encoding.UTF8.GetBytes(RawCaller.Offer)),
            aLeg);
        Assert.Equal(200, (await carolAnswered.WaitAsync(s_timeout)).StatusCode);
        (SipRequest bye, IPEndPoint byeFrom) = await NextAsync(bob, "BYE"); // The replaced leg ends.
        await bob.SendAsync(SipMessageBuilder.ResponseTo(bye, 200), byeFrom);

        Assert.Equal(200, (await carol.SendAsync("BYE", server.Udp!)).StatusCode); // Carol's BYE ends Alice's leg.
        (SipRequest aliceBye, IPEndPoint aliceByeFrom) = await NextAsync(alice.Socket, "BYE");
        await alice.Socket.SendAsync(SipMessageBuilder.ResponseTo(aliceBye, 200), aliceByeFrom);
        await AssertNothingLeftAsync(server);
        await Poll.UntilAsync(() => CallRecords(server).Count == 1, s_timeout, "the call's one record"); // Logged as the call ends.
        Assert.Contains("hung up by Callee (Bye)", CallRecords(server)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyTheConfiguredHeadersOfTheCalleesResponsesCrossToTheCaller()
    {
        await using var target = new RawSipSocket();
        await using ServerProcess server = await StartAsync(["udp:" + target.EndPoint], crossing: ["X-*", "P-Asserted-Identity"]);
        await using var caller = new SipDialogs.Hosting.SipStack(Parties.Options());
        await caller.StartAsync();
        SipDialogs.Dialogs.OutgoingCall placed = await caller.InviteAsync(
            "sip:bob@" + server.Udp, new SipDialogs.Dialogs.InviteOptions { SessionDescription = RawCaller.Offer });

        (SipRequest invite, IPEndPoint from) = await target.ReceiveRequestAsync(s_timeout);
        await target.SendAsync(
            SipMessageBuilder.ResponseTo(invite, 180, toTag: "callee1").Add(SipHeaderKind.Contact, "<sip:callee@" + target.EndPoint + ">")
                .Add("X-Ring-Tone", "classic").Add("Subject", "stays here"),
            from);
        await target.SendAsync(
            SipMessageBuilder.ResponseTo(invite, 200, toTag: "callee1").Add(SipHeaderKind.Contact, "<sip:callee@" + target.EndPoint + ">")
                .Add("P-Asserted-Identity", "<sip:bob@example.com>").Add("Subject", "stays here").Add("Server", "callee/1.0")
                .WithBody("application/sdp", Encoding.UTF8.GetBytes(RawCaller.Offer)),
            from);
        var progress = new List<SipResponse>();
        await foreach (SipResponse response in placed.Progress.ReadAllAsync().WithCancellation(new CancellationTokenSource(s_timeout).Token))
        {
            progress.Add(response);
        }

        SipDialogs.Dialogs.Dialog dialog = await placed.Answered.WaitAsync(s_timeout);
        SipResponse ringing = Assert.Single(progress, r => r.StatusCode == 180);
        Assert.Equal("classic", ringing.GetHeaderValue("X-Ring-Tone"));
        Assert.Null(ringing.GetHeaderValue("Subject"));
        SipResponse ok = placed.Answer!;
        Assert.Equal("<sip:bob@example.com>", ok.GetHeaderValue("P-Asserted-Identity"));
        Assert.Null(ok.GetHeaderValue("Subject"));
        Assert.NotEqual("callee/1.0", ok.GetHeaderValue("Server"));
        Assert.DoesNotContain(target.EndPoint.ToString(), ok.ToString(), StringComparison.Ordinal);

        await dialog.ByeAsync().WaitAsync(s_timeout);
        (SipRequest bye, IPEndPoint byeFrom) = await NextAsync(target, "BYE");
        await target.SendAsync(SipMessageBuilder.ResponseTo(bye, 200), byeFrom);
        await AssertNothingLeftAsync(server);
        await Parties.AssertFreedAsync(caller);
    }

    [Fact]
    public async Task ThroughAProxyForkingToTwoUasesTheOneThatAnswersIsBridgedAndTheOneRingingIsCancelled()
    {
        await using Callee answering = await Callee.StartAsync("-sn uas", 1);
        await using Callee ringing = await Callee.StartAsync("tests/sipp/b2bua-uas-ring-cancel.xml", 1);
        await using KamailioProcess proxy = await KamailioProcess.StartAsync(
            "tests/kamailio/fork.cfg", "FORK_A=\"sip:" + answering.Target[4..] + "\"", "FORK_B=\"sip:" + ringing.Target[4..] + "\"");
        await using ServerProcess server = await StartAsync("udp:" + proxy.Udp);

        SippResult result = await Sipp.RunAsync("-sn uac", server.Udp!, 1, rate: 1, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}\n{server.Process.Output}\n{proxy.Process.Output}");
        Assert.Equal(1, await answering.SuccessfulCallsAsync());
        Assert.Equal(1, await ringing.SuccessfulCallsAsync()); // Its CANCEL came, and its 487 was acknowledged.
        await AssertNothingLeftAsync(server);
        Assert.Contains("status 200, hung up by Caller (Bye)", Assert.Single(CallRecords(server)), StringComparison.Ordinal);
    }

    private static Task<ServerProcess> StartAsync(params string[] targets) => StartAsync(targets, []);

    private static Task<ServerProcess> StartAsync(string[] targets, params string[] extra) => StartAsync(targets, [], extra);

    private static Task<ServerProcess> StartAsync(string[] targets, string[] crossing, params string[] extra) => StartAsync(targets, crossing, null, extra);

    /// <summary>
    /// serve --mode b2bua on a free UDP port, T1 = 50 ms, its one route to <paramref name="targets"/>, and calls to users
    /// beginning <c>target</c> to <paramref name="transferTarget"/> when given.
    /// </summary>
    private static async Task<ServerProcess> StartAsync(string[] targets, string[] crossing, string? transferTarget, params string[] extra)
    {
        string config = Path.Combine(Path.GetTempPath(), "b2bua-" + Guid.NewGuid().ToString("N") + ".json");
        var json = new StringBuilder("{\"SipDialogs\":{\"Timers\":{\"T1\":\"00:00:00.05\",\"T4\":\"00:00:00.1\",\"TimerD\":\"00:00:03.2\"},")
            .Append("\"B2bua\":{\"Routes\":[")
            .Append(transferTarget is null ? string.Empty : "{\"Prefix\":\"target\",\"Targets\":[\"" + transferTarget + "\"]},")
            .Append("{\"Prefix\":\"\",\"Targets\":[")
            .AppendJoin(',', targets.Select(t => "\"" + t + "\""))
            .Append("]}],\"CrossingHeaders\":[")
            .AppendJoin(',', crossing.Select(c => "\"" + c + "\""))
            .Append("],\"ResponseCrossingHeaders\":[")
            .AppendJoin(',', crossing.Select(c => "\"" + c + "\""))
            .Append("]}}}");
        await File.WriteAllTextAsync(config, json.ToString());
        var arguments = new List<string> { "--mode", "b2bua", "--config", config, "--management", "http://127.0.0.1:0" };
        if (!extra.Contains("--listen"))
        {
            arguments.AddRange(["--listen", "udp:127.0.0.1:0"]);
        }

        arguments.AddRange(extra);
        try
        {
            return await ServerProcess.StartAsync([.. arguments]);
        }
        finally
        {
            File.Delete(config);
        }
    }

    /// <summary>Once the calls have settled: 0 dialogs and 0 transactions on the B2BUA.</summary>
    private static async Task AssertNothingLeftAsync(ServerProcess server)
    {
        using var http = new HttpClient { BaseAddress = server.Management, Timeout = s_timeout };
        await ManagementEndpointTests.PollMetricAsync(http, "sipdialogs_dialog_active", 0);
        await ManagementEndpointTests.PollMetricAsync(http, "sipdialogs_transaction_active", 0);
    }

    /// <summary>The call records serve logged so far.</summary>
    private static List<string> CallRecords(ServerProcess server) =>
        [.. server.Process.Output.Split('\n').Where(line => line.Contains("Call ended: ", StringComparison.Ordinal))];

    private static async Task<int> InviteAsync(IPEndPoint server, int maxForwards = 70)
    {
        await using var socket = new RawSipSocket();
        return (await InviteAsync(socket, server, maxForwards)).StatusCode;
    }

    /// <summary>An INVITE with an offer; its final response, a refusal ACKed (RFC 3261 §17.1.1.3).</summary>
    private static async Task<SipResponse> InviteAsync(RawSipSocket socket, IPEndPoint server, int maxForwards = 70)
    {
        string callId = "b2bua-" + Guid.NewGuid().ToString("N");
        string branch = "z9hG4bK" + Guid.NewGuid().ToString("N");
        string common =
            $"Via: SIP/2.0/UDP 127.0.0.1:{socket.Port};branch={branch};rport\r\n" +
            $"From: <sip:alice@127.0.0.1>;tag=a1\r\nCall-ID: {callId}\r\n";
        await socket.SendAsync(
            $"INVITE sip:bob@{server} SIP/2.0\r\n{common}To: <sip:bob@{server}>\r\nCSeq: 1 INVITE\r\n" +
            $"Max-Forwards: {maxForwards.ToString(CultureInfo.InvariantCulture)}\r\nContact: <sip:alice@127.0.0.1:{socket.Port}>\r\n" +
            $"Content-Type: application/sdp\r\nContent-Length: {RawCaller.Offer.Length.ToString(CultureInfo.InvariantCulture)}\r\n\r\n{RawCaller.Offer}",
            server);
        SipResponse final = await socket.ReceiveResponseAsync(r => r.StatusCode >= 200, s_timeout);
        if (final.StatusCode >= 300)
        {
            await socket.SendAsync(
                $"ACK sip:bob@{server} SIP/2.0\r\n{common}To: {final.GetHeaderValue(SipHeaderKind.To)}\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
                server);
        }

        return final;
    }

    /// <summary>The next request of <paramref name="method"/>, past retransmissions and the ACK (UDP, T1 = 50 ms).</summary>
    private static async Task<(SipRequest Request, IPEndPoint From)> NextAsync(RawSipSocket socket, string method)
    {
        while (true)
        {
            (SipRequest request, IPEndPoint from) = await socket.ReceiveRequestAsync(s_timeout);
            if (request.Method == method)
            {
                return (request, from);
            }

            Assert.True(request.Method is "INVITE" or "ACK", "unexpected " + request.Method);
        }
    }

    [GeneratedRegex(@"caller call (\S+),")]
    private static partial Regex CallerCallId();

    /// <summary>A SIPp UAS on a free port that logs every message it sees, stopping after its last call (-m).</summary>
    private sealed class Callee : IAsyncDisposable
    {
        private readonly ExternalProcess _sipp;
        private readonly string _screen;
        private readonly string _messages;

        private Callee(ExternalProcess sipp, string screen, string messages, int port)
        {
            _sipp = sipp;
            _screen = screen;
            _messages = messages;
            Target = "udp:127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>The route target that reaches it.</summary>
        public string Target { get; }

        /// <summary>Every message it received and sent so far.</summary>
        public string Messages => File.Exists(_messages) ? File.ReadAllText(_messages) : string.Empty;

        public static async Task<Callee> StartAsync(string scenario, int calls)
        {
            int port = UdpPorts.Free();
            string id = Guid.NewGuid().ToString("N");
            string screen = Path.Combine(Path.GetTempPath(), "sipp-callee-" + id + ".txt");
            string messages = Path.Combine(Path.GetTempPath(), "sipp-callee-" + id + ".log");
            var arguments = new List<string>();
            arguments.AddRange(scenario.StartsWith("-sn ", StringComparison.Ordinal) ? ["-sn", scenario[4..]] : ["-sf", Sipp.Scenario(scenario)]);
            arguments.AddRange([
                "-i", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-m", calls.ToString(CultureInfo.InvariantCulture), "-nostdin",
                "-timeout", "60s", "-timeout_error", "-trace_screen", "-screen_file", screen, "-trace_msg", "-message_file", messages]);
            ExternalProcess sipp = ExternalProcess.Start("sipp", arguments, Path.GetTempPath());
            var callee = new Callee(sipp, screen, messages, port);
            try
            {
                await UdpPorts.WaitUntilBoundAsync(port, sipp, s_timeout);
            }
            catch
            {
                await callee.DisposeAsync();
                throw;
            }

            return callee;
        }

        /// <summary>Waits for SIPp to end after its last call and reads how many succeeded.</summary>
        public async Task<int> SuccessfulCallsAsync()
        {
            int exit = await _sipp.Exited.WaitAsync(s_timeout);
            string table = File.Exists(_screen) ? await File.ReadAllTextAsync(_screen) : string.Empty;
            Assert.True(exit == 0, $"callee SIPp exit {exit}:\n{table}\n{_sipp.Output}");
            return Sipp.SuccessfulCalls(table) ?? throw new InvalidOperationException("No call counts in SIPp's screen:\n" + table);
        }

        public async ValueTask DisposeAsync()
        {
            await _sipp.DisposeAsync();
            File.Delete(_screen);
            File.Delete(_messages);
        }
    }
}
