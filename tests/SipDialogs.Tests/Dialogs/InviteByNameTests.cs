using System.Globalization;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// Calls to a SIP URI with a host name (RFC 3263), located through a real dnsmasq on loopback by SRV and A records, to
/// real SIPp UASes: the call goes to the preferred server, and on to the next when the first answers 503 or nothing.
/// </summary>
public sealed class InviteByNameTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ACallToANameFailsOverFromAServerAnswering503ToTheNextSrvTarget()
    {
        int first = UdpPorts.Free();
        int second = UdpPorts.Free();
        await using ExternalProcess unavailable = StartSipp(first, "-sf", Sipp.Scenario("tests/sipp/uas-unavailable.xml"));
        await using ExternalProcess available = StartSipp(second, "-sn", "uas");
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(Zone("failover.test", first, second));
        await UdpPorts.WaitUntilBoundAsync(first, unavailable, s_timeout);
        await UdpPorts.WaitUntilBoundAsync(second, available, s_timeout);
        await using SipStack stack = await StartStackAsync(dns);

        OutgoingCall call = await stack.InviteAsync("sip:service@failover.test", new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);

        Assert.Equal(2u, call.Request.CSeqNumber); // The first INVITE got 503; the second went to the next address.
        Assert.Equal(200, (await dialog.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        Assert.Equal(0, await unavailable.Exited.WaitAsync(s_timeout)); // It got the ACK of its 503.
        Assert.Equal(0, await available.Exited.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ACallToANameFailsOverFromAServerThatDoesNotAnswer()
    {
        int silent = UdpPorts.Free(); // Nothing listens there: a transport error or Timer B.
        int second = UdpPorts.Free();
        await using ExternalProcess available = StartSipp(second, "-sn", "uas");
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(Zone("silent.test", silent, second));
        await UdpPorts.WaitUntilBoundAsync(second, available, s_timeout);
        await using SipStack stack = await StartStackAsync(dns);

        await CallAndHangUpAsync(stack, "sip:service@silent.test", available);
    }

    [Fact]
    public async Task ACallToANameWithoutRecordsFailsWithAnErrorNamingIt()
    {
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(Zone("known.test", 5060, 5061));
        await using SipStack stack = await StartStackAsync(dns);

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(
            () => stack.InviteAsync("sip:service@unknown.test", new InviteOptions { SessionDescription = Offer }));

        Assert.Contains("unknown.test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACallToANameInACnameLoopFailsNamingTheLoopAndTheNextCallGoesThrough()
    {
        // dnsmasq refuses a CNAME loop in its own records ("CNAME loop involving ..."), so a small server makes one.
        int port = UdpPorts.Free();
        await using ExternalProcess uas = StartSipp(port, "-sn", "uas");
        await using var looping = new CnameLoopDnsServer();
        SipStackOptions options = Parties.Options();
        options.NameServers.Add(looping.EndPoint.ToString());
        await using var stack = new SipStack(options);
        await stack.StartAsync();
        await UdpPorts.WaitUntilBoundAsync(port, uas, s_timeout);

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(
            () => stack.InviteAsync("sip:service@a.loop.test", new InviteOptions { SessionDescription = Offer }).WaitAsync(s_timeout));
        Assert.Contains("loop", error.Message, StringComparison.OrdinalIgnoreCase);
        await CallAndHangUpAsync(stack, $"sip:service@127.0.0.1:{Text(port)}", uas);
    }

    [Fact]
    public async Task ACallToANameWhoseUdpAnswerIsTruncatedIsLocatedOverTcp()
    {
        int port = UdpPorts.Free();
        await using ExternalProcess uas = StartSipp(port, "-sn", "uas");
        var records = new List<string> { "--edns-packet-max=512" };
        for (int i = 1; i <= 20; i++)
        {
            // Twenty SRV targets with long names: over 512 bytes, so the UDP answer comes truncated (RFC 1035 §4.2.1).
            string target = $"node-{Text(i)}-of-a-rather-long-server-name.big.test";
            records.Add($"--srv-host=_sip._udp.big.test,{target},{Text(port)},10,0");
            records.Add($"--host-record={target},127.0.0.1");
        }

        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(records);
        var udpOnly = new SipDialogs.Dns.SipServerLocatorOptions { TcpFallback = false };
        udpOnly.NameServers.Add(dns.EndPoint);
        SipDialogs.Dns.SipLocateResult truncated = await new SipDialogs.Dns.SipServerLocator(udpOnly).LocateAsync(BigTest());
        Assert.True(truncated.Error == SipDialogs.Dns.SipLocateError.Truncated, truncated.ToString());
        await UdpPorts.WaitUntilBoundAsync(port, uas, s_timeout);
        await using SipStack stack = await StartStackAsync(dns);

        await CallAndHangUpAsync(stack, "sip:service@big.test", uas);
    }

    [Fact]
    public async Task ANameChangedBetweenTwoCallsIsFollowedOnceItsTtlHasPassed()
    {
        int port = UdpPorts.Free();
        await using ExternalProcess before = StartSippOn("127.0.0.61", port, "-sn", "uas");
        string hosts = Path.Combine(Path.GetTempPath(), "sipdialogs-ttl-" + Guid.NewGuid().ToString("N") + ".hosts");
        await File.WriteAllTextAsync(hosts, "127.0.0.61 moving.test\n");
        try
        {
            await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(["--local-ttl=1", "--addn-hosts=" + hosts]);
            var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
            SipStackOptions options = Parties.Options();
            options.NameServers.Add(dns.EndPoint.ToString());
            await using var stack = new SipStack(options, timeProvider: time);
            await stack.StartAsync();
            await UdpPorts.WaitUntilBoundAsync(port, before, s_timeout);
            string target = $"sip:service@moving.test:{Text(port)}";

            await CallAndHangUpAsync(stack, target, before); // The call went to the first address.

            await File.WriteAllTextAsync(hosts, "127.0.0.62 moving.test\n");
            await dns.ReloadAsync();
            await dns.Process.WaitForLineAsync(line => line.Contains(Path.GetFileName(hosts) + " - 1 names", StringComparison.Ordinal)).WaitAsync(s_timeout);
            time.Advance(TimeSpan.FromSeconds(2)); // Past the 1 s TTL on the stack's clock.
            await using ExternalProcess after = StartSippOn("127.0.0.62", port, "-sn", "uas"); // Same port: once the first is gone.
            await UdpPorts.WaitUntilBoundAsync(port, after, s_timeout);

            await CallAndHangUpAsync(stack, target, after); // The second went to the new one.
        }
        finally
        {
            File.Delete(hosts);
        }
    }

    [Fact]
    public async Task ARequestToARemoteTargetNamingAHostGoesToTheAddressDnsGivesNotWhereTheAnswerCameFrom()
    {
        await using var answering = new RawSipSocket();
        await using var named = new RawSipSocket(); // Where callee.test's SRV record points: the remote target's server.
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(
        [
            $"--srv-host=_sip._udp.callee.test,host.callee.test,{named.Port},10,0",
            "--host-record=host.callee.test,127.0.0.1",
        ]);
        await using SipStack stack = await StartStackAsync(dns);

        OutgoingCall call = await stack.InviteAsync("sip:bob@127.0.0.1:" + answering.Port, new InviteOptions { SessionDescription = Offer });
        (SipRequest invite, System.Net.IPEndPoint caller) = await answering.ReceiveRequestAsync(s_timeout);
        await answering.SendAsync(
            SipMessageBuilder.ResponseTo(invite, 200, toTag: "callee").Add(SipHeaderKind.Contact, "<sip:bob@callee.test>")
                .WithBody("application/sdp", System.Text.Encoding.UTF8.GetBytes(Offer)),
            caller);
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);

        Task<SipResponse> bye = dialog.ByeAsync();
        (SipRequest request, System.Net.IPEndPoint from) = await named.ReceiveRequestAsync(s_timeout);
        await named.SendAsync(SipMessageBuilder.ResponseTo(request, 200), from);

        Assert.Equal(SipMethods.Bye, request.Method);
        Assert.Equal("sip:bob@callee.test", request.RequestUriText); // RFC 3261 §12.2.1.1: the remote target, located by RFC 3263.
        Assert.Equal(200, (await bye.WaitAsync(s_timeout)).StatusCode);
    }

    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

    /// <summary>Two SRV targets of <paramref name="domain"/> over UDP, priority 10 then 20, both on loopback.</summary>
    private static string[] Zone(string domain, int first, int second) =>
    [
        $"--srv-host=_sip._udp.{domain},first.{domain},{Text(first)},10,0",
        $"--srv-host=_sip._udp.{domain},second.{domain},{Text(second)},20,0",
        $"--host-record=first.{domain},127.0.0.1",
        $"--host-record=second.{domain},127.0.0.1",
    ];

    private static async Task<SipStack> StartStackAsync(DnsmasqProcess dns)
    {
        SipStackOptions options = Parties.Options();
        options.NameServers.Add(dns.EndPoint.ToString());
        var stack = new SipStack(options);
        await stack.StartAsync();
        return stack;
    }

    private static ExternalProcess StartSipp(int port, params string[] scenario) => StartSippOn("127.0.0.1", port, scenario);

    private static ExternalProcess StartSippOn(string address, int port, params string[] scenario) => ExternalProcess.Start("sipp",
    [
        .. scenario, "-i", address, "-p", Text(port), "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error",
    ], Path.GetTempPath());

    /// <summary>Places a call to <paramref name="target"/>, ends it, and checks that <paramref name="uas"/> (SIPp, one call) had it.</summary>
    private static async Task CallAndHangUpAsync(SipStack stack, string target, ExternalProcess uas)
    {
        OutgoingCall call = await stack.InviteAsync(target, new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);
        Assert.Equal(200, (await dialog.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        Assert.Equal(0, await uas.Exited.WaitAsync(s_timeout));
    }

    private static SipDialogs.Messages.SipUri BigTest()
    {
        Assert.True(SipDialogs.Messages.AddrSpec.TryParse("sip:service@big.test", out SipDialogs.Messages.AddrSpec? uri, out _));
        return Assert.IsType<SipDialogs.Messages.SipUri>(uri);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
